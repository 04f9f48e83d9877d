"""SQL aggregations of the médecin-traitant block: every figure is counted by the database.

Python only receives grouped rows (month × priority × ALD × commune, states, reasons) and
folds them into the document; no case row is ever loaded here. One index-only scan of a
covering index (see the case model) per time column serves every breakdown at once; the
percentiles' histogram reads `oriented_at` once more. `by_source` comes from the same scans
on PostgreSQL (GROUPING SETS; the covering indexes carry `source`), from one more scan of each
time column on SQLite.

Time: periods are Europe/Paris calendar dates, turned into UTC instants one range per month
(`shared/periods.py`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Interval,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    type_coerce,
    union_all,
)

from services.orientation.medecin_traitant.intake.sources import SOURCES
from services.orientation.medecin_traitant.machine import OPEN_STATES
from services.orientation.medecin_traitant.models import MedecinTraitantCase as Case
from services.orientation.medecin_traitant.models import MedecinTraitantHistory as History
from services.orientation.medecin_traitant.schemas import CANCEL_REASONS
from shared.extensions import db
from shared.geo import locate
from shared.periods import MonthParameters, Period, RowsByMonth, during
from shared.timeutil import utcnow

PRIORITIES = (1, 2, 3)
# Age of an open case (days since the signalement) at the end of the period.
AGE_BUCKETS = (("0_7_days", 7), ("8_30_days", 30), ("31_90_days", 90), ("over_90_days", None))
MONTHLY_FIGURES = ("signalements", "oriented", "oriented_ald", "cancelled")


def _delay() -> Any:
    """Time from signalement to orientation, as PostgreSQL's expression index writes it."""
    return type_coerce(Case.oriented_at - Case.created_at, Interval)


