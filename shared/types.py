"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import DateTime, Uuid
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes stored in UTC (SQLite keeps no offset; we restore it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: use shared.timeutil.utcnow()")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def new_uuid() -> uuid.UUID:
    """A random UUID for primary keys."""
    return uuid.uuid4()


def new_uuids(chunk: int = 1024) -> Iterator[uuid.UUID]:
    """Random UUIDs for primary keys, as many as asked for: `new_uuid`'s (version 4, from the
    system's random source), read `chunk` at a time, for bulk inserts where one read for each
    id costs more than the id."""
    while True:
        raw = os.urandom(16 * chunk)
        for start in range(0, 16 * chunk, 16):
            yield uuid.UUID(bytes=raw[start : start + 16], version=4)


UUIDType = Uuid(as_uuid=True)
