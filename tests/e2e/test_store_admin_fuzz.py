"""The administration API under generated requests with ids that exist: a store the
manager runs, its special hours and types, a WeChat account, a mailbox and a number of
theirs. Whatever schemathesis sends, the hub answers as the document says, never 5xx
(the whole API's pass, with generated ids, mostly meets 404s on these paths)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis import GenerationMode

from tests.e2e.conftest import HubProcess
from tests.e2e.test_openapi_schemathesis import CHECKS, _fuzz, _is_staff, _login, fuzz_hub

__all__ = ["fuzz_hub"]  # the fixture

EXAMPLES = 12
KNOWN = {
    "code": "PARIS01",
    "date": (date.today() + timedelta(days=30)).isoformat(),
    "type": "in-store",
    "account": "maison-paris",
    "address": "paris@boutique.example.com",
    "number": "+33142965000",
}


def _seed_channels(http: requests.Session, base: str, staff: dict[str, str]) -> None:
    for path, body in (
        (
            "wechat",
            {
                "account": "maison-paris",
                "app_id": "wx0123456789abcdef",
                "app_secret": "MaisonAppSecret0123456789",
                "token": "MaisonToken42",
                "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                "store": "PARIS01",
            },
        ),
        ("mailboxes", {"address": KNOWN["address"], "store": "PARIS01"}),
        (
            "voice",
            {
                "provider": "twilio",
                "number": KNOWN["number"],
                "store": "PARIS01",
                "account_sid": "AC" + "0123456789abcdef" * 2,
                "auth_token": "9f86d081884c7d659a2feaa0c55ad015",
            },
        ),
    ):
        sent = http.post(f"{base}/api/admin/channels/{path}", json=body, headers=staff, timeout=10)
        assert sent.status_code == 201, sent.text


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.timeout(300)
def test_the_administration_api_answers_as_its_schema_says(fuzz_hub: HubProcess) -> None:
    base = fuzz_hub.base
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json")
    failures: list[str] = []
    with requests.Session() as http:
        staff = {"Authorization": f"Bearer {_login(http, base)}"}
        _seed_channels(http, base, staff)

        def caller(operation: Any) -> Callable[[Any], None]:
            def call(case: Any) -> None:
                headers = dict(staff) if _is_staff(operation) else None
                case.call_and_validate(session=http, headers=headers, checks=CHECKS, timeout=20)

            return call

        operations = sorted(  # removals last: what they remove is fuzzed first
            (
                op
                for op in (result.ok() for result in schema.get_all_operations())
                if op.path.startswith("/api/admin/")
            ),
            key=lambda op: op.method.upper() == "DELETE",
        )
        assert len(operations) >= 18
        for operation in operations:
            names = [p.name for p in operation.path_parameters]
            known = {name: KNOWN[name] for name in names} or None
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures.append(_fuzz(operation, mode, EXAMPLES, caller(operation), known) or "")
    found = [failure for failure in failures if failure]
    unhandled = [line for line in fuzz_hub.logs().splitlines() if "unhandled error" in line]
    assert not found, f"{len(found)} operations failed:\n\n" + "\n\n".join(found + unhandled)
    assert not unhandled