def _percentiles(
    period: Period, fractions: tuple[float, ...], histogram: dict[int, int] | None = None
) -> list[float | None]:
    """Percentiles (linear interpolation, as `percentile_cont`) of days from signalement to
    orientation, exact. On PostgreSQL, `histogram` ({whole days: orientations} of the period)
    saves the scan that would count it."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _percentiles_postgresql(period, fractions, histogram)
    # SQLite has no percentile_cont: rank the rows with window functions and interpolate
    # between the two ranks around p·(n−1), which is exactly what percentile_cont does.
    in_period = during(Case.oriented_at, period)
    days = (func.julianday(Case.oriented_at) - func.julianday(Case.created_at)).label("days")
    ranked = (
        select(
            days,
            (func.row_number().over(order_by=days) - 1).label("i"),
            func.count().over().label("n"),
        )
        .where(in_period)
        .subquery()
    )
    columns = []
    for p in fractions:
        position = p * (ranked.c.n - 1)
        low = cast(position, Integer)  # truncation = floor, positions are never negative
        weight = cast(position, Float) - low
        columns.append(
            func.sum(
                case(
                    (ranked.c.i == low, ranked.c.days * (1 - weight)),
                    (ranked.c.i == low + 1, ranked.c.days * weight),
                )
            )
        )
    return list(db.session.execute(select(*columns)).one())


def _percentiles_postgresql(
    period: Period, fractions: tuple[float, ...], histogram: dict[int, int] | None
) -> list[float | None]:
    """Exact percentiles in two passes instead of sorting every delay of the period.

    1. A histogram of the delays in whole days (a count per day, per month in parallel
       workers): it tells which day holds the rank p·(n−1) and the rank within that day.
    2. For each fraction, the two delays at that rank and the next, read from the index on
       the delay (`ix_orientation_mt_cases_delay`) starting at that day: a few rows.
    Sorting the ~540,000 delays of a year of a million cases cost 0.25 s; this, 0.05 s.
    """
    if histogram is None:
        histogram = _delay_histogram(period)
    total = sum(histogram.values())
    if total == 0:
        return [None] * len(fractions)
    results: list[float | None] = []
    for fraction in fractions:
        position = fraction * (total - 1)
        rank = math.floor(position)
        day, offset = _day_of_rank(histogram, rank)
        # Whole days truncate toward zero, so day 0 spans −1 to +1 day: from there down (only
        # imported data could hold a delay below zero) the rank counts from the smallest delay.
        delays = _delays_from(period, day, offset) if day > 0 else _delays_from(period, None, rank)
        lower = delays[0]
        upper = delays[1] if len(delays) > 1 else lower
        value = lower + (upper - lower) * (position - rank)
        results.append(value.total_seconds() / 86400)
    return results


def _delay_days() -> Any:
    """Whole days of delay. `date_part('day', …)` of the difference of two instants is its
    number of whole days (PostgreSQL carries hours over 24 into days), so it orders exactly as
    the delay itself."""
    # 'day' as SQL text, not a bound parameter: the statistics on this expression
    # (`st_orientation_mt_cases_delay_days`) match it only word for word.
    return func.date_part(literal_column("'day'"), _delay())


def _delays_in(month: MonthParameters) -> Select[*tuple[Any, ...]]:
    day = _delay_days()
    return select(day, func.count()).where(during(Case.oriented_at, month)).group_by(day)


_DELAY_HISTOGRAM = RowsByMonth(_delays_in)


def _delay_histogram(period: Period) -> dict[int, int]:
    """{whole days of delay: orientations} over the period, from a scan of its own (the
    médecin-traitant block takes it from its orientations' pass instead)."""
    histogram: dict[int, int] = {}
    for days, count in _DELAY_HISTOGRAM.rows(period):
        histogram[int(days)] = histogram.get(int(days), 0) + count
    return histogram


def _day_of_rank(histogram: dict[int, int], rank: int) -> tuple[int, int]:
    """(day, rank within that day) of the delay at `rank` (0-based) in ascending order."""
    before = 0
    for day in sorted(histogram):
        if rank < before + histogram[day]:
            return day, rank - before
        before += histogram[day]
    raise ValueError(f"rank {rank} beyond {before} delays")


def _delays_from(period: Period, day: int | None, offset: int) -> list[dt.timedelta]:
    """The delay at `offset` among those of at least `day` days in the period (all of them
    if `day` is None), and the next."""
    delay = _delay()
    query = select(delay).where(during(Case.oriented_at, period))
    if day is not None:
        query = query.where(delay >= literal(dt.timedelta(days=day), Interval))
    return list(db.session.scalars(query.order_by(delay).offset(offset).limit(2)))


def _first_since(start: Any) -> Any:
    """1 for the patient's first orientation since `start`, else 0.

    A patient's orientations form a chain (`previous_oriented_at` points to the one before),
    so among those inside a window exactly one has its previous orientation before the window
    (or none): summing this flag counts distinct patients without COUNT(DISTINCT).
    """
    previous = Case.previous_oriented_at
    return case((or_(previous.is_(None), previous < start), 1), else_=0)


DIMENSIONS = (Case.priority, Case.ald, Case.patient_postal_code, Case.patient_city)


class _Grouped(NamedTuple):
    """A grouped count of the cases of each month, as each backend runs it (`_grouped`)."""

    postgresql: RowsByMonth
    sqlite: RowsByMonth

    def rows(self, period: Period) -> list[Any]:
        """The rows of the period, from the backend's statement."""
        if db.session.get_bind().dialect.name == "postgresql":
            return self.postgresql.rows(period)
        return self.sqlite.rows(period)


def _grouped(
    time: Any,
    figures: Callable[[MonthParameters], tuple[Any, ...]],
    *,
    by_delay: bool = False,
) -> _Grouped:
    """`figures(month)` of the cases of each month of the instant `time`, by every breakdown
    (rows `(month, priority, ald, postal code, city, None, None, *figures)`) and by source
    (rows `(month, None, None, None, None, source, None, *figures)`; no column of these is ever
    null). With `by_delay`, on PostgreSQL, also by whole days of delay from signalement to
    orientation (rows `(month, None, …, None, days, *figures)`: the percentiles' histogram).

    PostgreSQL groups each month every way in one range scan of `time`'s covering index
    (GROUPING SETS: one hash table a grouping, filled from one pass); SQLite, which has no
    grouping sets, scans each month once per grouping and leaves the delay to `_percentiles`.
    """

    def in_month(month: MonthParameters, *columns: Any) -> Select[*tuple[Any, ...]]:
        return select(month.label, *columns, *figures(month)).where(during(time, month))

    def every_grouping(month: MonthParameters) -> Select[*tuple[Any, ...]]:
        days = _delay_days() if by_delay else null()
        sets = [tuple_(*DIMENSIONS), tuple_(Case.source)]
        if by_delay:
            sets.append(tuple_(days))
        return in_month(month, *DIMENSIONS, Case.source, days).group_by(func.grouping_sets(*sets))

    def by_breakdowns(month: MonthParameters) -> Select[*tuple[Any, ...]]:
        return in_month(month, *DIMENSIONS, null(), null()).group_by(*DIMENSIONS)

    def by_source(month: MonthParameters) -> Select[*tuple[Any, ...]]:
        nothing = (null() for _ in DIMENSIONS)
        return in_month(month, *nothing, Case.source, null()).group_by(Case.source)

    return _Grouped(RowsByMonth(every_grouping), RowsByMonth(by_breakdowns, by_source))


# Cases created in the period, by month and every breakdown, and by month and source
# (covering index on created_at).
_SIGNALEMENTS = _grouped(Case.created_at, lambda _month: (func.count(),))
# Patients oriented in the period (first orientation in the period, and in the month), by
# month and every breakdown, and by month and source (covering index on oriented_at).
_ORIENTATIONS = _grouped(
    Case.oriented_at,
    lambda month: (
        func.sum(_first_since(month.period_start)),
        func.sum(_first_since(month.start)),
        func.count(),
    ),
    by_delay=True,
)


def _cancelled_in(month: MonthParameters) -> Select[*tuple[Any, ...]]:
    return (
        select(month.label, Case.cancel_reason, func.count())
        .where(during(Case.cancelled_at, month))
        .group_by(Case.cancel_reason)
    )


# Cases cancelled in the period, by month and reason.
_CANCELLED = RowsByMonth(_cancelled_in)


def _age_bucket(created_at: Any, at: dt.datetime) -> Any:
    whens = [
        (created_at > at - dt.timedelta(days=limit), label)
        for label, limit in AGE_BUCKETS
        if limit is not None
    ]
    return case(*whens, else_=AGE_BUCKETS[-1][0])


def _open_cases(at: dt.datetime, *, current: bool) -> tuple[dict[str, int], dict[str, int]]:
    """Cases open at instant `at`: ({state they were in then: n}, {age bucket then: n}).

    When `current` (`at` is now: the period ends today or later), the current state is the
    answer and the board's index on (state, priority, created_at) serves it alone.
    """
    by_state = dict.fromkeys(OPEN_STATES, 0)
    by_age = {label: 0 for label, _limit in AGE_BUCKETS}
    if current:
        bucket = _age_bucket(Case.created_at, at)
        query = (
            select(Case.state, bucket, func.count())
            .where(Case.state.in_(OPEN_STATES))
            .group_by(Case.state, bucket)
        )
        for state, age, count in db.session.execute(query):
            by_state[state] += count
            by_age[age] += count
        return by_state, by_age
    for kind, first, second, count in db.session.execute(_open_then(at)):
        if kind == "age":
            by_age[first] += count
        elif kind == "now":
            by_state[first] += count
        else:  # `count` transitions first → second since `at`: undo them
            if first in by_state:
                by_state[first] += count
            if second in by_state:
                by_state[second] -= count
    return by_state, by_age


def _open_then(at: dt.datetime) -> Any:
    """One statement (one snapshot) giving what `_open_cases` folds for a past instant.

    - ("age", bucket, NULL, n): the cases open then by age, i.e. created before `at` and
      oriented after it, cancelled after it, or still open. Orientation and cancellation are
      final, so the three sets are disjoint, and each is a range of an index that carries
      `created_at` (index-only scans of the cases concerned, not of every case ever created).
    - ("now", state, NULL, n): the open cases today by state;
    - ("moved", from_state, to_state, n): the transitions since `at`.
    Every state change writes one history row (shared/cases/service.py), so the state of each
    case at `at` is its state today with the transitions since undone: for each state,
    open then = open now + transitions out of it since `at` − transitions into it since `at`
    (a case created since `at` enters with from_state NULL and cancels out). This reads only
    the history since `at`, in 30-day ranges that PostgreSQL scans in parallel, instead of
    looking up the last transition before `at` of each of tens of thousands of cases.
    """
    before = Case.created_at < at
    bucket = _age_bucket(Case.created_at, at)

    def ages(closed_later: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
        return (
            select(literal("age"), bucket, null(), func.count())
            .where(closed_later, before)
            .group_by(bucket)
        )

    branches = [
        ages(Case.oriented_at >= at),
        ages(Case.cancelled_at >= at),
        ages(Case.state.in_(OPEN_STATES)),
        select(literal("now"), Case.state, null(), func.count())
        .where(Case.state.in_(OPEN_STATES))
        .group_by(Case.state),
    ]
    for low, high in _ranges_since(at):
        moved = History.at >= low if high is None else and_(History.at >= low, History.at < high)
        branches.append(
            select(literal("moved"), History.from_state, History.to_state, func.count())
            .where(moved)
            .group_by(History.from_state, History.to_state)
        )
    return union_all(*branches)


def _ranges_since(at: dt.datetime, days: int = 30) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """[at, at + 30 days), … up to now, the last range open-ended so that no row written
    after this clock was read is missed."""
    now = utcnow()
    ranges: list[tuple[dt.datetime, dt.datetime | None]] = []
    low = at
    while low + dt.timedelta(days=days) < now:
        ranges.append((low, low + dt.timedelta(days=days)))
        low += dt.timedelta(days=days)
    ranges.append((low, None))
    return ranges


# Where every case whose commune the commune table does not know is counted: what was typed
# in the "commune" field may be anything (a name, a birth date, a NIR) and never leaves.
UNKNOWN_COMMUNE = "Autre / inconnue"


@lru_cache(maxsize=8192)
def commune_of(postal_code: str, city: str) -> tuple[str | None, str]:
    """(INSEE code, official name) of a typed address, or (None, "Autre / inconnue") when the
    commune table does not know its postal code: never the typed text."""
    commune = locate(postal_code, city)
    return (commune.insee, commune.name) if commune else (None, UNKNOWN_COMMUNE)


class _Communes:
    """Folds grouped rows by (postal code, typed city) into communes keyed by INSEE code:
    spellings vary ("Lyon", "LYON 3e"), the code does not. Unknown communes make one row."""

    def __init__(self) -> None:
        self.rows: dict[str | None, dict[str, Any]] = {}

    def entry(self, postal_code: str, city: str) -> dict[str, Any]:
        insee, name = commune_of(postal_code, city)
        return self.rows.setdefault(
            insee,
            {
                "insee": insee,
                "commune": name,
                "postal_code": postal_code if insee else None,
                "signalements": 0,
                "oriented": 0,
                "oriented_ald": 0,
            },
        )

    def sorted(self) -> list[dict[str, Any]]:
        return sorted(self.rows.values(), key=lambda row: (-row["signalements"], row["commune"]))


def _no_source() -> dict[str, int]:
    return {"signalements": 0, "oriented": 0}


def _sources() -> dict[str, dict[str, int]]:
    """`by_source` before counting: every known source at zero. A patient oriented in the
    period counts once, under the source of their first orientation in it, and once in each
    month where they were oriented."""
    return {source: _no_source() for source in SOURCES}


def _days(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def medecin_traitant_block(period: Period) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The `medecin_traitant` block and its figures per month (`{"YYYY-MM": {...}}`: the
    counts, and `by_source`)."""
    months: dict[str, dict[str, Any]] = {
        m.label: dict.fromkeys(MONTHLY_FIGURES, 0) for m in period.months()
    }
    by_priority = {str(p): {"signalements": 0, "oriented": 0} for p in PRIORITIES}
    by_ald = {key: {"signalements": 0, "oriented": 0} for key in ("ald", "non_ald")}

    communes = _Communes()
    by_source = _sources()
    sources_by_month = {label: _sources() for label in months}
    signalements = 0
    for row in _SIGNALEMENTS.rows(period):
        month, priority, ald, postal_code, city, source, _no_days, count = row
        if source is not None:
            by_source.setdefault(source, _no_source())["signalements"] += count
            sources_by_month[month].setdefault(source, _no_source())["signalements"] += count
            continue
        signalements += count
        months[month]["signalements"] += count
        by_priority.setdefault(str(priority), {"signalements": 0, "oriented": 0})
        by_priority[str(priority)]["signalements"] += count
        by_ald["ald" if ald else "non_ald"]["signalements"] += count
        communes.entry(postal_code, city)["signalements"] += count

    # A patient counts once in the period, in the groups of their first orientation in it,
    # and once in each month where they were oriented.
    oriented = oriented_ald = 0
    delays: dict[int, int] = {}  # PostgreSQL: the percentiles' histogram, from the same pass
    for row in _ORIENTATIONS.rows(period):
        month, priority, ald, postal_code, city, source, days, in_period, in_month, count = row
        if days is not None:
            delays[int(days)] = delays.get(int(days), 0) + count
            continue
        if source is not None:
            by_source.setdefault(source, _no_source())["oriented"] += in_period
            sources_by_month[month].setdefault(source, _no_source())["oriented"] += in_month
            continue
        oriented += in_period
        months[month]["oriented"] += in_month
        by_priority.setdefault(str(priority), {"signalements": 0, "oriented": 0})
        by_priority[str(priority)]["oriented"] += in_period
        by_ald["ald" if ald else "non_ald"]["oriented"] += in_period
        commune = communes.entry(postal_code, city)
        commune["oriented"] += in_period
        if ald:
            oriented_ald += in_period
            months[month]["oriented_ald"] += in_month
            commune["oriented_ald"] += in_period

    cancelled_by_reason = dict.fromkeys(CANCEL_REASONS, 0)
    for month, reason, count in _CANCELLED.rows(period):
        reason = reason or "other"
        cancelled_by_reason[reason] = cancelled_by_reason.get(reason, 0) + count
        months[month]["cancelled"] += count

    now = utcnow()
    at = min(period.end, now)
    open_by_state, open_by_age = _open_cases(at, current=period.end >= now)

    median, p90 = _percentiles(period, (0.5, 0.9), delays or None)
    for label, sources in sources_by_month.items():
        months[label]["by_source"] = sources
    block = {
        "signalements": signalements,
        "oriented": oriented,
        "oriented_ald": oriented_ald,
        "median_days_to_orientation": _days(median),
        "p90_days_to_orientation": _days(p90),
        "open_by_state": open_by_state,
        "open_by_age": open_by_age,
        "open_total": sum(open_by_state.values()),
        "cancelled_by_reason": cancelled_by_reason,
        "cancelled": sum(cancelled_by_reason.values()),
        "by_priority": by_priority,
        "by_ald": by_ald,
        "by_source": by_source,
        "by_commune": communes.sorted(),
    }
    return block, months
