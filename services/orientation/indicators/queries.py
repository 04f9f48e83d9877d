"""SQL aggregations of the médecin-traitant block: every figure is counted by the database.

Python only receives grouped rows (a few dozen: month × priority × ALD, states, reasons,
communes) and arranges them; no case row is ever loaded here.

Time: periods are Europe/Paris calendar dates. They are turned into UTC instants in Python
(`period.py`) and months are labelled with a CASE over those instants, so the same SQL runs on
PostgreSQL and SQLite (which has no time zones) and DST changes fall where they should.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from services.orientation.indicators.period import Period
from services.orientation.medecin_traitant.machine import OPEN_STATES
from services.orientation.medecin_traitant.models import MedecinTraitantCase as Case
from services.orientation.medecin_traitant.models import MedecinTraitantHistory as History
from shared.extensions import db
from shared.geo import locate
from shared.timeutil import utcnow

CANCEL_REASONS = (
    "duplicate",
    "found_gp",
    "consent_withdrawn",
    "moved_out",
    "unreachable",
    "deceased",
    "other",
)
PRIORITIES = (1, 2, 3)
# Age of an open case (days since the signalement) at the end of the period.
AGE_BUCKETS = (("0_7_days", 7), ("8_30_days", 30), ("31_90_days", 90), ("over_90_days", None))
MONTHLY_FIGURES = ("signalements", "oriented", "oriented_ald", "cancelled")


def _between(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _month_of(column: Any, period: Period) -> Any:
    """The `YYYY-MM` label of an instant already known to lie inside the period."""
    return case(*((column < month.end, month.label) for month in period.months()))


def _percentiles(period: Period, fractions: tuple[float, ...]) -> list[float | None]:
    """Percentiles (linear interpolation) of days from signalement to orientation."""
    in_period = _between(Case.oriented_at, period)
    if db.session.get_bind().dialect.name == "postgresql":
        days = func.extract("epoch", Case.oriented_at - Case.created_at) / 86400.0
        columns = [func.percentile_cont(p).within_group(days) for p in fractions]
        return list(db.session.execute(select(*columns).where(in_period)).one())
    # SQLite has no percentile_cont: rank the rows with window functions and interpolate
    # between the two ranks around p·(n−1), which is exactly what percentile_cont does.
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


def _signalements(period: Period) -> list[Any]:
    """Cases created in the period, by month × priority × ALD (covering index on created_at)."""
    month = _month_of(Case.created_at, period)
    return list(
        db.session.execute(
            select(month, Case.priority, Case.ald, func.count())
            .where(_between(Case.created_at, period))
            .group_by(month, Case.priority, Case.ald)
        )
    )


def _distinct_oriented(period: Period, *dimensions: Any) -> list[Any]:
    """Distinct patients (and distinct ALD patients) oriented in the period, per group."""
    ald_key = case((Case.ald, Case.patient_key))
    query = select(
        *dimensions,
        func.count(Case.patient_key.distinct()),
        func.count(ald_key.distinct()),
    ).where(_between(Case.oriented_at, period))
    if dimensions:
        query = query.group_by(*dimensions)
    return list(db.session.execute(query))


def _cancelled(period: Period) -> list[Any]:
    month = _month_of(Case.cancelled_at, period)
    return list(
        db.session.execute(
            select(month, Case.cancel_reason, func.count())
            .where(_between(Case.cancelled_at, period))
            .group_by(month, Case.cancel_reason)
        )
    )


def _age_bucket(created_at: Any, at: dt.datetime) -> Any:
    whens = [
        (created_at > at - dt.timedelta(days=limit), label)
        for label, limit in AGE_BUCKETS
        if limit is not None
    ]
    return case(*whens, else_=AGE_BUCKETS[-1][0])


def _open_at(at: dt.datetime, *, current: bool) -> list[Any]:
    """Cases open at instant `at`, by the state they were in then and by age bucket.

    When `current` (`at` is now: the period ends today or later), the current state is the
    answer and the board's index on (state, …, created_at) serves it. For a past period the
    state at `at` is read from the history: the last transition before `at` of each case that
    was open then.
    """
    if current:
        bucket = _age_bucket(Case.created_at, at)
        query = (
            select(Case.state, bucket, func.count())
            .where(Case.state.in_(OPEN_STATES))
            .group_by(Case.state, bucket)
        )
        return list(db.session.execute(query))
    later = aliased(History)
    last_change = (
        select(func.max(later.at))
        .where(later.case_id == History.case_id, later.at < at)
        .scalar_subquery()
    )
    bucket = _age_bucket(Case.created_at, at)
    query = (
        select(History.to_state, bucket, func.count())
        .join(Case, Case.id == History.case_id)
        .where(
            Case.created_at < at,
            or_(Case.oriented_at.is_(None), Case.oriented_at >= at),
            or_(Case.cancelled_at.is_(None), Case.cancelled_at >= at),
            History.at == last_change,
        )
        .group_by(History.to_state, bucket)
    )
    return list(db.session.execute(query))


def _communes(period: Period) -> list[dict[str, Any]]:
    """Signalements and oriented patients by the patient's commune (INSEE code when known)."""
    created = db.session.execute(
        select(Case.patient_postal_code, Case.patient_city, func.count())
        .where(_between(Case.created_at, period))
        .group_by(Case.patient_postal_code, Case.patient_city)
    )
    oriented = _distinct_oriented(period, Case.patient_postal_code, Case.patient_city)
    # Aggregated groups (one per spelling of a commune) merged on the INSEE code: spellings
    # vary ("Lyon", "LYON 3e"), the code does not.
    merged: dict[str, dict[str, Any]] = {}

    def entry(postal_code: str, city: str) -> dict[str, Any]:
        commune = locate(postal_code, city)
        key = commune.insee if commune else f"{postal_code} {city.strip().upper()}"
        return merged.setdefault(
            key,
            {
                "insee": commune.insee if commune else None,
                "commune": commune.name if commune else city.strip(),
                "postal_code": postal_code,
                "signalements": 0,
                "oriented": 0,
                "oriented_ald": 0,
            },
        )

    for postal_code, city, count in created:
        entry(postal_code, city)["signalements"] += count
    for postal_code, city, patients, ald_patients in oriented:
        row = entry(postal_code, city)
        row["oriented"] += patients
        row["oriented_ald"] += ald_patients
    return sorted(merged.values(), key=lambda row: (-row["signalements"], row["commune"]))


