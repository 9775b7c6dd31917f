"""The whole system for end-to-end tests: nats-server, SMTP, the four services."""

from __future__ import annotations

import asyncio
import email
import threading
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from tests.support.servers import NatsServer, ServiceProcess, eventually, free_port, provision

SERVICES = ("intake", "routing", "registry", "notify")


class RecordingHandler:
    """An aiosmtpd handler that keeps every mail it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        message["X-Rcpt-To"] = ",".join(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if address in m["X-Rcpt-To"]]

    def mentioning(self, text: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if text in body_of(m)]


def subject_of(message: Message) -> str:
    """The decoded Subject header."""
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message.get("Subject", ""))))


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


@dataclass
class System:
    workdir: Path
    roster: Path
    env_overrides: dict[str, str] = field(default_factory=dict)
    nats: NatsServer | None = None
    smtp: Controller | None = None
    mailbox: RecordingHandler = field(default_factory=RecordingHandler)
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def intake(self) -> str:
        return self.services["intake"].base_url

    @property
    def registry(self) -> str:
        return self.services["registry"].base_url

    def env(self) -> dict[str, str]:
        assert self.nats
        assert self.smtp
        ports = {name: self.services[name].port for name in SERVICES}
        return {
            "NATS_URL": self.nats.url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'registry.db'}",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp.port),
            "INTAKE_PORT": str(ports["intake"]),
            "REGISTRY_PORT": str(ports["registry"]),
            "ROUTING_PORT": str(ports["routing"]),
            "NOTIFY_PORT": str(ports["notify"]),
            "INTAKE_PUBLIC_URL": f"http://127.0.0.1:{ports['intake']}",
            "REGISTRY_PUBLIC_URL": f"http://127.0.0.1:{ports['registry']}",
            "ROUTING_ROSTER": str(self.roster),
            "INTAKE_PUBLISH_TIMEOUT_S": "1",
            "LOG_JSON": "true",
            "LOG_LEVEL": "INFO",
            **self.env_overrides,
        }

    async def start(self) -> System:
        self.nats = NatsServer(store_dir=self.workdir / "nats").start()
        await provision(self.nats.url)
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        for name in SERVICES:
            self.services[name] = ServiceProcess(
                name=name, env={}, log_path=self.workdir / f"{name}.log", port=free_port()
            )
        env = self.env()
        for process in self.services.values():
            process.env = env
            process.start()
        await self.wait_ready()
        return self

    async def wait_ready(self, timeout: float = 60.0) -> None:
        async with httpx.AsyncClient(timeout=2) as client:

            async def all_ready() -> bool:
                for process in self.services.values():
                    if process.process is not None and process.process.poll() is not None:
                        raise RuntimeError(f"{process.name} exited:\n{process.log_text()[-3000:]}")
                    try:
                        response = await client.get(f"{process.base_url}/readyz")
                    except httpx.HTTPError:
                        return False
                    if response.status_code != 200:
                        return False
                return True

            await eventually(all_ready, timeout=timeout, interval=0.2, what="services ready")

    def restart_service(self, name: str) -> None:
        process = self.services[name]
        process.stop()
        process.start()

    async def stop(self) -> None:
        for process in self.services.values():
            process.stop()
        if self.smtp:
            self.smtp.stop()
        if self.nats:
            self.nats.stop()

    def logs(self) -> str:
        return "\n".join(p.log_text() for p in self.services.values())


async def wait_for_incident(
    client: httpx.AsyncClient,
    registry: str,
    incident_id: str,
    *,
    having: set[str],
    timeout: float = 20.0,
) -> dict[str, Any]:
    """Poll the registry until the incident's timeline has every type in `having`."""

    async def check() -> dict[str, Any] | None:
        response = await client.get(f"{registry}/v1/incidents/{incident_id}")
        if response.status_code != 200:
            return None
        record: dict[str, Any] = response.json()
        types = {entry["type"] for entry in record["timeline"]}
        return record if having <= types else None

    result: dict[str, Any] = await eventually(
        check, timeout=timeout, interval=0.1, what=f"incident {incident_id} with {having}"
    )
    return result


async def settle_briefly(seconds: float = 1.0) -> None:
    await asyncio.sleep(seconds)
