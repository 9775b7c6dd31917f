"""Coverage gaps as the people on the roster read them: where the shift ended, in
Amsterdam time, to the minute, however late in the gap the check runs."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from contracts.vocabulary import Pool
from routing.domain.coverage import coverage_gaps, describe_gap
from routing.domain.roster import Roster

WEEKDAYS = """
pools:
  ngb: {coordinator: ngb-c}
advisers:
  - {id: ngb-p, pool: ngb, contacts: [{channel: email, address: ngb-p@ngb.example}]}
  - {id: ngb-c, pool: ngb, contacts: [{channel: email, address: ngb-c@ngb.example}]}
shifts:
  rotations:
    - pool: ngb
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00", primary: ngb-p}]]
"""


def test_a_gap_open_at_the_check_begins_where_the_shift_ended() -> None:
    roster = Roster.model_validate(yaml.safe_load(WEEKDAYS))
    # Tuesday 1 December 2026, 23:07:31.5 in Amsterdam (22:07 UTC): the shift ended 18:00.
    check = datetime(2026, 12, 1, 22, 7, 31, 500_000, tzinfo=UTC)
    first, second = coverage_gaps(roster, start=check, days=2)[Pool.NGB][:2]
    assert describe_gap(*first) == (
        "Tue 01 Dec 2026 18:00 to Wed 02 Dec 2026 08:00 (Europe/Amsterdam)"
    )
    assert describe_gap(*second) == (
        "Wed 02 Dec 2026 18:00 to Thu 03 Dec 2026 08:00 (Europe/Amsterdam)"
    )
    # The same answer a minute later: the check's own moment does not show.
    later = coverage_gaps(roster, start=check.replace(minute=8), days=2)[Pool.NGB][0]
    assert later == first


def test_summer_time_is_shown_as_the_clock_on_the_wall() -> None:
    roster = Roster.model_validate(yaml.safe_load(WEEKDAYS))
    check = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)  # Wednesday 22:00 CEST
    gap = coverage_gaps(roster, start=check, days=1)[Pool.NGB][0]
    assert describe_gap(*gap).startswith("Wed 01 Jul 2026 18:00 to Thu 02 Jul 2026 08:00")
