"""`GET /v1/stats`, `GET /v1/stats/sets` and `GET /v1/stats/acknowledgement`: the
monitor's figures."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from registry.adapters.sql_statistics import Statistics
from registry.domain.cells import Cell
from registry.domain.disclosure import MAX_PERTURBATION
from registry.domain.facts import SMALL_CELL
from registry.domain.filters import Dimension, StatsFilters, StatsQuery, StatsSetsQuery
from registry.entrypoints.http.problems import check
from registry.entrypoints.http.schemas import AcknowledgementOut, StatsOut, StatsSetsOut
from registry.service.access import STATISTICS_READERS, caller_sees_aggregates_only
from weerbaar_runtime.auth import Principal, Security


def statistics_reader(security: Security) -> object:
    """The dependency of every statistics route (the exports' too)."""
    return Depends(security.allow(*STATISTICS_READERS, what="read statistics"))


def _out(group_by: list[Dimension], cells: list[Cell], *, suppressed: bool) -> StatsOut:
    """One grouping's answer, as `GET /v1/stats` and each set of `/v1/stats/sets` give it."""
    return StatsOut(
        group_by=list(group_by),
        suppressed_below=SMALL_CELL if suppressed else None,
        max_perturbation=MAX_PERTURBATION if suppressed else 0,
        cells=[c.public(list(group_by), suppressed=suppressed) for c in cells],
    )


def statistics_router(*, statistics: Statistics, security: Security) -> APIRouter:
    router = APIRouter()
    StatisticsReader = Annotated[Principal, statistics_reader(security)]

    @router.get("/stats", response_model=StatsOut, tags=["statistics"])
    async def stats(principal: StatisticsReader, query: Annotated[StatsQuery, Query()]) -> StatsOut:
        """Counts of cases (incidents, and registrations that did not become one)
        grouped by up to two dimensions, with the aangifte rate, the share with any
        police report, the escalation rate and the share of repeat incidents (that
        follow an earlier one) per cell. The facts are the current ones: an aangifte
        recorded after the call counts. A case with several incident
        types or channels counts once in each. Analysts get every count perturbed by
        the cell-key method (at most `max_perturbation` off, the same cell always the
        same), those below 5 as "<5", shares from perturbed counts; they may give one
        value per filter and `from`/`to` on whole days. Operators and coordinators, who
        see the cases, get exact counts."""
        suppressed = caller_sees_aggregates_only(principal)
        check(query, aggregate_only=suppressed)
        group_by = list(query.group_by)
        return _out(group_by, await statistics.cells(query, group_by), suppressed=suppressed)

    @router.get("/stats/sets", response_model=StatsSetsOut, tags=["statistics"])
    async def stats_sets(
        principal: StatisticsReader, query: Annotated[StatsSetsQuery, Query()]
    ) -> StatsSetsOut:
        """Several groupings of `GET /v1/stats` for the same filters in one call (a
        dashboard's charts): each set exactly as `GET /v1/stats` with that `group_by`
        answers it, perturbation and suppression included, in the order asked. The
        registry reads the cases once per family of sets (months; incident types and
        channels; the other dimensions) rather than once per set."""
        suppressed = caller_sees_aggregates_only(principal)
        check(query, aggregate_only=suppressed)
        groupings = query.groupings()
        answers = await statistics.many(query, groupings)
        return StatsSetsOut(
            sets=[
                _out(grouping, cells, suppressed=suppressed)
                for grouping, cells in zip(groupings, answers, strict=True)
            ]
        )

    @router.get("/stats/acknowledgement", response_model=AcknowledgementOut, tags=["statistics"])
    async def acknowledgement(
        principal: StatisticsReader, query: Annotated[StatsFilters, Query()]
    ) -> AcknowledgementOut:
        """Median and 90th percentile of the time from report to acknowledgement, by
        the pool of the adviser who acknowledged. For analysts the number acknowledged
        is perturbed as in `GET /v1/stats`, with the same limits on the query."""
        suppressed = caller_sees_aggregates_only(principal)
        check(query, aggregate_only=suppressed)
        return AcknowledgementOut(
            suppressed_below=SMALL_CELL if suppressed else None,
            max_perturbation=MAX_PERTURBATION if suppressed else 0,
            pools=await statistics.acknowledgement(query, suppressed=suppressed),
        )

    return router
