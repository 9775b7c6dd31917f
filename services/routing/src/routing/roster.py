"""The roster: pools, advisers and the role → pool table, loaded from YAML and validated."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contracts.events import ContactPoint, Identifier
from contracts.vocabulary import DEFAULT_POOL_BY_ROLE, FALLBACK_POOL, Pool, Role


class RosterError(ValueError):
    """The roster file is not valid; the message names the file and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoolConfig(_Model):
    coordinator: Identifier | None = None


class Adviser(_Model):
    id: Identifier
    pool: Pool
    contacts: Annotated[list[ContactPoint], Field(min_length=1, max_length=10)]
    active: bool = True


class Roster(_Model):
    pools: dict[Pool, PoolConfig] = Field(default_factory=dict)
    routing: dict[Role, Pool] = Field(default_factory=lambda: dict(DEFAULT_POOL_BY_ROLE))
    advisers: list[Adviser] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [a.id for a in self.advisers]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"advisers: duplicate id {duplicates[0]!r}")
        pool_of = {a.id: a.pool for a in self.advisers}
        for pool, config in self.pools.items():
            if config.coordinator and config.coordinator not in pool_of:
                raise ValueError(
                    f"pools.{pool.value}.coordinator: {config.coordinator!r} is not an adviser"
                )
            if config.coordinator and pool_of[config.coordinator] is not pool:
                raise ValueError(
                    f"pools.{pool.value}.coordinator: {config.coordinator!r} is an adviser "
                    f"of pool {pool_of[config.coordinator].value}"
                )
        return self

    def pool_for(self, role: Role) -> Pool:
        """The pool that answers for this role."""
        return self.routing.get(role, DEFAULT_POOL_BY_ROLE[role])

    def first_line(self, pool: Pool) -> list[Adviser]:
        """Active advisers of the pool who take new cases (its coordinator does not)."""
        coordinator = self.pools.get(pool, PoolConfig()).coordinator
        return [a for a in self.advisers if a.pool is pool and a.active and a.id != coordinator]


FALLBACK = FALLBACK_POOL


def load_roster(path: Path) -> Roster:
    """Read and validate a roster file; errors name the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot read ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise RosterError(f"{path}:{where} not valid YAML") from None
    try:
        return Roster.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise RosterError(f"{path}: {field}: {first['msg']}") from None
