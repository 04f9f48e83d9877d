"""Human references such as `MT-2026-000123`, numbered per prefix and per year."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import dialect_insert
from shared.extensions import db
from shared.timeutil import today_paris


class ReferenceCounter(db.Model):
    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_reference(prefix: str) -> str:
    """The next number for `prefix` this year, in the caller's transaction.

    One upsert increments the counter row of (prefix, year) and returns the new value, so two
    cases never share a number; the row stays locked until the caller commits or rolls back,
    and a rollback (a refused duplicate, say) gives the number back: the numbering has no gaps.

    Two creations of one prefix therefore take turns from this upsert to their commit. The
    audit chain's lock, which every creation also takes, comes last, at commit
    (`shared.audit.models.write_held_entries`), and nothing waits for the counter under it: no
    two transactions can hold one lock each and wait for the other. SQLite serialises writers
    anyway (`BEGIN IMMEDIATE`).
    """
    year = today_paris().year
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
