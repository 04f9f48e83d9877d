"""Columns every case has, and the history row written with each transition."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid


class CaseMixin:
    """Identity, state and optimistic-lock version of a case."""

    kind: ClassVar[str]

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Not a column: the history rows read inside the unit of work that wrote or read the case,
    # so presenting the case afterwards needs no new transaction (see `load_history`).
    loaded_history: list[Any] | None = None
    # Not a column: the instant of the transition being fired, one clock reading that the
    # history row records and the effects stamp on the case (`oriented_at`, …), so a case's
    # columns and its history agree to the microsecond (see `fire_transition`).
    transition_at: dt.datetime | None = None


class HistoryMixin:
    """One transition of one case: who fired it, when, from which state to which."""

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    transition: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(254))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
