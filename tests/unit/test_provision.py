"""weerbaar-provision refuses a server that would store timers and never fire them, and
states (and checks) the reviewed settings of each stream, and waits (bounded) for a
cluster whose JetStream is not ready yet."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from nats.js.api import RePublish
from nats.js.errors import NotFoundError, ServiceUnavailableError

from contracts.subjects import DEAD_LETTER_STREAM, EVENTS_STREAM, TIMERS_STREAM, TOPOLOGY
from weerbaar_runtime import provision as provision_module
from weerbaar_runtime.provision import (
    ProvisionError,
    provision,
    provision_when_ready,
    stream_config,
    stream_drift,
)


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


def test_the_events_stream_refuses_deletion_and_purging_and_the_others_do_not() -> None:
    configs = {spec.name: stream_config(spec, 1) for spec in TOPOLOGY.streams}
    assert configs[EVENTS_STREAM].deny_delete and configs[EVENTS_STREAM].deny_purge
    # dead letters are deleted once re-driven; fired timers once handled (work queue)
    assert not configs[DEAD_LETTER_STREAM].deny_delete
    assert not configs[TIMERS_STREAM].deny_delete


def test_drift_names_a_cut_limit_and_a_copy_of_the_messages() -> None:
    wanted = stream_config(TOPOLOGY.streams[0], 1)
    assert stream_drift(wanted, stream_config(TOPOLOGY.streams[0], 1)) == []
    actual = stream_config(TOPOLOGY.streams[0], 1)
    actual.max_msgs = 1
    actual.republish = RePublish(src=">", dest="elsewhere.>")
    assert stream_drift(wanted, actual) == [
        "max_msgs: 1, reviewed -1",
        "republish: {'src': '>', 'dest': 'elsewhere.>'}, reviewed none",
    ]


class NotReadyYet:
    """A cluster's first seconds: JetStream answers 503 a few times, then works."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def __call__(
        self, js: Any, *, topology: Any, replicas: int, update: bool = False
    ) -> list[str]:
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
    async def refused(js: Any, *, topology: Any, replicas: int, update: bool = False) -> list[str]:
        raise ProvisionError("needs message schedules")

    monkeypatch.setattr(provision_module, "provision", refused)
    deadline = asyncio.get_running_loop().time() + 30
    with pytest.raises(ProvisionError, match="message schedules"):
        await provision_when_ready(None, replicas=3, deadline=deadline, pause_s=0.01)  # type: ignore[arg-type]
