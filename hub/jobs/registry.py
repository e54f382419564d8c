"""Every job kind the hub runs, by name: the web process, rq jobs and ``hub worker`` agree."""

from __future__ import annotations

from hub.jobs.kind import JobKind


def registered_kinds() -> dict[str, JobKind]:
    # Kinds import hub.jobs; import them late.
    from hub.booking_reminders import REMINDER_KIND
    from hub.mail.delivery import MAIL_KIND

    return {kind.name: kind for kind in (MAIL_KIND, REMINDER_KIND)}
