"""The templates and the helpers they use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from console.domain import labels
from console.domain.forms import AMSTERDAM

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        org_name=labels.organisation_name,
        types_text=labels.types_text,
        timeline_text=labels.timeline_text,
        police_text=labels.police_text,
        passed_over_text=labels.passed_over_text,
        amsterdam=AMSTERDAM,
        oncall_choices=oncall_choices,
        oncall_here=oncall_here,
        call_link=call_link,
    )
    environment.filters.update(
        channel_label=lambda code: labels.label("channel", code),
        need_label=lambda code: labels.label("need", code),
    )
    return environment


ON_CALL_NL = {"primary": "dienst", "backup": "achterwacht", "coordinator": "coördinator"}


def _on_call(oncall: Any) -> list[tuple[str, str, str, str]]:
    """(adviser, standing, pool, pool's short name) from routing's `GET /v1/oncall`,
    now on call (primary, backup, coordinator), in routing's pool order."""
    pools = oncall.get("pools") if isinstance(oncall, dict) else None
    found: list[tuple[str, str, str, str]] = []
    for pool in pools if isinstance(pools, list) else []:
        if not isinstance(pool, dict):
            continue
        code = str(pool.get("pool"))
        name = str(pool.get("pool_name") or labels.label("pool", code)).split(" — ")[0]
        duty = pool.get("now")
        now: dict[str, Any] = duty if isinstance(duty, dict) else {}
        for standing in ("primary", "backup"):
            for adviser in now.get(standing) or []:
                found.append((str(adviser), standing, code, name))
        if pool.get("coordinator"):
            found.append((str(pool["coordinator"]), "coordinator", code, name))
    return found


def oncall_choices(oncall: Any, pool: str | None = None) -> list[tuple[str, str]]:
    """Advisers to choose from for a hand assignment or handover: those on call now,
    the case's own pool first (empty: the console asks for the adviser's code)."""
    found = sorted(_on_call(oncall), key=lambda item: item[2] != pool)
    seen: dict[str, str] = {}
    for adviser, standing, _, name in found:
        seen.setdefault(adviser, f"{adviser} ({ON_CALL_NL[standing]}, {name})")
    return list(seen.items())


def oncall_here(oncall: Any, pool: str | None = None) -> list[str]:
    """Who is on call now for the case's pool (every pool when it has none), in words."""
    return [
        f"{adviser} ({ON_CALL_NL[standing]}, {name})"
        for adviser, standing, code, name in _on_call(oncall)
        if pool is None or code == pool
    ]


_PHONE = re.compile(r"^\+?[0-9]{6,15}$")


def call_link(oncall: Any, adviser_id: str | None) -> str | None:
    """`tel:` and the adviser's number from routing's `GET /v1/oncall` (its `advisers`,
    staff data for operators and coordinators); None when it gives none."""
    advisers = oncall.get("advisers") if isinstance(oncall, dict) else None
    for adviser in advisers if isinstance(advisers, list) else []:
        if isinstance(adviser, dict) and adviser.get("adviser_id") == adviser_id:
            number = re.sub(r"[\s().-]", "", str(adviser.get("phone") or ""))
            return f"tel:{number}" if _PHONE.match(number) else None
    return None
