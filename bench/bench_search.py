"""Finding a patient among a million cases: `GET /api/orientation/search` as the coordinator.

`search_p95_ms`: the 95th percentile of the whole API call (Flask, token, every case type of
both services, the audit of the cases listed), as the coordinator, who may see every case (the
largest answer), over a mix of terms drawn from the database: a last name, "first last", a
full reference, a reference's digits, a phone number (RUNS calls each, after one warm-up).
Goal ≤ 100 ms on PostgreSQL over 1,000,000 cases.

The database `relais_bench_search` is this benchmark's own, seeded once with the synthetic
generator (BENCH_SEARCH_CASES cases, 1,000,000 by default) and kept between runs while it holds
that many cases. `BENCH_SEARCH_CASES=20000 python -m bench search` checks that it runs.
"""

from __future__ import annotations

import os
import random
import statistics
import time

import psycopg
from sqlalchemy import select

from shared.settings import Settings, normalise_database_url

PG_ADMIN_URL = os.environ.get("RELAIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_SEARCH_DB", "relais_bench_search")
CASES = int(os.environ.get("BENCH_SEARCH_CASES", "1000000"))
TERMS_PER_KIND = int(os.environ.get("BENCH_SEARCH_TERMS", "20"))
EMAIL = "bench-coordinator@relais.test"
PASSWORD = "Recherche-banc-essai-2026"  # noqa: S105 - local benchmark account
GOAL_MS = 100.0


def _database_url() -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{DB_NAME}"


def _settings(url: str) -> Settings:
    return Settings(env="development", database_url=normalise_database_url(url))


def _existing_cases() -> int | None:
    try:
        with psycopg.connect(_database_url()) as conn:
            return conn.execute("SELECT count(*) FROM orientation_mt_cases").fetchone()[0]
    except psycopg.Error:
        return None


def prepare() -> tuple[str, float | None]:
    """The benchmark database with CASES synthetic cases; seconds spent seeding (None: reused)."""
    from services.bootstrap import SCHEMA, create_app
    from services.orientation.indicators.synthetic import case_mix, seed_synthetic
    from shared.auth.models import User
    from shared.auth.service import create_user
    from shared.extensions import db
    from shared.migrations.runner import upgrade

    url = _database_url()
    reuse = _existing_cases() == case_mix(CASES)["medecin_traitant"]
    if not reuse:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    upgrade(url, SCHEMA)
    app = create_app(settings=_settings(url))
    started = time.perf_counter()
    with app.app_context():
        if not reuse:
            seed_synthetic(cases=CASES, professionals=500, months=12, seed=2026)
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        if db.session.scalar(select(User).where(User.email == EMAIL)) is None:
            create_user(email=EMAIL, password=PASSWORD, roles=["coordinator"])
        db.session.remove()
        db.engine.dispose()
    return url, None if reuse else time.perf_counter() - started


def terms(url: str, per_kind: int) -> dict[str, list[str]]:
    """Search terms of each kind, drawn from the cases (a fixed seed: the same every run)."""
    rng = random.Random(2026)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT patient_last_name, patient_first_name, reference FROM orientation_mt_cases "
            "TABLESAMPLE SYSTEM (1) REPEATABLE (2026) LIMIT %s",
            (per_kind * 5,),
        ).fetchall()
        if len(rows) < per_kind:  # a small database: a sample of one per cent is too small
            rows = conn.execute(
                "SELECT patient_last_name, patient_first_name, reference "
                "FROM orientation_mt_cases ORDER BY id LIMIT %s",
                (per_kind * 5,),
            ).fetchall()
    picked = rng.sample(rows, min(per_kind, len(rows)))
    phones = [f"06{rng.randrange(10**8):08d}" for _ in range(per_kind)]
    return {
        "last_name": [last for last, _first, _ref in picked],
        "first_last": [f"{first} {last}" for last, first, _ref in picked],
        "reference": [ref for _last, _first, ref in picked],
        "digits": [ref.rsplit("-", 1)[1] for _last, _first, ref in picked],
        "phone": phones,
    }


def run() -> list[dict]:
    from services.bootstrap import create_app
    from shared.extensions import db

    url, seeded_in = prepare()
    app = create_app(settings=_settings(url))
    client = app.test_client()
    token = client.post("/api/auth/token", json={"email": EMAIL, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def call(q: str) -> float:
        started = time.perf_counter()
        response = client.get("/api/orientation/search", query_string={"q": q}, headers=headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.get_json()
        return elapsed * 1000

    by_kind: dict[str, list[float]] = {}
    found = 0
    for kind, values in terms(url, TERMS_PER_KIND).items():
        call(values[0])  # warm-up
        by_kind[kind] = [call(q) for q in values]
        found += len(values)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    every = [ms for times in by_kind.values() for ms in times]
    p95 = statistics.quantiles(every, n=20)[-1] if len(every) > 1 else every[0]
    return [
        {
            "name": "search_p95_ms",
            "value": round(p95, 1),
            "unit": "ms",
            "goal": f"<= {GOAL_MS:.0f}",
            "passed": p95 <= GOAL_MS,
            "cases": CASES,
            "calls": found,
            "p95_ms_by_term": {
                kind: round(statistics.quantiles(times, n=20)[-1], 1) if len(times) > 1 else None
                for kind, times in by_kind.items()
            },
            "seed_seconds": None if seeded_in is None else round(seeded_in, 1),
        }
    ]
