"""Human references such as `MT-2026-000123`, numbered per prefix and per year."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shared.audit.chain import lock_chain
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

    Every case creation writes an audit entry, whose hash chain already makes creations take
    turns from their audit flush to their commit (`shared.audit.chain`). On PostgreSQL the chain's
    lock is taken here first, so the counter row is only ever locked under it: two transactions
    can never hold one lock each and wait for the other, and the counter adds no waiting of its
    own. SQLite serialises writers anyway (`BEGIN IMMEDIATE`).
    """
    year = today_paris().year
    lock_chain(db.session.connection())
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
