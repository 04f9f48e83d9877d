"""The types of record holding patient identities, registered by each service.

Every case type registers its declaration (`shared/cases/case_type.py`); a record outside any
case machine (an agenda booking) registers a `PatientRecords`. Every mapped class using
`PatientMixin` must be registered (a test walks the mappers), so a new case type cannot escape
the export, the erasure or the key rotation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from shared.models_registry import mapped_classes
from shared.patients import PatientMixin


class RecordType(Protocol):
    """What the export and the erasure need of a type of patient record."""

    @property
    def model(self) -> Any:
        """The mapped class; every row exposes a `reference` (a column, or a property naming
        the row as its audit entries do)."""

    @property
    def history(self) -> Any | None:
        """The history table (rows with `case_id`, `at`, `comment`, `data`), if any."""

    @property
    def free_text(self) -> tuple[str, ...]:
        """Columns that may describe the patient in prose: an erasure blanks them."""

    def closed(self, row: Any) -> bool:
        """Whether nobody works on `row` any more (its patient's identity may then be erased)."""

    def find(self, reference: str) -> Any | None:
        """The row named `reference`, if any."""


@dataclass(frozen=True)
class PatientRecords:
    """A record type without a state machine (e.g. a booking): it says itself when a row is
    closed, and how to find a row when its reference is not a column."""

    model: Any
    free_text: tuple[str, ...]
    is_closed: Callable[[Any], bool]
    by_reference: Callable[[str], Any | None]
    history: None = None

    def closed(self, row: Any) -> bool:
        """Whether nobody works on `row` any more."""
        return self.is_closed(row)

    def find(self, reference: str) -> Any | None:
        """The row named `reference`, if any."""
        return self.by_reference(reference)


_CASE_TYPES: dict[str, RecordType] = {}


def register_case_type(record_type: RecordType) -> None:
    """Declare a type of record holding a patient identity (idempotent)."""
    model = record_type.model
    unknown = [name for name in record_type.free_text if name not in model.__table__.columns]
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {unknown}")
    _CASE_TYPES[model.__tablename__] = record_type


def case_types() -> list[RecordType]:
    """Every registered record type, by table name."""
    return [_CASE_TYPES[name] for name in sorted(_CASE_TYPES)]


def unregistered_patient_models() -> list[str]:
    """Names of mapped classes holding a patient identity that nobody registered."""
    return sorted(
        model.__name__
        for model in mapped_classes()
        if issubclass(model, PatientMixin) and model.__tablename__ not in _CASE_TYPES
    )
