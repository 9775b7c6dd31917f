"""The templates and the helpers they use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from console.domain import labels
from console.domain.forms import AMSTERDAM

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
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
    )
    environment.filters.update(
        channel_label=lambda code: labels.label("channel", code),
        need_label=lambda code: labels.label("need", code),
    )
    return environment


ON_CALL_NL = {"primary": "dienst", "backup": "achterwacht", "coordinator": "coördinator"}


def _on_call(oncall: Any) -> list[tuple[str, str, str]]:
    """(adviser, standing, pool label) from routing's `GET /v1/oncall`, now on call first
    (primary, backup, coordinator), in routing's pool order."""
    pools = oncall.get("pools") if isinstance(oncall, dict) else None
    found: list[tuple[str, str, str]] = []
    for pool in pools if isinstance(pools, list) else []:
        if not isinstance(pool, dict):
            continue
        name = str(pool.get("pool_name") or labels.label("pool", str(pool.get("pool"))))
        duty = pool.get("now")
        now: dict[str, Any] = duty if isinstance(duty, dict) else {}
        for standing in ("primary", "backup"):
            for adviser in now.get(standing) or []:
                found.append((str(adviser), standing, name))
        if pool.get("coordinator"):
            found.append((str(pool["coordinator"]), "coordinator", name))
    return found


def oncall_choices(oncall: Any) -> list[tuple[str, str]]:
    """Advisers to choose from for a hand assignment or handover, those on call now
    first (empty: the console asks for the adviser's code instead)."""
    seen: dict[str, str] = {}
    for adviser, standing, pool in _on_call(oncall):
        seen.setdefault(adviser, f"{adviser} ({ON_CALL_NL[standing]}, {pool})")
    return list(seen.items())
