"""`one_snapshot`: a report's statements all see the database as of one instant."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from shared.cases.references import ReferenceCounter
from shared.db import one_snapshot, unit_of_work
from shared.extensions import db


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReferenceCounter)) or 0


def _insert_elsewhere(prefix: str) -> None:
    """Commit a row from another connection, as another request would."""
    with db.engine.begin() as other:
        other.execute(
            text("INSERT INTO reference_counters (prefix, year, value) VALUES (:p, 2026, 1)"),
            {"p": prefix},
        )


def test_reads_inside_do_not_see_commits_made_meanwhile(app):
    with app.app_context():
        with one_snapshot():
            before = _count()
            _insert_elsewhere("SNAP")
            assert _count() == before
        assert _count() == before + 1  # a new transaction after the block sees it


@pytest.mark.postgres_only
def test_postgresql_runs_the_block_read_only_in_repeatable_read(app):
    with app.app_context():
        with one_snapshot():
            assert db.session.scalar(text("SHOW transaction_isolation")) == "repeatable read"
            assert db.session.scalar(text("SHOW transaction_read_only")) == "on"
        # Writes work again after the block, in the usual isolation.
        with unit_of_work() as session:
            session.add(ReferenceCounter(prefix="AFTR", year=2026, value=1))
            assert session.scalar(text("SHOW transaction_isolation")) == "read committed"
        assert db.session.get(ReferenceCounter, ("AFTR", 2026)) is not None
