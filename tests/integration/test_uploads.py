"""Attachments both ways in web chat, on SQLite and PostgreSQL: upload, send, download, and
who may not (issue #12)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hub.app import create_app
from hub.attachment_sweep import SWEEP_JOB
from hub.attachment_uploads import MAX_PENDING
from hub.db.channel_models import Attachment, DiscardedFile
from hub.db.models import AuditEntry, Conversation, Message
from hub.jobs.runner import InProcessRunner
from tests import attachment_files as files
from tests.conftest import FakeClock, make_settings
from tests.integration.upload_support import LIMIT, Shopper, UploadHub, form
from tests.integration.upload_support import uploads as uploads


async def sent_image(uploads: UploadHub, shopper: Shopper, data: bytes | None = None) -> dict:
    """The shopper uploads an image and sends it with no text; the message's ack."""
    uploaded = await uploads.upload(shopper, data or files.png())
    assert uploaded.status == 201, await uploaded.text()
    attachment = (await uploaded.json())["attachment"]
    ack = await shopper.send("c-1", "", [attachment["id"]])
    assert "error" not in ack, ack
    return {"attachment": attachment, "ack": ack}


async def test_a_shopper_sends_an_image_that_the_boutique_and_the_shopper_can_open(
    uploads: UploadHub,
) -> None:
    shopper = await uploads.shopper()
    image = files.png()
    uploaded = await uploads.upload(shopper, image, filename="bague.png")
    assert uploaded.status == 201
    attachment = (await uploaded.json())["attachment"]
    assert attachment == {
        "id": attachment["id"],
        "kind": "image",
        "content_type": "image/png",
        "filename": "bague.png",
        "size": len(image),
    }
    assert len(attachment["id"]) == 32  # 128 random bits

    # On disk under HUB_ATTACHMENTS_DIR, by a name that is not the public id.
    (stored,) = uploads.stored_files()
    assert stored.read_bytes() == image and attachment["id"] not in str(stored)

    ack = await shopper.send("c-1", "", [attachment["id"]])
    async with uploads.hub.db.reading() as session:
        message = await session.get(Message, ack["id"])
        row = await session.get(Attachment, attachment["id"])
    assert message is not None and message.text == ""
    assert message.data == {"attachments": [{**attachment, "status": "ready"}]}
    assert row is not None and row.message_id == message.id

    staff = await uploads.download(attachment["id"], uploads.headers["amelie"])
    assert staff.status == 200 and await staff.read() == image
    assert staff.headers["Content-Type"] == "image/png"
    assert staff.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''bague.png" in staff.headers["Content-Disposition"]
    assert staff.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in staff.headers["Content-Security-Policy"]
    assert staff.headers["Cache-Control"].startswith("private")

    own = await uploads.download(attachment["id"], shopper.auth)
    assert own.status == 200 and await own.read() == image


async def test_another_shopper_another_boutique_and_anonymous_get_404(uploads: UploadHub) -> None:
    shopper = await uploads.shopper()
    attachment = (await sent_image(uploads, shopper))["attachment"]
    unknown = await uploads.download("0" * 32, uploads.headers["amelie"])
    assert unknown.status == 404
    expected = await unknown.json()

    stranger = await uploads.shopper()
    for headers in (
        stranger.auth,
        uploads.headers["lucas"],  # an ambassador of another boutique
        {},
        {"Authorization": "Bearer v1.forged.token"},
        {"Authorization": "Bearer not-a-session"},
    ):
        answer = await uploads.download(attachment["id"], headers)
        assert answer.status == 404, headers
        assert await answer.json() == expected  # the same answer as an unknown id


async def test_a_pending_upload_is_its_uploaders_alone(uploads: UploadHub) -> None:
    owner, other = await uploads.shopper(), await uploads.shopper()
    uploaded = await uploads.upload(owner, files.GIF, filename="a.gif", content_type="image/gif")
    pending = (await uploaded.json())["attachment"]

    assert (await uploads.download(pending["id"], owner.auth)).status == 200
    for headers in (other.auth, uploads.headers["amelie"], {}):
        assert (await uploads.download(pending["id"], headers)).status == 404

    refused = await other.send("c-9", "look", [pending["id"]])
    assert refused["error"]["field"] == "attachments"
    async with uploads.hub.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 0
        row = await session.get(Attachment, pending["id"])
    assert row is not None and row.message_id is None  # still the owner's to send

    sent = await owner.send("c-1", "", [pending["id"]])
    assert "error" not in sent


async def test_a_resent_message_is_stored_once_with_its_file(uploads: UploadHub) -> None:
    shopper = await uploads.shopper()
    first = await sent_image(uploads, shopper)
    again = await shopper.send("c-1", "", [first["attachment"]["id"]])
    assert again["id"] == first["ack"]["id"]
    async with uploads.hub.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 1
    # A second message cannot carry the same file again.
    refused = await shopper.send("c-2", "again", [first["attachment"]["id"]])
    assert refused["error"]["field"] == "attachments"


