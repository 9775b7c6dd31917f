"""A differencing attacker on the registry's statistics, as an analyst sees them.

The attacker reasons soundly with what the API publishes: a count shown as a number is
the true count give or take `max_perturbation` (0, or absent, when counts are exact),
"<5" is a non-empty cell whose shown count is below 5, a missing cell is empty. Each
answer bounds the true size of a set of cases; a difference of two nested sets bounds
the cases one has and the other has not. A target (an organisation within some other
filters) is *derived* when its bounds meet in one value.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import httpx

Bounds = tuple[int, int]
Params = dict[str, Any]

SUPPRESSED = "<5"


def target_of(organisation: str, params: Params) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The name of the set `organisation`'s cases within the other filters."""
    rest = {k: v for k, v in params.items() if k not in ("organisation_code", "group_by")}
    return organisation, tuple(sorted((k, str(v)) for k, v in rest.items()))


@dataclass
class Attacker:
    client: httpx.AsyncClient
    known: dict[Any, Bounds] = field(default_factory=dict)
    asked: int = 0
    refused: int = 0

    async def cells(self, params: Params) -> dict[tuple[Any, ...], Bounds] | None:
        """The bounds of each cell of a statistic (None: the registry refused)."""
        self.asked += 1
        response = await self.client.get("/v1/stats", params=params)
        if response.status_code == 422:
            self.refused += 1
            return None
        assert response.status_code == 200, response.text
        body = response.json()
        noise = int(body.get("max_perturbation") or 0)
        group_by = body["group_by"]
        found = {}
        for cell in body["cells"]:
            key = tuple(cell[d] for d in group_by)
            shown = cell["count"]
            if shown == SUPPRESSED:
                found[key] = (1, 4 + noise)
            else:
                found[key] = (max(1, shown - noise), shown + noise)
        return found

    async def count(self, params: Params) -> Bounds | None:
        """The bounds of one set's size (no grouping)."""
        found = await self.cells({k: v for k, v in params.items() if k != "group_by"})
        if found is None:
            return None
        return found.get((), (0, 0))

    def learn(self, target: Any, bounds: Bounds) -> None:
        low, high = bounds
        old_low, old_high = self.known.get(target, (0, 10**9))
        self.known[target] = (max(low, old_low, 0), min(high, old_high))

    async def union_minus(self, organisation: str, other: str, params: Params) -> None:
        """`organisation_code=A&organisation_code=B` minus `organisation_code=B`."""
        both = await self.count({**params, "organisation_code": [organisation, other]})
        alone = await self.count({**params, "organisation_code": other})
        if both is not None and alone is not None:
            self.learn(target_of(organisation, params), (both[0] - alone[1], both[1] - alone[0]))

    async def total_minus_others(self, organisation: str, params: Params) -> None:
        """The whole minus every other organisation's cell."""
        total = await self.count(params)
        cells = await self.cells({**params, "group_by": "organisation"})
        if total is None or cells is None:
            return
        others = [b for k, b in cells.items() if k != (organisation,)]
        low = total[0] - sum(b[1] for b in others)
        high = total[1] - sum(b[0] for b in others)
        self.learn(target_of(organisation, params), (low, high))

    async def direct(self, organisation: str, params: Params) -> None:
        found = await self.count({**params, "organisation_code": organisation})
        if found is not None:
            self.learn(target_of(organisation, params), found)

    def derived(self, truth: dict[Any, int]) -> dict[Any, int]:
        """The targets pinned to one value that is a true count from 1 to 4 (a wrong
        single value would mean the published bound was not honest: asserted)."""
        found = {}
        for target, (low, high) in self.known.items():
            if target in truth:
                assert low <= truth[target] <= high, (target, low, high, truth[target])
            if low == high and 1 <= low <= 4:
                found[target] = low
        return found


async def exact_count(operator: httpx.AsyncClient, params: Params) -> int:
    """The true size of a set, as an operator sees it."""
    params = {k: v for k, v in params.items() if k != "group_by"}
    body = (await operator.get("/v1/stats", params=params)).json()
    return int(body["cells"][0]["count"]) if body["cells"] else 0


FILTER_CHOICES: dict[str, list[Any]] = {
    "role": ["mayor", "alderman", "councillor"],
    "police_status": ["aangifte", "melding", "none"],
    "incident_type": ["threat", "intimidation", "verbal_aggression"],
    "from": ["2026-10-01", "2026-11-01", "2026-10-31T23:00:00Z"],
    "to": ["2026-11-01", "2026-11-20", "2026-11-10T13:00:00Z", "2026-11-02T00:00:00+01:00"],
}


def random_filters(rng: random.Random) -> Params:
    """Some filters besides the organisation, each with one value."""
    names = rng.sample(sorted(FILTER_CHOICES), rng.randint(0, 3))
    params = {name: rng.choice(FILTER_CHOICES[name]) for name in names}
    if "from" in params and "to" in params and params["from"] >= params["to"]:
        del params["from"]
    return params
