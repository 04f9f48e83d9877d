"""Human references such as `MT-2026-000123`, numbered per prefix and per year."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from shared.extensions import db
from shared.timeutil import utcnow


class ReferenceCounter(db.Model):
    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_reference(prefix: str) -> str:
    """Reserve the next number for `prefix` this year, inside the caller's transaction.

    An upsert that increments and returns in one statement: concurrent callers are serialised
    by the row lock, so two cases never share a reference.
    """
    year = utcnow().year
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ReferenceCounter)
        .values(prefix=prefix, year=year, value=1)
        .on_conflict_do_update(
            index_elements=["prefix", "year"],
            set_={"value": ReferenceCounter.value + 1},
        )
        .returning(ReferenceCounter.value)
    )
    value = db.session.execute(statement).scalar_one()
    return f"{prefix}-{year}-{value:06d}"
