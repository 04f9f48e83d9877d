"""Counting over the months of a period in SQL (`shared.periods.TallyByMonth`): rows and
distinct people, a person once in the period and once in each month where they appear; the
statements, built once, serve every period of as many months (`RowsByMonth` too)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from shared.extensions import db
from shared.periods import Period, RowsByMonth, TallyByMonth, during
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


def _tally(period: Period = PERIOD, **keys):
    return TallyByMonth(
        lambda month: during(events.c.at, month), events.c.kind == "snp", keys=keys
    ).counts(period)


def test_rows_and_distinct_people_by_month_and_over_the_period(tally_rows):
    total, monthly = _tally(authors=events.c.author, helpers=events.c.helper)
    assert total == {"rows": 6, "authors": 3, "helpers": 2}
    assert monthly == {
        "2026-01": {"rows": 2, "authors": 1, "helpers": 1},
        "2026-02": {"rows": 3, "authors": 2, "helpers": 2},
        "2026-03": {"rows": 1, "authors": 1, "helpers": 1},
    }


def test_a_person_in_two_months_counts_in_each_but_once_in_the_period(tally_rows):
    total, monthly = _tally(authors=events.c.author)
    assert total["authors"] == 3
    by_month = {label: figures["authors"] for label, figures in monthly.items()}
    assert by_month == {"2026-01": 1, "2026-02": 2, "2026-03": 1}
    assert sum(by_month.values()) > total["authors"]


def test_months_without_rows_are_absent_and_an_empty_period_counts_zero(tally_rows):
    total, monthly = TallyByMonth(
        lambda month: during(events.c.at, month), keys={"authors": events.c.author}
    ).counts(Period(dt.date(2025, 6, 1), dt.date(2025, 7, 31)))
    assert total == {"rows": 0, "authors": 0}
    assert monthly == {}


def test_a_tally_built_once_counts_each_period_it_is_given(tally_rows):
    tally = TallyByMonth(
        lambda month: during(events.c.at, month),
        events.c.kind == "snp",
        keys={"authors": events.c.author},
    )
    assert tally.counts(PERIOD)[0] == {"rows": 6, "authors": 3}
    # Three months again: the same statement, this period's months as its parameters.
    total, monthly = tally.counts(Period(dt.date(2026, 2, 1), dt.date(2026, 4, 30)))
    assert total == {"rows": 5, "authors": 4}
    assert monthly == {
        "2026-02": {"rows": 3, "authors": 2},
        "2026-03": {"rows": 2, "authors": 2},
    }


def test_rows_by_month_built_once_reads_each_period_it_is_given(tally_rows):
    rows = RowsByMonth(
        lambda month: select(month.label, func.count()).where(
            during(events.c.at, month), events.c.kind == "snp"
        )
    )
    assert sorted(rows.rows(PERIOD)) == [("2026-01", 2), ("2026-02", 3), ("2026-03", 1)]
    three_months = Period(dt.date(2026, 2, 1), dt.date(2026, 4, 30))
    assert sorted(rows.rows(three_months)) == [("2026-02", 3), ("2026-03", 2), ("2026-04", 0)]
    two_months = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    assert sorted(rows.rows(two_months)) == [("2026-03", 2), ("2026-04", 0)]
    assert sorted(rows.rows(PERIOD)) == [("2026-01", 2), ("2026-02", 3), ("2026-03", 1)]
