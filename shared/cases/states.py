"""A case type's kind and states, written once in its `states.py`.

The machine, the tables' partial indexes, the list filters and the privacy registry all read
them from there. They sit apart from `machine.py` because the machine imports the request
schemas (the body of each transition), and the schemas need the states for their filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import TextClause, text

_NAME = re.compile(r"[a-z][a-z_]*")


@dataclass(frozen=True)
class CaseStates:
    """The kind of a case type (`<kind>.<transition>` names its events), its states in order,
    open ones first (a case starts in the first), and the French label of each."""

    kind: str
    open: tuple[str, ...]
    final: tuple[str, ...]
    labels: Mapping[str, str]

    def __post_init__(self) -> None:
        # The names go into SQL text (partial indexes): identifiers only.
        bad = [name for name in self.names if not _NAME.fullmatch(name)]
        if bad or not self.open:
            raise ValueError(f"{self.kind}: invalid or missing state names {bad}")
        if set(self.labels) != set(self.names):
            raise ValueError(f"{self.kind}: one label per state, no more")

    @property
    def names(self) -> tuple[str, ...]:
        """Every state, open ones first."""
        return (*self.open, *self.final)

    @property
    def initial(self) -> str:
        """Where every case starts."""
        return self.open[0]


def state_in(states: Iterable[str]) -> TextClause:
    """`state IN ('a', 'b')` as SQL text: the predicate of a partial index, which a query must
    repeat word for word (a bound parameter keeps PostgreSQL from using the index)."""
    return text(f"state IN ({_quoted(states)})")


def state_not_in(states: Iterable[str]) -> TextClause:
    """`state NOT IN ('a', 'b')` as SQL text (see `state_in`)."""
    return text(f"state NOT IN ({_quoted(states)})")


def _quoted(states: Iterable[str]) -> str:
    names = list(states)
    if not all(_NAME.fullmatch(name) for name in names):
        raise ValueError(f"not state names: {names}")
    return ", ".join(f"'{name}'" for name in names)
