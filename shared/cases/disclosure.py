"""Who sees what in a case's history, declared once per case type with its state machine.

Everyone who may see a case sees every step of its history: the transition, the states, the
time. Who fired a step (`by`) and what they wrote (`comment`, and the body kept with it) are
shown only to the roles that coordinate the case type, to the author of the step, and to the
professional a step is addressed to (a proposal, an assignment). So a GP proposed a patient
never learns which colleague declined the patient before, nor why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.auth.principal import Principal
from shared.auth.roles import ALL_ROLES


@dataclass(frozen=True)
class HistoryEntry:
    """One history step as a given caller may see it: unless `revealed`, `by`, `comment` and
    `data` are blank."""

    revealed: bool
    transition: str
    from_state: str | None
    to_state: str
    at: dt.datetime
    by: str | None
    comment: str | None
    data: dict[str, Any] | None


@dataclass(frozen=True)
class HistoryDisclosure:
    """The rule of one case type: who sees the actor and the comment of each history entry."""

    # Roles that see every entry in full (the coordination of this case type).
    full_view: frozenset[str]
    # Transitions addressed to a professional, with the body field naming their directory entry
    # (or the fields: one professional, or a list of several asked at once): that professional
    # sees those entries in full (e.g. the proposal made to them).
    addressed: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    def reveals(self, row: Any, principal: Principal) -> bool:
        """Whether `principal` may see who fired `row` and what they wrote."""
        if principal.has(*self.full_view) or row.by == principal.email:
            return True
        keys = self.addressed.get(row.transition)
        if keys is None or principal.professional_id is None:
            return False
        mine = str(principal.professional_id)
        for key in (keys,) if isinstance(keys, str) else keys:
            named = (row.data or {}).get(key)
            if named == mine or (isinstance(named, list) and mine in named):
                return True
        return False

    def visible(self, rows: Iterable[Any], principal: Principal) -> list[HistoryEntry]:
        """The history rows as `principal` may see them, in the same order."""
        return [self._entry(row, revealed=self.reveals(row, principal)) for row in rows]

    @staticmethod
    def _entry(row: Any, *, revealed: bool) -> HistoryEntry:
        return HistoryEntry(
            revealed=revealed,
            transition=row.transition,
            from_state=row.from_state,
            to_state=row.to_state,
            at=row.at,
            by=row.by if revealed else None,
            comment=row.comment if revealed else None,
            data=row.data if revealed else None,
        )


def open_history() -> HistoryDisclosure:
    """A history whoever may see the case reads in full (the record rule still decides who
    that is): for case types whose every step is written by their staff for everyone named."""
    return HistoryDisclosure(full_view=frozenset(ALL_ROLES))
