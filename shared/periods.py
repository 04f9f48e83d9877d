"""Reporting periods: Europe/Paris calendar dates, their months, and counting over them in SQL.

Dates become UTC instants in Python, one range per month, so the same SQL runs on PostgreSQL
and SQLite (which has no time zones) and DST changes fall where they should.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, null, select, union_all

from shared.extensions import db
from shared.timeutil import PARIS


def paris_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant at which `day` begins in Europe/Paris (DST handled by zoneinfo)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=PARIS).astimezone(dt.UTC)


@dataclass(frozen=True)
class Period:
    """From `first_day` to `last_day` inclusive, as calendar dates in Europe/Paris."""

    first_day: dt.date
    last_day: dt.date

    @property
    def start(self) -> dt.datetime:
        """First instant of the period (UTC)."""
        return paris_midnight(self.first_day)

    @property
    def end(self) -> dt.datetime:
        """First instant after the period (UTC, exclusive bound)."""
        return paris_midnight(self.last_day + dt.timedelta(days=1))

    def months(self) -> list[Month]:
        """The calendar months the period touches, each clipped to the period."""
        months = []
        day = self.first_day
        while day <= self.last_day:
            next_month = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            months.append(Month(day, min(next_month - dt.timedelta(days=1), self.last_day)))
            day = next_month
        return months

    def as_dict(self) -> dict[str, str]:
        """`{"from": …, "to": …}`, ISO dates, as the indicators documents show the period."""
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}

    @property
    def slug(self) -> str:
        """`2026-01-01_2026-12-31`, for file names."""
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"


class Month(Period):
    """One calendar month of a period, clipped to the period's bounds."""

    @property
    def label(self) -> str:
        """`YYYY-MM`."""
        return f"{self.first_day:%Y-%m}"


def during(column: Any, span: Period) -> ColumnElement[bool]:
    """`column` (an instant) inside the span, start included, end excluded."""
    return and_(column >= span.start, column < span.end)


MonthQuery = Callable[[Month], Select[*tuple[Any, ...]]]


def rows_by_month(period: Period, *queries: MonthQuery) -> list[Any]:
    """The rows of every `query(month)` for every month of the period, in one UNION ALL.

    Each branch is a plain range scan of its month, which an index on the column serves and
    PostgreSQL runs in parallel workers: cheaper than labelling every row of the year with a
    CASE over twelve instants (measured 3 to 4 times slower on a year of rows).
    """
    branches = [query(month) for month in period.months() for query in queries]
    return list(db.session.execute(union_all(*branches)).all())


def tally_by_month(
    period: Period,
    within: Callable[[Month], ColumnElement[bool]],
    *where: Any,
    keys: Mapping[str, Any],
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """The rows, and the distinct non-null values of each of `keys`, over the period and in
    each of its months, in one statement: `({"rows": n, name: distinct, …}, {"YYYY-MM": …})`.

    Each month is one range scan per key (`within(month)`, plus `where`) grouped by that key,
    counting the rows of each value: a month's distinct count is its number of non-null
    values, its rows their sum. The period's grouping merges the values of every month, so a
    key counts once in the period and once in each month where it appears (the months may add
    up to more than the period). Every step is a hash grouping: COUNT(DISTINCT) would sort,
    twice as slow on a year of patient keys. The keys share a type (one column holds them).
    """
    branches = [
        select(
            literal(month.label).label("month"),
            literal(name).label("name"),
            key.label("value"),
            func.count().label("rows"),
        )
        .where(within(month), *where)
        .group_by(key)
        for month in period.months()
        for name, key in keys.items()
    ]
    tallied = union_all(*branches).cte("tallied")
    # The period's distinct values: those of every month, grouped again (no sum to carry:
    # the period's rows are the sum of its months').
    merged = (
        select(tallied.c.name, tallied.c.value)
        .where(tallied.c.value.is_not(None))
        .group_by(tallied.c.name, tallied.c.value)
        .subquery()
    )
    in_months = select(
        tallied.c.month, tallied.c.name, func.count(tallied.c.value), func.sum(tallied.c.rows)
    ).group_by(tallied.c.month, tallied.c.name)
    in_period = select(literal(TOTAL), merged.c.name, func.count(), null()).group_by(merged.c.name)
    total: dict[str, int] = dict.fromkeys(("rows", *keys), 0)
    monthly: dict[str, dict[str, int]] = {}
    for label, name, distinct_values, counted in db.session.execute(
        union_all(in_months, in_period)
    ).all():
        if label == TOTAL:
            total[name] = int(distinct_values)
            continue
        figures = monthly.setdefault(label, {})
        figures[name] = int(distinct_values or 0)
        figures["rows"] = int(counted or 0)  # every key's scan reads the same rows
    total["rows"] = sum(figures["rows"] for figures in monthly.values())
    return total, monthly


def distinct_by_month(
    period: Period, key: Any, within: Callable[[Month], ColumnElement[bool]], *where: Any
) -> tuple[int, dict[str, int]]:
    """Distinct non-null values of `key` over the period and in each of its months, in one
    statement (`tally_by_month` with one key)."""
    total, monthly = tally_by_month(period, within, *where, keys={"key": key})
    return total["key"], {label: figures["key"] for label, figures in monthly.items()}


TOTAL = "total"  # the label of the period's row, never a month's `YYYY-MM`
