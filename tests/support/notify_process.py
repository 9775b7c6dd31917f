"""Notify as a process against real servers on loopback, for the integration tests:
nats-server, aiosmtpd for mail, and a recording HTTP server as the SMS gateways and the
webhook receiver."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import httpx
import nats
from aiosmtpd.controller import Controller
from nats.js.client import JetStreamContext

from tests.support.auth import OPS
from tests.support.http_receiver import HttpReceiver
from tests.support.notify_helpers import ACK_SECRET, INTAKE_URL, WEBHOOK_SECRET
from tests.support.servers import NatsServer, ServiceProcess, eventually, free_port, provision
from tests.support.system import RecordingHandler

# Enough attempts that the retries (0.1 s doubling to 0.5 s, full jitter) cannot use
# them all up before the failover delay (1 s): the final attempt starts every channel at
# once, so with fewer the default policy's failover would often not be what is measured.
MAX_ATTEMPTS = 16


@dataclass
class Rig:
    nats: NatsServer
    js: JetStreamContext
    smtp_port: int
    mailbox: RecordingHandler
    smtp: Controller | None
    http: HttpReceiver
    notify: ServiceProcess

    def smtp_down(self) -> None:
        assert self.smtp
        self.smtp.stop()
        self.smtp = None

    def smtp_up(self) -> None:
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=self.smtp_port)
        self.smtp.start()

    async def metrics(self) -> str:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(f"{self.notify.base_url}/metrics", headers=OPS)).text

    def mails_for(self, assignment_text: str) -> list[Message]:
        return self.mailbox.mentioning(assignment_text)


@asynccontextmanager
async def notify_rig(workdir: Path) -> AsyncIterator[Rig]:
    """A provisioned nats-server, a mailbox, two SMS gateways and notify, ready."""
    receiver = HttpReceiver().start()
    server = NatsServer(store_dir=workdir / "nats").start()
    await provision(server.url)
    nc = await nats.connect(server.url)
    mailbox = RecordingHandler()
    port = free_port()
    providers = [
        {
            "name": "alpha",
            "url": receiver.url("/sms/alpha"),
            "auth_header": "Authorization: Bearer alpha-token",
        },
        {
            "name": "beta",
            "url": receiver.url("/sms/beta"),
            "body_template": {"recipient": "{to}", "message": {"body": "{text}"}},
        },
    ]
    notify = ServiceProcess(
        name="notify",
        env={
            "NATS_URL": server.url,
            "NOTIFY_PORT": str(free_port()),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_TIMEOUT_S": "2",
            "SMS_PROVIDERS": json.dumps(providers),
            "SMS_TIMEOUT_S": "2",
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "WEBHOOK_TIMEOUT_S": "2",
            "ACK_TOKEN_SECRET": ACK_SECRET,
            "INTAKE_PUBLIC_URL": INTAKE_URL,
            "NOTIFY_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "NOTIFY_MAX_RETRY_S": "30",
            "NOTIFY_RETRY_BASE_S": "0.1",
            "NOTIFY_RETRY_CAP_S": "0.5",
            "NOTIFY_FAILOVER_DELAY_S": "1",
            "NOTIFY_CIRCUIT_FAILURES": "5",
            "NOTIFY_CIRCUIT_RESET_S": "0.5",
            "LOG_JSON": "true",
        },
        log_path=workdir / "notify.log",
        port=0,
    )
    notify.port = int(notify.env["NOTIFY_PORT"])
    rig = Rig(
        nats=server,
        js=nc.jetstream(),
        smtp_port=port,
        mailbox=mailbox,
        smtp=None,
        http=receiver,
        notify=notify,
    )
    rig.smtp_up()
    notify.start()
    try:
        async with httpx.AsyncClient(timeout=2) as client:

            async def ready() -> bool:
                try:
                    return (await client.get(f"{notify.base_url}/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, timeout=30, interval=0.1, what="notify ready")
        yield rig
    finally:
        notify.stop()
        await nc.close()
        if rig.smtp:
            rig.smtp.stop()
        server.stop()
        receiver.stop()
