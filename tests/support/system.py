"""The whole system for end-to-end tests: nats-server, SMTP, the four services and the
console."""

from __future__ import annotations

import asyncio
import email
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from contracts.subjects import EVENTS_STREAM, event_subject
from contracts.tokens import sign_ack_token
from tests.support.cluster import NatsCluster
from tests.support.servers import (
    NatsServer,
    ServiceProcess,
    eventually,
    free_port,
    nats_secret,
    provision,
)

SERVICES = ("intake", "routing", "registry", "notify", "console")
NOTIFY_GIVES_UP_FAST = {
    "NOTIFY_MAX_ATTEMPTS": "2",
    "NOTIFY_RETRY_BASE_S": "0.1",
    "NOTIFY_RETRY_CAP_S": "0.2",
    "NOTIFY_MAX_RETRY_S": "5",
    "NOTIFY_FAILOVER_DELAY_S": "0",
    "NOTIFY_CIRCUIT_RESET_S": "1",
    "SMTP_TIMEOUT_S": "1",
}
"""Notify settings that park a failing page within seconds and try a provider again
soon after its circuit opened (the Storingen tests and screenshots)."""


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
    cluster: bool = False
    """Three nats-servers (deploy/nats/cluster/loopback.conf), streams and buckets R3."""
    nats: NatsServer | NatsCluster | None = None
    smtp: Controller | None = None
    mailbox: RecordingHandler = field(default_factory=RecordingHandler)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    ready_timeout_s: float = 60.0
    """How long `start` waits for every service to answer /readyz."""

    @property
    def intake(self) -> str:
        return self.services["intake"].base_url

    @property
    def registry(self) -> str:
        return self.services["registry"].base_url

    @property
    def console(self) -> str:
        return self.services["console"].base_url

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
            "CONSOLE_PORT": str(ports["console"]),
            "INTAKE_PUBLIC_URL": f"http://127.0.0.1:{ports['intake']}",
            "REGISTRY_PUBLIC_URL": f"http://127.0.0.1:{ports['registry']}",
            "INTAKE_URL": f"http://127.0.0.1:{ports['intake']}",
            "REGISTRY_URL": f"http://127.0.0.1:{ports['registry']}",
            "ROUTING_URL": f"http://127.0.0.1:{ports['routing']}",
            "NOTIFY_URL": f"http://127.0.0.1:{ports['notify']}",
            "CONSOLE_PUBLIC_URL": f"http://127.0.0.1:{ports['console']}",
            "ROUTING_ROSTER": str(self.roster),
            "INTAKE_PUBLISH_TIMEOUT_S": "1",
            "LOG_JSON": "true",
            "LOG_LEVEL": "INFO",
            # Every test client calls from 127.0.0.1: the limit by address would be one
            # limit for the whole suite (tests of that limit set their own).
            "AUTH_RATE_PER_ADDRESS_PER_MINUTE": "100000",
            **self.env_overrides,
        }

    def service_env(self, name: str) -> dict[str, str]:
        """One service's environment: the shared one and its own NATS user."""
        assert self.nats
        return {**self.env(), **self.nats.user_env(name)}

    async def start(self) -> System:
        # The permissions and encryption at rest of deploy/ and `make run`; each service
        # connects as its own user, the streams are made by the provisioner.
        if self.cluster:
            self.nats = await NatsCluster(self.workdir / "nats").start()
        else:
            self.nats = NatsServer(
                store_dir=self.workdir / "nats",
                encryption_key=nats_secret(),
                monitor_port=free_port(),
            ).start()
        replicas = len(self.nats.servers)
        await provision(self.nats.url, replicas=replicas, **self.nats.credentials("provisioner"))
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        for name in SERVICES:
            self.services[name] = ServiceProcess(
                name=name, env={}, log_path=self.workdir / f"{name}.log", port=free_port()
            )
        for name, process in self.services.items():
            process.env = self.service_env(name)
            process.start()
        await self.wait_ready(timeout=self.ready_timeout_s)
        self.check_nats_users()
        return self

    def check_nats_users(self) -> None:
        """Every service is connected to NATS as its own user, not as the harness."""
        assert self.nats
        users = self.nats.connection_users()
        for name in SERVICES:
            assert users.get(f"weerbaar-{name}") == {name}, (name, users)

    async def wait_ready(self, timeout: float = 180.0) -> None:
        # generous: five services importing and migrating at once on 2 shared cores
        # took 95 s under load (60 s was too short there); ready sooner, it goes on
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
            # The services ran with the permissions of deploy/nats/accounts.conf: anything
            # they needed and were refused is a gap in those permissions.
            violations = self.nats.violations()
            assert not violations, "NATS refused a service:\n" + "\n".join(violations[:20])

    def logs(self) -> str:
        return "\n".join(p.log_text() for p in self.services.values())


async def wait_for_incident(
    client: httpx.AsyncClient,
    registry: str,
    incident_id: str,
    *,
    having: set[str],
    timeout: float = 20.0,
    interval: float = 0.1,
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
        check, timeout=timeout, interval=interval, what=f"incident {incident_id} with {having}"
    )
    return result


async def settle_briefly(seconds: float = 1.0) -> None:
    await asyncio.sleep(seconds)


DEV_ACK_SECRET = b"development-only-ack-token-secret"
"""The acknowledge-link secret the services use in development and tests."""


def ack_token(incident_id: str, assignment_id: str) -> str:
    """A valid acknowledge-link token for one assignment, an hour long."""
    return sign_ack_token(
        secret=DEV_ACK_SECRET,
        incident_id=uuid.UUID(incident_id),
        assignment_id=uuid.UUID(assignment_id),
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )


async def stored_count(system: System, event_type: str, incident_id: str) -> int:
    """How many events of this type JetStream stored for the incident."""
    import nats

    assert system.nats is not None
    nc = await nats.connect(system.nats.servers)
    try:
        subject = event_subject(event_type, incident_id)
        info = await nc.jetstream().stream_info(EVENTS_STREAM, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))
    finally:
        await nc.close()


async def _ready(client: httpx.AsyncClient, base: str) -> bool:
    try:
        return (await client.get(f"{base}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


@asynccontextmanager
async def second_routing(system: System, log: Path) -> AsyncIterator[ServiceProcess]:
    """A second routing process beside the system's, on the same durables and state."""
    routing = system.services["routing"]
    port = free_port()
    second = ServiceProcess(
        name="routing", env={**routing.env, "ROUTING_PORT": str(port)}, log_path=log, port=port
    )
    second.start()
    try:
        async with httpx.AsyncClient() as probe:
            await eventually(
                lambda: _ready(probe, second.base_url), timeout=30, what="second routing ready"
            )
        yield second
    finally:
        second.stop()
