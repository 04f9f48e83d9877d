"""The case types holding patient identities, declared by each service next to its models.

Every mapped class using `PatientMixin` must be registered (a test walks the mappers), so a
new case type cannot escape the export, the erasure or the key rotation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.models_registry import mapped_classes
from shared.patients import PatientMixin


@dataclass(frozen=True)
class CaseType:
    """A case model, its history model, its final states, and its free-text columns (which may
    describe the patient in prose and are blanked by an erasure).

    Every model exposes a `reference` (a column, or a property naming the row as its audit
    entries do). A model without a `state` column (e.g. a booking) gives `is_closed` instead of
    final states, and `find` when its reference is not a column.
    """

    model: Any
    history: Any | None
    final_states: frozenset[str]
    free_text: tuple[str, ...] = ()
    is_closed: Callable[[Any], bool] | None = None
    find: Callable[[str], Any | None] | None = None

    def closed(self, row: Any) -> bool:
        """Whether nobody works on `row` any more (its patient's identity may then be erased)."""
        if self.is_closed is not None:
            return self.is_closed(row)
        return row.state in self.final_states


_CASE_TYPES: dict[str, CaseType] = {}


def register_case_type(
    model: Any,
    *,
    history: Any | None,
    final_states: frozenset[str] = frozenset(),
    free_text: tuple[str, ...],
    is_closed: Callable[[Any], bool] | None = None,
    find: Callable[[str], Any | None] | None = None,
) -> None:
    """Declare a case model holding a patient identity (idempotent)."""
    unknown = [name for name in free_text if name not in model.__table__.columns]
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {unknown}")
    if not final_states and is_closed is None:
        raise ValueError(f"{model.__name__} needs final_states or is_closed")
    _CASE_TYPES[model.__tablename__] = CaseType(
        model=model,
        history=history,
        final_states=final_states,
        free_text=free_text,
        is_closed=is_closed,
        find=find,
    )


def case_types() -> list[CaseType]:
    """Every registered case type, by table name."""
    return [_CASE_TYPES[name] for name in sorted(_CASE_TYPES)]


def unregistered_patient_models() -> list[str]:
    """Names of mapped classes holding a patient identity that nobody registered."""
    return sorted(
        model.__name__
        for model in mapped_classes()
        if issubclass(model, PatientMixin) and model.__tablename__ not in _CASE_TYPES
    )
