"""Property-based API tests: schemathesis reads /api/openapi.json from a running hub and
throws generated requests (valid ones, then invalid ones) at every operation. Whatever it
sends, the hub never answers 5xx, and every answer has a status, media type and body the
document declares.

The hub runs on PostgreSQL; staff operations get a manager's bearer token. Two passes:
one with generated ids (which mostly name nothing: 404 paths), one with the ids of a real
customer and conversation, so that the handlers behind the 404 see generated bodies too.
Rate limits are raised for this hub (429 is declared, but a fuzzer that only sees 429
tests nothing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hub.db.engine import Database
from tests.e2e.conftest import HubProcess, start_hub
from tests.factories import PASSWORD, make_staff

MANAGER = "margaux@test.concierge"
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 5}
KNOWN_ID_EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
UNLIMITED = "1000000"


@pytest.fixture
def fuzz_hub(hub_env: dict[str, str], tmp_path: Path) -> Iterator[HubProcess]:
    asyncio.run(_seed_manager(hub_env["HUB_DATABASE_URL"]))
    env = {
        **hub_env,
        "HUB_ANONYMOUS_PER_MINUTE": UNLIMITED,
        "HUB_ANONYMOUS_BURST": UNLIMITED,
        "HUB_LOGIN_PER_MINUTE": UNLIMITED,
        "HUB_LOGIN_BURST": UNLIMITED,
        "HUB_LOG_LEVEL": "WARNING",
    }
    process = start_hub(env, tmp_path)
    yield process
    process.terminate()


async def _seed_manager(database_url: str) -> None:
    db = Database(database_url)
    try:
        await make_staff(db, datetime.now(UTC), name="Margaux Petit", email=MANAGER, role="manager")
    finally:
        await db.close()


def _login(http: requests.Session, base: str) -> str:
    response = http.post(
        f"{base}/api/auth/login", json={"email": MANAGER, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _known_ids(http: requests.Session, base: str, staff: dict[str, str]) -> dict[str, str]:
    """A customer and a conversation that exist, made the way a shopper makes them."""
    sent = http.post(
        f"{base}/api/contact",
        json={"name": "Anne Martin", "email": "anne@example.com", "message": "Bonjour"},
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    conversation_id = sent.json()["conversation_id"]
    found = http.get(f"{base}/api/conversations/{conversation_id}", headers=staff, timeout=10)
    assert found.status_code == 200, found.text
    return {"conversation": conversation_id, "customer": found.json()["customer"]["id"]}


def _is_staff(operation: Any) -> bool:
    return {"staffBearer": []} in (operation.definition.raw.get("security") or [])


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    call: Callable[[Any], None],
    path_parameters: dict[str, str] | None = None,
) -> str | None:
    """Run ``examples`` generated cases through ``call``; the failure, if any, as text."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        call(case)

    try:
        run()
    except Unsatisfiable:  # negative mode with nothing to get wrong (no parameters, no body)
        return None
    except (Exception, BaseExceptionGroup) as failure:  # reported with the others' at the end
        where = " known ids" if path_parameters else ""
        return f"{operation.label} [{mode.value}{where}]\n{failure}"
    return None


def _known_parameters(path: str, ids: dict[str, str]) -> dict[str, str] | None:
    if path.startswith("/api/customers/{id}"):
        return {"id": ids["customer"]}
    if path.startswith("/api/conversations/{id}"):
        return {"id": ids["conversation"]}
    return None


# PostgreSQL only: the stricter of the two (integer ranges, NUL bytes, text lengths), and
# one pass keeps the test within a few minutes; the handlers are the same on SQLite.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.timeout(300)
def test_every_operation_answers_as_its_schema_says(fuzz_hub: HubProcess) -> None:
    base = fuzz_hub.base
    served = requests.get(f"{base}/api/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.headers["Content-Type"].startswith("application/json")
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json")
    failures: list[str] = []
    with requests.Session() as http:
        staff = {"Authorization": f"Bearer {_login(http, base)}"}
        ids = _known_ids(http, base, staff)

        def caller(operation: Any) -> Callable[[Any], None]:
            def call(case: Any) -> None:
                headers = dict(staff) if _is_staff(operation) else None
                if operation.path == "/api/auth/logout":  # a token of its own to end
                    headers = {"Authorization": f"Bearer {_login(http, base)}"}
                case.call_and_validate(session=http, headers=headers, checks=CHECKS, timeout=20)

            return call

        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 40
        for operation in operations:
            for mode, examples in EXAMPLES.items():
                failures.append(_fuzz(operation, mode, examples, caller(operation)) or "")
        for operation in operations:
            known = _known_parameters(operation.path, ids)
            if known is not None:
                failures.append(
                    _fuzz(
                        operation,
                        GenerationMode.POSITIVE,
                        KNOWN_ID_EXAMPLES,
                        caller(operation),
                        known,
                    )
                    or ""
                )
    found = [failure for failure in failures if failure]
    unhandled = [line for line in fuzz_hub.logs().splitlines() if "unhandled error" in line]
    assert not found, f"{len(found)} operations failed:\n\n" + "\n\n".join(found + unhandled)
    assert not unhandled