async def test_html_named_png_is_refused_and_nothing_is_kept(uploads: UploadHub) -> None:
    shopper = await uploads.shopper()
    for data in (files.HTML, files.SVG, files.POLYGLOT):
        refused = await uploads.upload(shopper, data, filename="photo.png")
        assert refused.status == 415
        assert (await refused.json())["error"]["code"] == "unsupported_type"
    assert uploads.stored_files() == []
    async with uploads.hub.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Attachment)) == 0


async def test_a_file_over_the_limit_is_refused_before_it_is_all_read(uploads: UploadHub) -> None:
    shopper = await uploads.shopper()
    big = files.png(400, 400, (1, 2, 3)) + b"\x00" * LIMIT  # over the limit either way
    declared = await uploads.upload(shopper, big)
    assert declared.status == 413
    assert (await declared.json())["error"]["code"] == "file_too_large"

    # Streamed without a length: the count stops it once past the limit.
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        boundary = b"--cut\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
        while sent < 50 * LIMIT:
            sent += 16 * 1024
            yield b"\x89PNG" + b"\x00" * (16 * 1024 - 4)
            await asyncio.sleep(0)

    streamed = await uploads.client.post(
        "/api/webchat/attachments",
        data=chunks(),
        headers={**shopper.auth, "Content-Type": "multipart/form-data; boundary=cut"},
    )
    assert streamed.status == 413
    assert sent < 50 * LIMIT
    assert uploads.stored_files() == []  # not even a temporary file is left


async def test_uploads_need_a_visitor_token_in_the_header(uploads: UploadHub) -> None:
    nobody = await uploads.client.post("/api/webchat/attachments", data=form(files.png()))
    assert nobody.status == 401
    not_a_form = await uploads.client.post(
        "/api/webchat/attachments",
        json={"file": "x"},
        headers=(await uploads.shopper()).auth,
    )
    assert not_a_form.status == 400
    assert (await not_a_form.json())["error"]["field"] == "file"


async def test_an_ambassador_sends_a_pdf_that_the_shopper_receives_and_opens(
    uploads: UploadHub,
) -> None:
    shopper = await uploads.shopper()
    first = await shopper.send("c-1", "Bonjour", [])
    conversation_id = first["conversation_id"]
    path = f"/api/conversations/{conversation_id}/attachments"

    outsider = await uploads.client.post(
        path, data=form(files.PDF, "x.pdf", "application/pdf"), headers=uploads.headers["lucas"]
    )
    assert outsider.status == 404
    uploaded = await uploads.client.post(
        path,
        data=form(files.PDF, "Devis bague.pdf", "application/pdf"),
        headers=uploads.headers["amelie"],
    )
    assert uploaded.status == 201
    pdf = (await uploaded.json())["attachment"]
    assert pdf["kind"] == "file" and pdf["filename"] == "Devis bague.pdf"

    # The shopper can neither take nor see the ambassador's pending file.
    assert (await shopper.send("c-2", "", [pdf["id"]]))["error"]["field"] == "attachments"
    assert (await uploads.download(pdf["id"], shopper.auth)).status == 404

    console = await uploads.console("amelie")
    ack = await console.call(
        "reply",
        {
            "conversation_id": conversation_id,
            "client_id": "r-1",
            "text": "Voici le devis",
            "attachments": [pdf["id"]],
        },
        namespace="/console",
        timeout=10,
    )
    assert "error" not in ack, ack
    while (received := await asyncio.wait_for(shopper.received.get(), 5))["id"] != ack["id"]:
        pass
    assert received["data"]["attachments"] == [{**pdf, "status": "ready"}]
    opened = await uploads.download(pdf["id"], shopper.auth)
    assert opened.status == 200 and await opened.read() == files.PDF
    assert opened.headers["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''Devis%20bague.pdf" in opened.headers["Content-Disposition"]

    async with uploads.hub.db.reading() as session:
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "attachment.uploaded")
        )
    assert audited is not None and audited.subject_id == conversation_id


async def test_a_reply_cannot_carry_a_file_of_another_conversation(uploads: UploadHub) -> None:
    one, two = await uploads.shopper(), await uploads.shopper()
    first = await one.send("c-1", "Bonjour", [])
    second = await two.send("c-1", "Hello", [])
    uploaded = await uploads.client.post(
        f"/api/conversations/{first['conversation_id']}/attachments",
        data=form(files.JPEG, "ring.jpg", "image/jpeg"),
        headers=uploads.headers["amelie"],
    )
    jpeg = (await uploaded.json())["attachment"]
    console = await uploads.console("amelie")
    refused = await console.call(
        "reply",
        {
            "conversation_id": second["conversation_id"],
            "client_id": "r-1",
            "text": "",
            "attachments": [jpeg["id"]],
        },
        namespace="/console",
        timeout=10,
    )
    assert refused["error"]["field"] == "attachments"
    async with uploads.hub.db.reading() as session:
        replies = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "out")
        )
    assert replies == 0


