"""The roster file: YAML read and validated into the roster model. Every error names
the file, the line and the field, so whoever edits the roster at night sees at once
what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from routing.domain.roster import Roster, RosterError, RosterFieldError


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line (1-based) of the YAML node that `loc` points at, or of its nearest parent."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part)
                ),
                None,
            )
            if match is None:
                break
            node = match[1]
            line = match[0].start_mark.line + 1
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def load_roster(path: Path) -> Roster:
    """Read and validate a roster file; errors name the file, the line and the field."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        raw = yaml.safe_load(text) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot read ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise RosterError(f"{path}:{where} not valid YAML") from None
    try:
        return Roster.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        context = first.get("ctx", {}).get("error")
        if isinstance(context, RosterFieldError):
            loc, message = context.loc, context.message
        field = ".".join(str(p) for p in loc) or "(top level)"
        line = _line_of(root, loc)
        raise RosterError(f"{path}:{line}: {field}: {message}") from None
