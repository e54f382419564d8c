"""Every job kind the hub runs, by name: the web process, rq jobs and ``hub worker`` agree."""

from __future__ import annotations

from hub.jobs.kind import JobKind
from hub.outbound import AppointmentMessenger


def registered_kinds() -> dict[str, JobKind]:
    # Kinds import hub.jobs; import them late. The registry is composition, like
    # hub.app: it names the channels' kinds too, so web processes and rq workers agree.
    from adapters.voice.jobs import KINDS as VOICE_KINDS
    from adapters.voice.sms_job import SMS_KIND
    from adapters.wechat.jobs import KINDS as WECHAT_KINDS
    from hub.attachment_sweep import KINDS as ATTACHMENT_KINDS
    from hub.booking_reminders import REMINDER_KIND
    from hub.mail.delivery import MAIL_KIND

    kinds = (MAIL_KIND, REMINDER_KIND, *WECHAT_KINDS, SMS_KIND, *VOICE_KINDS, *ATTACHMENT_KINDS)
    return {kind.name: kind for kind in kinds}


def appointment_messengers() -> dict[str, AppointmentMessenger]:
    """Channels that send appointment notices of their own, for jobs (reminders) and the
    web process alike."""
    from adapters.wechat.notices import WechatNotices

    return {"wechat": WechatNotices()}