async def test_staff_cannot_upload_into_a_conversation_that_is_not_web_chat(
    uploads: UploadHub,
) -> None:
    shopper = await uploads.shopper()
    ack = await shopper.send("c-1", "Bonjour", [])
    async with uploads.hub.db.transaction() as session:
        conversation = await session.get(Conversation, ack["conversation_id"])
        assert conversation is not None
        conversation.channel = "email"
    refused = await uploads.client.post(
        f"/api/conversations/{ack['conversation_id']}/attachments",
        data=form(files.PDF, "x.pdf", "application/pdf"),
        headers=uploads.headers["amelie"],
    )
    assert refused.status == 409
    assert uploads.stored_files() == []


async def test_uploads_nobody_sent_are_swept_after_a_day(
    uploads: UploadHub, clock: FakeClock
) -> None:
    shopper = await uploads.shopper()
    kept = (await sent_image(uploads, shopper))["attachment"]
    forgotten = (await (await uploads.upload(shopper, files.WEBP)).json())["attachment"]
    assert len(uploads.stored_files()) == 2
    runner = uploads.hub.jobs
    assert isinstance(runner, InProcessRunner)

    clock.advance(hours=23)
    await runner.recover()
    await runner.run_due()
    assert len(uploads.stored_files()) == 2  # not yet a day

    clock.advance(hours=2)
    await runner.recover()
    await runner.run_due()
    async with uploads.hub.db.reading() as session:
        assert await session.get(Attachment, forgotten["id"]) is None
        assert await session.get(Attachment, kept["id"]) is not None
    (left,) = uploads.stored_files()
    assert left.read_bytes() == files.png()
    async with uploads.hub.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(DiscardedFile)) == 0
    assert (await uploads.download(forgotten["id"], shopper.auth)).status == 404
    assert SWEEP_JOB in runner.kinds


async def test_erasing_the_customer_deletes_their_files_from_disk(uploads: UploadHub) -> None:
    shopper = await uploads.shopper()
    sent = await sent_image(uploads, shopper)
    assert len(uploads.stored_files()) == 1
    staff = uploads.headers["amelie"]
    conversation = await uploads.client.get(
        f"/api/conversations/{sent['ack']['conversation_id']}", headers=staff
    )
    customer_id = (await conversation.json())["customer"]["id"]
    erased = await uploads.client.delete(f"/api/customers/{customer_id}", headers=staff)
    assert erased.status in (200, 204), await erased.text()

    runner = uploads.hub.jobs
    assert isinstance(runner, InProcessRunner)
    await runner.recover()
    await runner.run_due()
    assert uploads.stored_files() == []
    async with uploads.hub.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(DiscardedFile)) == 0
    assert (await uploads.download(sent["attachment"]["id"], staff)).status == 404


async def test_a_shop_site_may_upload_and_fetch_and_uploads_are_rate_limited(
    aiohttp_client: Any, sqlite_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    shop = "https://shop.example.com"
    settings = make_settings(
        sqlite_url,
        attachments_dir=tmp_path / "files",
        allowed_origins=(shop,),
        anonymous_burst=3,
        anonymous_per_minute=1.0,
    )
    client = await aiohttp_client(create_app(settings, clock=clock))
    token = (await (await client.post("/api/visitors")).json())["visitor_token"]

    for path in ("/api/webchat/attachments", "/api/attachments/0123456789abcdef0123456789abcdef"):
        preflight = await client.options(
            path,
            headers={
                "Origin": shop,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == shop
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]

    headers = {"Authorization": f"Bearer {token}", "Origin": shop}
    statuses = []
    for _ in range(4):
        answer = await client.post(
            "/api/webchat/attachments", data=form(files.GIF), headers=headers
        )
        statuses.append(answer.status)
    assert statuses == [201, 201, 201, 429]
    assert answer.headers["Access-Control-Allow-Origin"] == shop
    assert int(answer.headers["Retry-After"]) >= 1


async def test_a_shopper_holds_at_most_twenty_unsent_files(uploads: UploadHub) -> None:
    """Anyone can get a visitor token: unsent files are capped per uploader, so nobody fills
    the disk with files they never send; sending one makes room for the next."""
    shopper = await uploads.shopper()
    ids = []
    for _ in range(MAX_PENDING):
        uploaded = await uploads.upload(shopper, files.GIF)
        assert uploaded.status == 201
        ids.append((await uploaded.json())["attachment"]["id"])
    refused = await uploads.upload(shopper, files.GIF)
    assert refused.status == 429
    assert (await refused.json())["error"]["code"] == "too_many_pending"
    assert len(uploads.stored_files()) == MAX_PENDING  # the refused one never reached disk

    other = await uploads.shopper()  # another visitor is not held back
    assert (await uploads.upload(other, files.GIF)).status == 201

    ack = await shopper.send("c-cap", "", ids[:1])
    assert "error" not in ack, ack
    assert (await uploads.upload(shopper, files.GIF)).status == 201
