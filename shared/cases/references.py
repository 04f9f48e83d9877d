"""Human references such as `MT-2026-000123`, numbered per prefix and per year."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from shared.extensions import db
from shared.timeutil import today_paris


class ReferenceCounter(db.Model):
    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_reference(prefix: str) -> str:
    """Reserve the next number for `prefix` this year.

    An upsert that increments and returns in one statement, so two cases never share a
    number. On PostgreSQL it runs in its own short transaction: inside the caller's, the
    counter row stayed locked until the whole creation committed, which serialised every
    signalement. The price is a gap in the numbering when the creation then fails (a refused
    duplicate, say). SQLite already serialises writers, so there it joins the caller's
    transaction (a second connection would wait for the caller's write lock).
    """
    year = today_paris().year
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
    if dialect == "postgresql":
        with db.engine.connect() as connection:
            value = connection.execute(statement).scalar_one()
            connection.commit()
    else:
        value = db.session.execute(statement).scalar_one()
    return f"{prefix}-{year}-{value:06d}"