def _days(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def medecin_traitant_block(period: Period) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """The `medecin_traitant` block and its figures per month (`{"YYYY-MM": {...}}`)."""
    months = {m.label: dict.fromkeys(MONTHLY_FIGURES, 0) for m in period.months()}
    by_priority = {str(p): {"signalements": 0, "oriented": 0} for p in PRIORITIES}
    by_ald = {key: {"signalements": 0, "oriented": 0} for key in ("ald", "non_ald")}

    signalements = 0
    for month, priority, ald, count in _signalements(period):
        signalements += count
        months[month]["signalements"] += count
        by_priority.setdefault(str(priority), {"signalements": 0, "oriented": 0})
        by_priority[str(priority)]["signalements"] += count
        by_ald["ald" if ald else "non_ald"]["signalements"] += count

    ((oriented, oriented_ald),) = _distinct_oriented(period)
    for month, patients, ald_patients in _distinct_oriented(
        period, _month_of(Case.oriented_at, period)
    ):
        months[month]["oriented"] = patients
        months[month]["oriented_ald"] = ald_patients
    for priority, patients, _ald in _distinct_oriented(period, Case.priority):
        by_priority.setdefault(str(priority), {"signalements": 0, "oriented": 0})
        by_priority[str(priority)]["oriented"] = patients
    for ald, patients, _ald in _distinct_oriented(period, Case.ald):
        by_ald["ald" if ald else "non_ald"]["oriented"] = patients

    cancelled_by_reason = dict.fromkeys(CANCEL_REASONS, 0)
    for month, reason, count in _cancelled(period):
        reason = reason or "other"
        cancelled_by_reason[reason] = cancelled_by_reason.get(reason, 0) + count
        months[month]["cancelled"] += count

    now = utcnow()
    at = min(period.end, now)
    open_by_state = dict.fromkeys(OPEN_STATES, 0)
    open_by_age = {label: 0 for label, _limit in AGE_BUCKETS}
    for state, bucket, count in _open_at(at, current=period.end >= now):
        open_by_state[state] = open_by_state.get(state, 0) + count
        open_by_age[bucket] += count

    median, p90 = _percentiles(period, (0.5, 0.9))
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
        "by_commune": _communes(period),
    }
    return block, months
