"""Human references such as `MT-2026-000123`, numbered per prefix and per year."""

from __future__ import annotations

from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import dialect_insert
from shared.extensions import db
from shared.timeutil import today_paris

# PostgreSQL's numbering (see `next_reference`).
_NEXT_FROM_SEQUENCE = text("SELECT reference_next(:prefix, :year)")


class ReferenceCounter(db.Model):
    """The last number given for (prefix, year): SQLite's numbering, and on PostgreSQL where
    the year's sequence starts (the sequences are owned by its `value` column)."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_reference(prefix: str) -> str:
    """The next number for `prefix` this year, in the caller's transaction.

    PostgreSQL: from the sequence of (prefix, year), through `reference_next` (migration
    `f2b4d6a8c0e1`, which creates the year's sequence the first time, going on from the
    counter row). A sequence locks nothing, so creations of one prefix never wait for one
    another; two cases never share a number, numbers grow with time, and a creation that rolls
    back (a duplicate refused at commit, any error) leaves a **gap** in the numbering.

    SQLite: one upsert increments the counter row of (prefix, year) and returns the new value
    in the caller's transaction, whose writer is alone anyway (`BEGIN IMMEDIATE`); a rollback
    gives the number back, so the embedded mode's numbering has no gaps.
    """
    year = today_paris().year
    if db.session.get_bind().dialect.name == "postgresql":
        value = db.session.execute(_NEXT_FROM_SEQUENCE, {"prefix": prefix, "year": year})
        return f"{prefix}-{year}-{value.scalar_one():06d}"
    statement = (
        dialect_insert(ReferenceCounter)
        .values(prefix=prefix, year=year, value=1)
        .on_conflict_do_update(
            index_elements=["prefix", "year"],
            set_={"value": ReferenceCounter.value + 1},
        )
        .returning(ReferenceCounter.value)
    )
    value = db.session.execute(statement).scalar_one()
    return f"{prefix}-{year}-{value:06d}"
