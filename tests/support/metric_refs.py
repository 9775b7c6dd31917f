"""The Weerbaar metrics that alerts and dashboard panels name, checked against what the
services really export on /metrics."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy/prometheus/alerts.yml"
DASHBOARD = ROOT / "deploy/grafana/dashboard.json"

SELECTOR = re.compile(r"\b(weerbaar_[a-z0-9_]+)\s*(\{[^}]*\})?")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)")
BY = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
MADE = re.compile(r'label_replace\s*\([^"]*"([a-zA-Z_][a-zA-Z0-9_]*)"')  # its new label
TARGET_LABELS = {"job", "instance", "service", "le", "pod"}  # added by Prometheus / histograms
SUFFIXES = ("_bucket", "_count", "_sum", "_created")


def expressions() -> list[tuple[str, str]]:
    """(where, PromQL) for every alert rule and every dashboard panel target."""
    found: list[tuple[str, str]] = []
    for group in yaml.safe_load(ALERTS.read_text())["groups"]:
        for rule in group["rules"]:
            found.append((f"alert {rule.get('alert') or rule.get('record')}", rule["expr"]))

    def walk(node: object, title: str) -> None:
        if isinstance(node, dict):
            title = str(node.get("title", title))
            if isinstance(node.get("expr"), str):
                found.append((f"panel {title!r}", node["expr"]))
            for value in node.values():
                walk(value, title)
        elif isinstance(node, list):
            for value in node:
                walk(value, title)

    walk(json.loads(DASHBOARD.read_text()), "")
    return found


@dataclass
class Exported:
    """What /metrics texts declare: metric names and, per series name, label names."""

    names: set[str] = field(default_factory=set)
    labels: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, texts: Iterable[str]) -> Exported:
        exported = cls()
        for text in texts:
            for line in text.splitlines():
                if line.startswith(("# HELP ", "# TYPE ")):
                    exported.names.add(line.split()[2])
                elif line and not line.startswith("#"):
                    name, _, rest = line.partition("{")
                    name = name.split()[0]
                    exported.names.add(name)
                    labels = exported.labels.setdefault(name, set())
                    if rest:
                        inner = rest.rsplit("}", 1)[0]
                        labels.update(m[0] for m in MATCHER.findall(inner))
        return exported

    def knows(self, name: str) -> bool:
        if name in self.names:
            return True
        return any(name.endswith(s) and name.removesuffix(s) in self.names for s in SUFFIXES)


def problems(exported: Exported, found: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(problems, unverified): names not exported, label names no series of it carries;
    `unverified` lists metrics with labels to check but no series yet to check them on."""
    bad: list[str] = []
    unverified: list[str] = []
    for where, expr in found:
        selectors = SELECTOR.findall(expr)
        families = {name for name, _ in selectors}
        for name, matchers in selectors:
            if not exported.knows(name):
                bad.append(f"{where}: {name} is not exported by any service")
                continue
            wanted = {m[0] for m in MATCHER.findall(matchers or "")}
            if len(families) == 1:  # grouping labels then belong to this metric
                for grouping in BY.findall(expr):
                    wanted |= {g.strip() for g in grouping.split(",") if g.strip()}
                wanted -= set(MADE.findall(expr))
            wanted -= TARGET_LABELS
            if not wanted:
                continue
            carried = exported.labels.get(name)
            if not carried:
                unverified.append(f"{where}: {name}")
                continue
            for label in sorted(wanted - carried):
                bad.append(f"{where}: {name} has no label {label!r} (it has {sorted(carried)})")
    return bad, unverified
