"""Notify's SMTP sessions against a real SMTP server (aiosmtpd): one session carries
many mails, and a session the server dropped while idle is replaced for the next mail,
which is sent once."""

from __future__ import annotations

import uuid
from typing import Any

from aiosmtpd.controller import Controller

from contracts.vocabulary import NotificationChannel
from notify.adapters.channels.email import EmailChannel
from notify.domain.circuit import CircuitBreaker
from notify.service.ports import OutgoingMessage
from notify.settings import NotifySettings
from tests.support.servers import free_port


class Counting:
    def __init__(self) -> None:
        self.sessions = 0
        self.mails: list[bytes] = []

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(envelope.content)
        return "250 OK"


def message(n: int) -> OutgoingMessage:
    return OutgoingMessage(
        notification_id=uuid.uuid4(),
        channel=NotificationChannel.EMAIL,
        to=f"adviser-{n}@ngb.example",
        subject=f"page {n}",
        text="t",
        incident_reference=str(uuid.uuid4()),
    )


def channel(port: int) -> EmailChannel:
    settings = NotifySettings(SMTP_PORT=port, SMTP_SESSIONS=2)  # type: ignore[call-arg]
    return EmailChannel(settings, breaker=CircuitBreaker(failure_threshold=5, reset_after_s=60))


async def test_one_session_carries_many_mails() -> None:
    handler = Counting()
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    email = channel(server.port)
    try:
        for n in range(10):
            await email.send(message(n))
    finally:
        await email.aclose()
        server.stop()
    assert len(handler.mails) == 10
    assert handler.sessions == 1


async def test_a_session_dropped_by_the_server_is_replaced() -> None:
    handler = Counting()
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    email = channel(port)
    try:
        await email.send(message(1))
        server.stop()  # drops the kept session
        server = Controller(handler, hostname="127.0.0.1", port=port)
        server.start()
        await email.send(message(2))
    finally:
        await email.aclose()
        server.stop()
    assert len(handler.mails) == 2
    assert handler.sessions == 2
