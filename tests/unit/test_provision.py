"""weerbaar-provision refuses a server that would store timers and never fire them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from nats.js.errors import NotFoundError

from weerbaar_runtime.provision import ProvisionError, provision


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
