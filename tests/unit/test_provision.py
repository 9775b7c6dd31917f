"""weerbaar-provision refuses a server that would store timers and never fire them, and
waits (bounded) for a cluster whose JetStream is not ready yet."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from nats.js.errors import NotFoundError, ServiceUnavailableError

from weerbaar_runtime import provision as provision_module
from weerbaar_runtime.provision import ProvisionError, provision, provision_when_ready


class OldServer:
    """A JetStream API that, like nats-server before 2.12, drops unknown settings."""

    def __init__(self) -> None:
        self.streams: dict[str, Any] = {}

    async def stream_info(self, name: str) -> Any:
        if name not in self.streams:
            raise NotFoundError
        return SimpleNamespace(config=self.streams[name])

    async def add_stream(self, config: Any) -> Any:
        config.allow_msg_schedules = None
        self.streams[config.name] = config
        return SimpleNamespace(config=config)

    update_stream = add_stream


async def test_a_server_without_message_schedules_is_refused() -> None:
    with pytest.raises(ProvisionError, match=r"nats-server 2\.12 or later"):
        await provision(OldServer())  # type: ignore[arg-type]


class NotReadyYet:
    """A cluster's first seconds: JetStream answers 503 a few times, then works."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def __call__(self, js: Any, *, topology: Any, replicas: int) -> list[str]:
        self.calls += 1
        if self.calls <= self.failures:
            raise ServiceUnavailableError
        return [f"provisioned with {replicas} replicas"]


async def test_provisioning_waits_for_a_cluster_that_is_not_ready_yet(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = NotReadyYet(failures=2)
    monkeypatch.setattr(provision_module, "provision", fake)
    deadline = asyncio.get_running_loop().time() + 30
    lines = await provision_when_ready(None, replicas=3, deadline=deadline, pause_s=0.01)  # type: ignore[arg-type]
    assert lines == ["provisioned with 3 replicas"]
    assert fake.calls == 3
    progress = capsys.readouterr().err.splitlines()
    assert len(progress) == 2
    assert all("waiting for JetStream (ServiceUnavailableError" in line for line in progress)


async def test_provisioning_gives_up_on_a_cluster_not_ready_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(provision_module, "provision", NotReadyYet(failures=10**6))
    deadline = asyncio.get_running_loop().time() + 0.05
    with pytest.raises(ProvisionError, match="JetStream not ready after"):
        await provision_when_ready(None, replicas=3, deadline=deadline, pause_s=0.01)  # type: ignore[arg-type]


async def test_what_is_not_about_readiness_is_not_waited_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refused(js: Any, *, topology: Any, replicas: int) -> list[str]:
        raise ProvisionError("needs message schedules")

    monkeypatch.setattr(provision_module, "provision", refused)
    deadline = asyncio.get_running_loop().time() + 30
    with pytest.raises(ProvisionError, match="message schedules"):
        await provision_when_ready(None, replicas=3, deadline=deadline, pause_s=0.01)  # type: ignore[arg-type]
