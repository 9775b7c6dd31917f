"""Notify's outgoing webhooks against a real receiver: the signature verifies with the
recipe of docs/webhooks.md, and fails for a changed body, a late or replayed
timestamp and another secret."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator

import pytest

from contracts.events import derive_id
from contracts.vocabulary import Urgency
from tests.support.notify_helpers import INTAKE_URL, WEBHOOK_SECRET, assigned, contact, publish
from tests.support.notify_process import Rig, notify_rig
from tests.support.servers import eventually

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
async def rig(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rig]:
    async with notify_rig(tmp_path_factory.mktemp("notify")) as started:
        yield started


def verify_weerbaar_webhook(
    secret: bytes, headers: dict[str, str], body: bytes, *, now: float, tolerance_s: int = 300
) -> bool:
    """docs/webhooks.md, as a receiver writes it."""
    timestamp = headers.get("Weerbaar-Timestamp", "")
    signature = headers.get("Weerbaar-Signature", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(
        hmac.compare_digest(part.strip().removeprefix("v1="), expected)
        for part in signature.split(",")
        if part.strip().startswith("v1=")
    )


async def test_webhook_signature_verifies_with_the_documented_recipe(rig: Rig) -> None:
    path = "/hook/municipality"
    event = assigned([contact("webhook", rig.http.url(path))], urgency=Urgency.NORMAL)
    await publish(rig.js, event)
    (request,) = await eventually(lambda: rig.http.requests(path), what="the webhook")
    headers = {k.title(): v for k, v in request.headers.items()}
    secret = WEBHOOK_SECRET.encode()
    now = time.time()
    assert verify_weerbaar_webhook(secret, headers, request.body, now=now)
    assert request.header("Content-Type") == "application/json"
    assert request.header("Idempotency-Key") == str(
        derive_id("notification", event.assignment_id, "page", "webhook")
    )
    payload = request.json()
    assert payload["type"] == "weerbaar.page"
    assert payload["incident_id"] == str(event.incident_id)
    assert payload["ack_url"].startswith(f"{INTAKE_URL}/v1/ack/")

    changed = request.body.replace(b'"normal"', b'"acute"')
    assert changed != request.body
    assert not verify_weerbaar_webhook(secret, headers, changed, now=now)
    assert not verify_weerbaar_webhook(secret, headers, request.body, now=now + 301)
    assert not verify_weerbaar_webhook(b"another secret", headers, request.body, now=now)
    replayed = {**headers, "Weerbaar-Timestamp": str(int(now))}
    if replayed["Weerbaar-Timestamp"] != headers["Weerbaar-Timestamp"]:
        assert not verify_weerbaar_webhook(secret, replayed, request.body, now=now)
