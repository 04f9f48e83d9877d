"""Reporting periods: Europe/Paris calendar dates, their months, and counting over them in SQL.

Dates become UTC instants in Python, one range per month, so the same SQL runs on PostgreSQL
and SQLite (which has no time zones) and DST changes fall where they should.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal,
    null,
    select,
    union_all,
)

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


class Span(Protocol):
    """Anything with a first instant and a first instant after it: a period, a month, or a
    month of a statement built once (`MonthParameters`)."""

    @property
    def start(self) -> Any: ...

    @property
    def end(self) -> Any: ...


def during(column: Any, span: Span) -> ColumnElement[bool]:
    """`column` (an instant) inside the span, start included, end excluded."""
    return and_(column >= span.start, column < span.end)


class MonthParameters:
    """The month at `index` of a statement built once for every period of as many months: its
    label and bounds are bound parameters, filled at each execution with the values of the
    period's month at that position (`parameters`). The start of the whole period comes too
    (`period_start`), for figures that count a person once in the period.

    The bounds are untyped: compared with a column, each takes the column's type, so they bind
    as the literal values did (`UTCDateTime` on SQLite). The label is a projected column."""

    def __init__(self, index: int) -> None:
        self.label: Any = bindparam(f"month_{index}_label", type_=String)
        self.start: Any = bindparam(f"month_{index}_start")
        self.end: Any = bindparam(f"month_{index}_end")
        self.first_day: Any = bindparam(f"month_{index}_first_day")
        self.last_day: Any = bindparam(f"month_{index}_last_day")
        self.period_start: Any = bindparam("period_start")

    @staticmethod
    def parameters(period: Period, months: list[Month]) -> dict[str, Any]:
        """The values of every month's parameters for `period` (whose `months` they are)."""
        values: dict[str, Any] = {"period_start": period.start}
        for index, month in enumerate(months):
            values |= {
                f"month_{index}_label": month.label,
                f"month_{index}_start": month.start,
                f"month_{index}_end": month.end,
                f"month_{index}_first_day": month.first_day,
                f"month_{index}_last_day": month.last_day,
            }
        return values


MonthQuery = Callable[[MonthParameters], Select[*tuple[Any, ...]]]


class _BuiltOnce:
    """A statement over the months of a period, built the first time a period of that many
    months asks for it and kept (one per length: the indicators accept ten years at most):
    the same statement serves every period of that length, its months as bound parameters.
    Building the statements of the indicators page anew (a dozen branches a month, each a
    few expressions) and their cache keys took some 25 ms of Python a page; a kept statement
    keeps its cache key, and SQLAlchemy's compiled cache its SQL."""

    def __init__(self) -> None:
        self._built: dict[int, Executable] = {}

    def _build(self, months: list[MonthParameters]) -> Executable:
        raise NotImplementedError

    def execute(self, period: Period) -> Any:
        """Run the statement for `period`."""
        months = period.months()
        statement = self._built.get(len(months))
        if statement is None:
            statement = self._build([MonthParameters(index) for index in range(len(months))])
            self._built[len(months)] = statement
        return db.session.execute(statement, MonthParameters.parameters(period, months))


class RowsByMonth(_BuiltOnce):
    """The rows of every `query(month)` for every month of a period, in one UNION ALL.

    Each branch is a plain range scan of its month, which an index on the column serves and
    PostgreSQL runs in parallel workers: cheaper than labelling every row of the year with a
    CASE over twelve instants (measured 3 to 4 times slower on a year of rows).

    Made once per statement (a module's constant): `query` may use nothing of the period but
    its `MonthParameters` argument, never a value of the caller's (it would stay in the
    statement built for the first period).
    """

    def __init__(self, *queries: MonthQuery) -> None:
        super().__init__()
        self.queries = queries

    def _build(self, months: list[MonthParameters]) -> Executable:
        return union_all(*(query(month) for month in months for query in self.queries))

    def rows(self, period: Period) -> list[Any]:
        """The rows of the period."""
        return list(self.execute(period).all())


class TallyByMonth(_BuiltOnce):
    """The rows, and the distinct non-null values of each of `keys`, over a period and in
    each of its months, in one statement: `counts(period)` is
    `({"rows": n, name: distinct, …}, {"YYYY-MM": …})`.

    Each month is one range scan per key (`within(month)`, plus `where`) grouped by that key,
    counting the rows of each value: a month's distinct count is its number of non-null
    values, its rows their sum. The period's grouping merges the values of every month, so a
    key counts once in the period and once in each month where it appears (the months may add
    up to more than the period). Every step is a hash grouping: COUNT(DISTINCT) would sort,
    twice as slow on a year of patient keys. The keys share a type (one column holds them).
    Made once per statement, as `RowsByMonth`.
    """

    def __init__(
        self,
        within: Callable[[MonthParameters], ColumnElement[bool]],
        *where: Any,
        keys: Mapping[str, Any],
    ) -> None:
        super().__init__()
        self.within, self.where, self.keys = within, where, dict(keys)

    def _build(self, months: list[MonthParameters]) -> Executable:
        branches = [
            select(
                month.label.label("month"),
                literal(name).label("name"),
                key.label("value"),
                func.count().label("rows"),
            )
            .where(self.within(month), *self.where)
            .group_by(key)
            for month in months
            for name, key in self.keys.items()
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
        in_period = select(literal(TOTAL), merged.c.name, func.count(), null()).group_by(
            merged.c.name
        )
        return union_all(in_months, in_period)

    def counts(self, period: Period) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
        """(the period's figures, each month's figures)."""
        total: dict[str, int] = dict.fromkeys(("rows", *self.keys), 0)
        monthly: dict[str, dict[str, int]] = {}
        for label, name, distinct_values, counted in self.execute(period).all():
            if label == TOTAL:
                total[name] = int(distinct_values)
                continue
            figures = monthly.setdefault(label, {})
            figures[name] = int(distinct_values or 0)
            figures["rows"] = int(counted or 0)  # every key's scan reads the same rows
        total["rows"] = sum(figures["rows"] for figures in monthly.values())
        return total, monthly


TOTAL = "total"  # the label of the period's row, never a month's `YYYY-MM`
