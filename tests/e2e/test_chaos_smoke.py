"""`make chaos` in small: the whole system on the 3-node cluster under a light load,
the stream leader and routing killed with -9 and a poison message on every consumed
subject; nothing accepted is lost, recorded twice, left unassigned or unpaged, every
due escalation fires no more than 5 s late, and the intake answers only 202 or 503."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chaos.run import Settings, run_target, table

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

SMOKE = Settings(
    scale=0.1,
    rate=8,
    targets=("cluster",),
    only=("kill -9 stream leader", "kill -9 routing", "poison"),
    settle_s=60,
)


async def test_the_cluster_keeps_every_promise_under_a_leader_kill_and_poison(
    tmp_path: Path,
) -> None:
    rows = await run_target("cluster", SMOKE, tmp_path)
    print(table(rows))
    assert [r.fault for r in rows] == [
        "kill -9 routing",
        "kill -9 stream leader",
        "poison on every subject",
    ]
    for row in rows:
        assert row.accepted > 0, table(rows)
        assert row.holds(), table(rows)
    poisoned = rows[-1]
    assert poisoned.dead_letters > 0, table(rows)
