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
        amsterdam=AMSTERDAM,
        oncall_choices=oncall_choices,
    )
    environment.filters.update(
        channel_label=lambda code: labels.label("channel", code),
        need_label=lambda code: labels.label("need", code),
    )
    return environment


def oncall_choices(oncall: Any) -> list[tuple[str, str]]:
    """Advisers to choose from for a hand assignment: routing's on-call answer, those on
    call first (None or empty: the console asks for the adviser's code instead)."""
    if not isinstance(oncall, dict):
        return []
    seen: dict[str, str] = {}
    for pool in oncall.get("pools", []) if isinstance(oncall.get("pools"), list) else []:
        if not isinstance(pool, dict):
            continue
        for role in ("primary", "backup"):
            person = pool.get(role)
            adviser = person.get("adviser_id") if isinstance(person, dict) else person
            if isinstance(adviser, str) and adviser not in seen:
                seen[adviser] = f"{adviser} ({role}, {labels.label('pool', str(pool.get('pool')))})"
    return list(seen.items())
