"""Statistical disclosure control against combinations of queries: the attacks of an
analyst who differences the registry's answers (tests/support/disclosure_attack.py),
on SQLite and PostgreSQL. No exact count from 1 to 4 of an organisation follows, and
the minute of a call cannot be found."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from registry.adapters.migrate import alembic_config, upgrade
from registry.domain.disclosure import record_key
from tests.support import auth
from tests.support.disclosure_attack import Attacker, exact_count, random_filters, target_of
from tests.support.registry import STATS_KEY, open_registry
from tests.support.registry_stats import fixture

SMALL = "GM0599"  # Rotterdam: 2 aldermen, both aangifte, one at 2026-10-31 23:30 UTC
LARGE = "GM0363"  # Amsterdam: 7 mayors
OTHER = "GM0344"  # Utrecht: 5 councillors and 3 registrations


def analyst(client: httpx.AsyncClient) -> Attacker:
    client.headers.update(auth.ANALYST)
    return Attacker(client)


async def truths(operator: httpx.AsyncClient, attacker: Attacker) -> dict[Any, int]:
    found = {}
    for organisation, rest in attacker.known:
        params = {**dict(rest), "organisation_code": organisation}
        found[(organisation, rest)] = await exact_count(operator, params)
    return found


async def test_the_reported_attacks_derive_no_small_count(
    api: Any, registry_database_url: str
) -> None:
    client, _ = api
    async with httpx.AsyncClient(
        transport=client._transport, base_url=client.base_url, headers=auth.OPERATOR
    ) as operator:
        attacker = analyst(client)
        aangifte = {"police_status": "aangifte"}
        await attacker.direct(SMALL, {})
        await attacker.union_minus(SMALL, LARGE, {})
        await attacker.union_minus(SMALL, OTHER, {})
        await attacker.total_minus_others(SMALL, {})
        await attacker.total_minus_others(SMALL, {"to": "2026-11-20"})
        await attacker.union_minus(SMALL, LARGE, aangifte)
        await attacker.union_minus(SMALL, LARGE, {**aangifte, "role": "alderman"})
        await attacker.total_minus_others(SMALL, {**aangifte, "role": "alderman"})
        derived = attacker.derived(await truths(operator, attacker))
    print("derived:", derived, "asked:", attacker.asked, "refused:", attacker.refused)
    assert derived == {}


async def test_shifted_bounds_do_not_find_the_minute_of_a_call(api: Any) -> None:
    client, _ = api
    attacker = analyst(client)
    start = {"from": "2026-10-01"}
    low, high = datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)

    async def seen_before(moment: datetime) -> bool | None:
        """Whether the small organisation had a case before `moment` (None: unknown)."""
        params = {**start, "to": moment.isoformat()}
        await attacker.direct(SMALL, params)
        await attacker.union_minus(SMALL, OTHER, params)  # 5 councillors in October
        bounds = attacker.known.get(target_of(SMALL, params))
        if bounds is None:
            return None
        if bounds[1] == 0:
            return False
        return True if bounds[0] >= 1 and bounds == (bounds[0], bounds[0]) else None

    found: datetime | None = None
    if await seen_before(low) is False and await seen_before(high):
        while high - low > timedelta(minutes=1):
            middle = low + (high - low) / 2
            middle = middle.replace(second=0, microsecond=0)
            seen = await seen_before(middle)
            if seen is None:
                break
            low, high = (low, middle) if seen else (middle, high)
        else:
            found = low
    print("minute found:", found, "asked:", attacker.asked, "refused:", attacker.refused)
    assert found is None


async def test_a_random_differencing_attacker_derives_no_small_count(api: Any) -> None:
    client, _ = api
    async with httpx.AsyncClient(
        transport=client._transport, base_url=client.base_url, headers=auth.OPERATOR
    ) as operator:
        attacker = analyst(client)
        rng = random.Random(20261201)
        organisations = [SMALL, LARGE, OTHER]
        for _ in range(60):
            target = rng.choice(organisations)
            other = rng.choice([o for o in organisations if o != target])
            params = random_filters(rng)
            move = rng.choice(["union", "total", "direct"])
            if move == "union":
                await attacker.union_minus(target, other, params)
            elif move == "total":
                await attacker.total_minus_others(target, params)
            else:
                await attacker.direct(target, params)
        truth = await truths(operator, attacker)
        derived = attacker.derived(truth)
    small = {t: n for t, n in truth.items() if 1 <= n <= 4}
    print(
        "derived:",
        derived,
        "small targets:",
        len(small),
        "asked:",
        attacker.asked,
        "refused:",
        attacker.refused,
    )
    assert derived == {}


async def test_the_migration_gives_existing_cases_their_derived_keys(
    registry_database_url: str,
) -> None:
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write(fixture())
        expected = await record_keys(registry.engine)
        assert expected == {c: record_key(STATS_KEY, c) for c in expected}

        def downgrade(connection: Connection) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")

        async with registry.engine.begin() as conn:
            await conn.run_sync(downgrade)
        await upgrade(registry.engine, stats_key=STATS_KEY)
        assert await record_keys(registry.engine) == expected


async def record_keys(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT case_id, cell_key FROM case_facts"))
        return {case_id: key for case_id, key in rows}
