"""Small rosters for tests and benchmarks that need known advisers on call all week."""

from __future__ import annotations

PRIMARY_BACKUP_ROSTER = """
pools:
  ngb: {coordinator: ngb-c}
  bzk: {coordinator: bzk-c}
advisers:
  - {id: ngb-p, pool: ngb, contacts: [{channel: email, address: ngb-p@ngb.example}]}
  - {id: ngb-b, pool: ngb, contacts: [{channel: email, address: ngb-b@ngb.example}]}
  - {id: ngb-c, pool: ngb, contacts: [{channel: email, address: ngb-c@ngb.example}]}
  - {id: bzk-p, pool: bzk, contacts: [{channel: email, address: bzk-p@bzk.example}]}
  - {id: bzk-c, pool: bzk, contacts: [{channel: email, address: bzk-c@bzk.example}]}
shifts:
  rotations:
    - pool: ngb
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "00:00",
                primary: ngb-p, backup: ngb-b}]]
    - pool: bzk
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "00:00",
                primary: bzk-p}]]
"""
"""NGB with a primary, a backup and a coordinator on call around the clock; BZK with a
primary and a coordinator."""
