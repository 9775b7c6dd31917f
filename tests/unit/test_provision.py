"""weerbaar-provision refuses a server that would store timers and never fire them, and
states (and checks) the reviewed settings of each stream."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from nats.js.api import RePublish
from nats.js.errors import NotFoundError

from contracts.subjects import DEAD_LETTER_STREAM, EVENTS_STREAM, TIMERS_STREAM, TOPOLOGY
from weerbaar_runtime.provision import ProvisionError, provision, stream_config, stream_drift


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
