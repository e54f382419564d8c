"""Every job kind the hub runs, by name: the web process, rq jobs and ``hub worker`` agree."""

from __future__ import annotations

from hub.jobs.kind import JobKind


def registered_kinds() -> dict[str, JobKind]:
    from hub.mail.delivery import MAIL_KIND  # kinds import hub.jobs; import them late

    return {kind.name: kind for kind in (MAIL_KIND,)}
