"""Indicators on a million cases: the full API call, and its ratio to hand-written SQL.

`indicators_1m_seconds`: `GET /api/orientation/indicators` over the last 12 months (JSON, as
the reporting role, through Flask, the registry and every breakdown), median of 7 warm runs.
`indicators_1m_ratio`: that time / the median time of the hand-written SQL for the headline
counts (signalements, distinct oriented patients, ALD, median days, open by state, cancelled
by reason), runs interleaved with the full call on the same database in the same run.
`indicators_1m_past_seconds`: the same call for 12 months that ended 60 days ago, where open
cases by state are those of the period's end, rebuilt from the history (same goal).
`indicators_1m_xlsx_seconds`: the last 12 months as the XLSX file the board hands over (same
goal; the CSV is the same document written more simply).
`indicators_1m_pdf_seconds`: the annual report PDF (`/indicators/report?year=`, WeasyPrint) of
the calendar year holding most of the last 12 months, median of 3 runs (goal: 5 s).

The database `relais_bench_indicators` (`relais_bench_indicators_quick` in quick mode) is this
benchmark's own; it is seeded with the synthetic generator (BENCH_INDICATORS_CASES cases,
1,000,000 by default, 50,000 in quick mode) and kept between runs by `bench.runner.kept_database`
while the seed, the sizes, the month and the code's migration heads are the same, since
generating a million cases takes minutes (the month: the data spans the 12 months before it was
generated, and the figures read the last 12 months).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time

import psycopg

from bench.runner import QUICK, kept_database, size
from shared.settings import Settings, normalise_database_url

DB_NAME = os.environ.get("BENCH_INDICATORS_DB") or (
    "relais_bench_indicators" + ("_quick" if QUICK else "")
)
CASES = size(1_000_000, 50_000, env="BENCH_INDICATORS_CASES")
RUNS = 7
EMAIL = "bench-reporting@relais.test"
PASSWORD = "Indicateurs-banc-essai-2026"  # noqa: S105 - local benchmark account

# The headline counts as a person would write them by hand on this schema: distinct oriented
# patients through `previous_oriented_at` (see docs/indicators.md), median in the same pass.
HEADLINE_SQL = (
    "SELECT count(*) FROM orientation_mt_cases WHERE created_at >= %(s)s AND created_at < %(e)s",
    "SELECT count(*) FILTER (WHERE previous_oriented_at IS NULL OR previous_oriented_at < %(s)s),"
    " count(*) FILTER (WHERE ald AND (previous_oriented_at IS NULL"
    " OR previous_oriented_at < %(s)s)),"
    " percentile_cont(0.5) WITHIN GROUP"
    " (ORDER BY extract(epoch FROM oriented_at - created_at) / 86400)"
    " FROM orientation_mt_cases WHERE oriented_at >= %(s)s AND oriented_at < %(e)s",
    "SELECT state, count(*) FROM orientation_mt_cases "
    "WHERE state IN ('submitted', 'triaged', 'proposed', 'accepted', 'on_hold') GROUP BY state",
    "SELECT cancel_reason, count(*) FROM orientation_mt_cases "
    "WHERE cancelled_at >= %(s)s AND cancelled_at < %(e)s GROUP BY cancel_reason",
)
# The textbook distinct count, for information: what the previous_oriented_at column saves.
NAIVE_DISTINCT_SQL = (
    "SELECT count(DISTINCT patient_key), count(DISTINCT CASE WHEN ald THEN patient_key END) "
    "FROM orientation_mt_cases WHERE oriented_at >= %(s)s AND oriented_at < %(e)s"
)


def _build(url: str) -> None:
    """Seed CASES synthetic cases and the reporting account."""
    from services.bootstrap import create_app
    from services.orientation.indicators.synthetic import seed_synthetic
    from shared.auth.service import create_user
    from shared.extensions import db

    app = create_app(settings=_settings(url))
    with app.app_context():
        seed_synthetic(cases=CASES, professionals=500, months=12, seed=2026)
        create_user(email=EMAIL, password=PASSWORD, roles=["reporting"])
        db.session.remove()
        db.engine.dispose()


def prepare() -> tuple[str, float | None]:
    """The benchmark database with CASES synthetic cases; seconds spent building it (None:
    reused)."""
    from shared.timeutil import today_paris

    key = {"cases": CASES, "professionals": 500, "months": 12, "seed": 2026}
    kept = kept_database(DB_NAME, {**key, "month": f"{today_paris():%Y-%m}"}, _build)
    return kept.url, kept.built_seconds


def _settings(url: str) -> Settings:
    return Settings(env="development", database_url=normalise_database_url(url))


def _seconds(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _interleaved_medians(first, second, runs: int = RUNS) -> tuple[float, float]:
    """Median times of two actions run alternately, so a change of load on the machine
    weighs on both alike (one warm-up run each first)."""
    first()
    second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        times[0].append(_seconds(first))
        times[1].append(_seconds(second))
    return statistics.median(times[0]), statistics.median(times[1])


def run() -> list[dict]:
    from services.bootstrap import create_app
    from shared.extensions import db
    from shared.periods import Period
    from shared.timeutil import today_paris

    url, seeded_in = prepare()
    last = today_paris()
    period = Period(last - dt.timedelta(days=364), last)
    query = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    app = create_app(settings=_settings(url))
    client = app.test_client()
    token = client.post("/api/auth/token", json={"email": EMAIL, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def call(period_query: dict[str, str]) -> None:
        response = client.get(
            "/api/orientation/indicators", query_string=period_query, headers=headers
        )
        assert response.status_code == 200, response.get_json()

    def full_call() -> None:
        call(query)

    past_end = last - dt.timedelta(days=60)
    past_query = {
        "from": (past_end - dt.timedelta(days=364)).isoformat(),
        "to": past_end.isoformat(),
    }

    with psycopg.connect(url) as conn:
        bounds = {"s": period.start, "e": period.end}

        def hand_written() -> None:
            for statement in HEADLINE_SQL:
                conn.execute(statement, bounds).fetchall()

        full, baseline = _interleaved_medians(full_call, hand_written)
        past = statistics.median(_seconds(lambda: call(past_query)) for _ in range(RUNS))
        xlsx = statistics.median(
            _seconds(lambda: call({**query, "format": "xlsx"})) for _ in range(RUNS)
        )
        naive = _seconds(lambda: conn.execute(NAIVE_DISTINCT_SQL, bounds).fetchall())
    report_year = (last - dt.timedelta(days=182)).year

    def pdf() -> None:
        response = client.get(
            "/api/orientation/indicators/report",
            query_string={"year": report_year},
            headers=headers,
        )
        assert response.status_code == 200 and response.data[:5] == b"%PDF-"

    pdf_seconds = statistics.median(_seconds(pdf) for _ in range(3))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    extra = {"cases": CASES, "seed_seconds": None if seeded_in is None else round(seeded_in, 1)}
    return [
        {
            "name": "indicators_1m_seconds",
            "value": round(full, 3),
            "unit": "s",
            "goal": "<= 1.0",
            "passed": full <= 1.0,
            **extra,
        },
        {
            "name": "indicators_1m_ratio",
            "value": round(full / baseline, 2),
            "unit": "ratio",
            "goal": "<= 2.0",
            "passed": full / baseline <= 2.0,
            "baseline_seconds": round(baseline, 3),
            "count_distinct_seconds": round(naive, 3),
            **extra,
        },
        {
            "name": "indicators_1m_past_seconds",
            "value": round(past, 3),
            "unit": "s",
            "goal": "<= 1.0",
            "passed": past <= 1.0,
            "period": past_query,
            **extra,
        },
        {
            "name": "indicators_1m_xlsx_seconds",
            "value": round(xlsx, 3),
            "unit": "s",
            "goal": "<= 1.0",
            "passed": xlsx <= 1.0,
            **extra,
        },
        {
            "name": "indicators_1m_pdf_seconds",
            "value": round(pdf_seconds, 3),
            "unit": "s",
            "goal": "<= 5.0",
            "passed": pdf_seconds <= 5.0,
            "year": report_year,
            **extra,
        },
    ]
