"""The widget's "about you" form: claims and consents a shopper gives with a message."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Session


async def _profile(session: Session, token: str, conversation_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with session.http.get(
        f"{session.base}/api/conversations/{conversation_id}", headers=headers
    ) as response:
        assert response.status == 200
        customer_id = (await response.json())["customer"]["id"]
    async with session.http.get(
        f"{session.base}/api/customers/{customer_id}", headers=headers
    ) as response:
        assert response.status == 200
        return dict(await response.json())


async def test_details_from_the_form_are_unverified_claims_with_consent(
    session: Session,
) -> None:
    shopper = await session.shopper(await session.visitor_token(), store="PARIS01")
    ack = await shopper.call(
        "message",
        {
            "client_id": "c-1",
            "text": "Is the Étoile ring available in 52?",
            "contact": {
                "name": "Anne Martin",
                "email": "  Anne.Martin@Example.com ",
                "phone": "06 12 34 56 78",  # national format, read in the store's country
                "marketing": {"email": True, "phone": False},
            },
        },
    )
    assert ack["conversation_id"]
    profile = await _profile(session, await session.staff_token(), ack["conversation_id"])
    assert profile["name"] == "Anne Martin"
    identities = {(i["kind"], i["value"]): i["verified"] for i in profile["identities"]}
    assert identities[("email", "anne.martin@example.com")] is False
    assert identities[("phone", "+33612345678")] is False
    marketing = {
        c["channel"]: c for c in profile["consents"] if c["purpose"] == "marketing" and c["granted"]
    }
    assert set(marketing) == {"email"}
    assert marketing["email"]["source"] == "chat_form"


async def test_claiming_someone_elses_address_gives_no_access_to_their_profile(
    session: Session,
) -> None:
    first = await session.shopper(await session.visitor_token(), store="PARIS01")
    one = await first.call(
        "message", {"client_id": "a", "text": "Hello", "contact": {"email": "vip@example.com"}}
    )
    second = await session.shopper(await session.visitor_token(), store="PARIS01")
    two = await second.call(
        "message", {"client_id": "b", "text": "Hi", "contact": {"email": "vip@example.com"}}
    )
    token = await session.staff_token()
    profiles = [await _profile(session, token, ack["conversation_id"]) for ack in (one, two)]
    assert profiles[0]["id"] != profiles[1]["id"]
    history = await second.call("history", {})
    assert [m["text"] for m in history["messages"]] == ["Hi"]


async def test_a_bad_address_is_refused_and_nothing_is_stored(session: Session) -> None:
    shopper = await session.shopper(await session.visitor_token(), store="PARIS01")
    ack = await shopper.call(
        "message", {"client_id": "x", "text": "Hello", "contact": {"email": "not-an-address"}}
    )
    assert ack["error"]["code"] == "invalid_input"
    assert ack["error"]["field"] == "contact.email"
    assert "not-an-address" in ack["error"]["message"]
    ack = await shopper.call(
        "message",
        {"client_id": "y", "text": "Hello", "contact": {"marketing": {"email": True}}},
    )
    assert ack["error"]["field"] == "contact.marketing.email"
    assert (await shopper.call("history", {}))["messages"] == []
