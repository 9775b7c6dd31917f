"""The shared NATS helpers that need no server."""

from __future__ import annotations

from typing import Any

import pytest

from weerbaar_runtime.nats import LazyBucket


class FlakyBroker:
    """Binds a bucket only from the second attempt on, and counts the attempts."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    async def key_value(self, bucket: str, *, declare: bool = True) -> Any:
        self.calls.append((bucket, declare))
        if len(self.calls) == 1:
            raise ConnectionError("not yet")
        return {"bucket": bucket}


async def test_a_lazy_bucket_binds_once_on_first_use_and_retries_a_failed_bind() -> None:
    broker = FlakyBroker()
    bucket = LazyBucket(broker, "weerbaar-test")  # type: ignore[arg-type]
    assert broker.calls == []
    with pytest.raises(ConnectionError):
        await bucket()
    first = await bucket()
    again = await bucket()
    assert first is again
    assert first == {"bucket": "weerbaar-test"}
    assert broker.calls == [("weerbaar-test", False), ("weerbaar-test", False)]
