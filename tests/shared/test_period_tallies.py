"""Counting over the months of a period in SQL (`shared.periods.tally_by_month`): rows and
distinct people, a person once in the period and once in each month where they appear."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from shared.extensions import db
from shared.periods import Period, distinct_by_month, during, tally_by_month
from shared.types import UTCDateTime

metadata = MetaData()
# A table of this test's own: the helper is the same whatever service's table it counts.
events = Table(
    "test_period_tally_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("author", String(8)),
    Column("helper", String(8)),
)
PERIOD = Period(dt.date(2026, 1, 15), dt.date(2026, 3, 10))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def tally_rows(app) -> Iterator[None]:
    rows = [
        # Anne in January and February: once in each month, once in the period.
        (utc(2026, 1, 20, 9), "snp", "anne", "hugo"),
        (utc(2026, 2, 3, 9), "snp", "anne", None),
        # Bruno twice in February: once in February.
        (utc(2026, 2, 10, 9), "snp", "bruno", "hugo"),
        (utc(2026, 2, 11, 9), "snp", "bruno", "ines"),
        # No author: a row, but nobody to count.
        (utc(2026, 1, 16, 9), "snp", None, None),
        # 10 March 23:30 in Paris (22:30 UTC) is inside; 11 March 00:30 in Paris is not.
        (utc(2026, 3, 10, 22, 30), "snp", "chloe", "ines"),
        (utc(2026, 3, 10, 23, 30), "snp", "denis", "ines"),
        # Before the period (14 January) and of another kind: never counted.
        (utc(2026, 1, 14, 9), "snp", "emma", "jade"),
        (utc(2026, 2, 12, 9), "other", "fanny", "jade"),
    ]
    with app.app_context():
        metadata.create_all(db.engine)
        db.session.execute(
            insert(events),
            [{"at": at, "kind": kind, "author": a, "helper": h} for at, kind, a, h in rows],
        )
        db.session.commit()
        yield
        db.session.rollback()
        metadata.drop_all(db.engine)


def _tally(**keys):
    return tally_by_month(
        PERIOD, lambda month: during(events.c.at, month), events.c.kind == "snp", keys=keys
    )


def test_rows_and_distinct_people_by_month_and_over_the_period(tally_rows):
    total, monthly = _tally(authors=events.c.author, helpers=events.c.helper)
    assert total == {"rows": 6, "authors": 3, "helpers": 2}
    assert monthly == {
        "2026-01": {"rows": 2, "authors": 1, "helpers": 1},
        "2026-02": {"rows": 3, "authors": 2, "helpers": 2},
        "2026-03": {"rows": 1, "authors": 1, "helpers": 1},
    }


def test_a_person_in_two_months_counts_in_each_but_once_in_the_period(tally_rows):
    total, monthly = distinct_by_month(
        PERIOD, events.c.author, lambda month: during(events.c.at, month), events.c.kind == "snp"
    )
    assert total == 3
    assert monthly == {"2026-01": 1, "2026-02": 2, "2026-03": 1}
    assert sum(monthly.values()) > total


def test_months_without_rows_are_absent_and_an_empty_period_counts_zero(tally_rows):
    total, monthly = tally_by_month(
        Period(dt.date(2025, 6, 1), dt.date(2025, 7, 31)),
        lambda month: during(events.c.at, month),
        keys={"authors": events.c.author},
    )
    assert total == {"rows": 0, "authors": 0}
    assert monthly == {}
