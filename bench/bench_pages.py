"""Server time of the busiest pages with 10,000 open médecin-traitant cases.

`page_board_ms`: the coordinator's board (first page, all open cases, counts per state).
`page_case_ms`: a case page (patient, history, allowed actions, GP suggestions when triaged).
`page_indicators_ms`: the indicators page (last twelve months, four SVG charts).
Measured through the WSGI app in-process (Flask test client): no network, server time only.
PostgreSQL when reachable (`RELAIS_BENCH_PG`, default the local server; the database
`relais_bench_pages`, kept between runs), else SQLite.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import select

from bench.pages_timing import p95, page_times
from bench.runner import QUICK, kept_database, size
from services.bootstrap import SERVICES, create_app
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.extensions import db
from shared.settings import Settings

OPEN_CASES = size(10_000, 2_000, env="BENCH_PAGES_CASES")
GPS = 60
REQUESTS = size(200, 60)
WARMUP = 10
GOAL_MS = 100.0
PASSWORD = "bench-password-1234"  # noqa: S105 - throwaway benchmark account
PG_ADMIN_URL = os.environ.get("RELAIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _database() -> tuple[str, Callable[[], None]]:
    """The seeded database and the function that disposes of it: on PostgreSQL the benchmark's
    own, kept between runs while its sizes, the month and the migration heads are the same
    (`bench.runner.kept_database`); else a fresh SQLite file, seeded now."""
    from services.bootstrap import SCHEMA
    from shared.migrations.runner import upgrade
    from shared.settings import normalise_database_url
    from shared.timeutil import today_paris

    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError:
        folder = Path(tempfile.mkdtemp(prefix="relais-bench-"))
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        upgrade(url, SCHEMA)
        _seed_database(url)

        def drop() -> None:
            (folder / "bench.sqlite3").unlink(missing_ok=True)

        return url, drop
    name = "relais_bench_pages" + ("_quick" if QUICK else "")
    key = {"open_cases": OPEN_CASES, "gps": GPS, "seed": 7, "month": f"{today_paris():%Y-%m}"}
    kept = kept_database(name, key, lambda url: _seed_database(normalise_database_url(url)))
    return normalise_database_url(kept.url), lambda: None


def _seed_database(url: str) -> None:
    app = create_app(SERVICES, _settings(url))
    with app.app_context():
        _seed(random.Random(7))
        db.session.remove()
        db.engine.dispose()


def _settings(url: str) -> Settings:
    return Settings(env="test", database_url=url, secret_key="bench-secret-key")


def _seed(rng: random.Random) -> list[uuid.UUID]:
    """GPs, a coordinator, and OPEN_CASES generated cases; returns the cases' ids."""
    from services.agenda.directory.models import Professional
    from services.orientation.medecin_traitant.models import (
        MedecinTraitantCase,
        MedecinTraitantHistory,
    )
    from shared.auth.service import create_user
    from shared.extensions import db
    from shared.timeutil import utcnow

    communes = [("69003", "Lyon"), ("69100", "Villeurbanne"), ("69500", "Bron")]
    for index in range(GPS):
        postal_code, city = communes[index % len(communes)]
        db.session.add(
            Professional(
                rpps=f"{10_000_000_000 + index}",
                last_name=f"Bench{index}",
                first_name="Camille",
                profession="gp",
                postal_code=postal_code,
                city=city,
                latitude=45.75 + rng.random() / 20,
                longitude=4.85 + rng.random() / 20,
                accepts_new_patients=True,
                new_patient_capacity=10,
                languages=["fr"],
                home_visits=index % 2 == 0,
                teleconsultation=True,
            )
        )
    db.session.commit()
    coordinator = create_user(
        email="coordination@bench.relais.test", password=PASSWORD, roles=["coordinator"]
    )
    now = utcnow()
    ids: list[uuid.UUID] = []
    for chunk in range(0, OPEN_CASES, 1000):
        for n in range(chunk, min(chunk + 1000, OPEN_CASES)):
            postal_code, city = communes[n % len(communes)]
            state = "submitted" if n % 2 else "triaged"
            case = MedecinTraitantCase(
                id=uuid.uuid4(),
                reference=f"MT-2026-{n + 1:06d}",
                state=state,
                version=1 if state == "submitted" else 2,
                created_by=coordinator.id,
                created_at=now - dt.timedelta(minutes=n),
                ald=n % 3 == 0,
                vulnerabilities=["isolement"] if n % 4 == 0 else [],
                languages=["fr"],
                reason="Médecin parti à la retraite (données générées).",
                consent_at=now,
                priority=1 + n % 3,
                priority_score=n % 5,
                priority_reasons=["Généré pour la mesure"],
                synthesis="Synthèse générée." if state == "triaged" else None,
            )
            case.set_patient(
                {
                    "last_name": f"Mesure{n}",
                    "first_name": "Prénom",
                    "birth_date": dt.date(1940 + n % 60, 1 + n % 12, 1 + n % 28),
                    "sex": "F" if n % 2 else "M",
                    "nir": None,
                    "phone": "+33612345678",
                    "email": None,
                    "address": {
                        "line": f"{n} rue des Mesures",
                        "postal_code": postal_code,
                        "city": city,
                    },
                }
            )
            db.session.add(case)
            db.session.add(
                MedecinTraitantHistory(
                    case_id=case.id,
                    transition="submit",
                    to_state="submitted",
                    by="coordination@bench.relais.test",
                )
            )
            ids.append(case.id)
        db.session.commit()
    return ids


def run() -> list[dict]:
    """Seed, log in through the form, then time the board and case pages."""
    from tests.support.web import log_in

    url, drop = _database()
    try:
        app = create_app(SERVICES, _settings(url))
        rng = random.Random(8)
        with app.app_context():
            ids = list(db.session.scalars(select(MedecinTraitantCase.id)))
        client = app.test_client()
        log_in(client, "coordination@bench.relais.test", PASSWORD)
        board_urls = ["/orientation/cases"] * REQUESTS
        case_urls = [f"/orientation/cases/{rng.choice(ids)}" for _ in range(REQUESTS)]
        indicator_urls = ["/indicators/"] * REQUESTS
        page_times(client, board_urls[:WARMUP] + case_urls[:WARMUP] + indicator_urls[:WARMUP])
        board_samples = page_times(client, board_urls)
        case_samples = page_times(client, case_urls)
        indicator_samples = page_times(client, indicator_urls)
        board, case = p95(board_samples), p95(case_samples)
        indicators = p95(indicator_samples)
        backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    finally:
        drop()
    return [
        {
            "name": "page_board_ms",
            "value": round(board, 1),
            "unit": "ms p95",
            "goal": f"<= {GOAL_MS:.0f}",
            "passed": board <= GOAL_MS,
            "median_ms": round(statistics.median(board_samples), 1),
            "open_cases": OPEN_CASES,
            "backend": backend,
        },
        {
            "name": "page_case_ms",
            "value": round(case, 1),
            "unit": "ms p95",
            "goal": f"<= {GOAL_MS:.0f}",
            "passed": case <= GOAL_MS,
            "median_ms": round(statistics.median(case_samples), 1),
            "open_cases": OPEN_CASES,
            "backend": backend,
        },
        {
            "name": "page_indicators_ms",
            "value": round(indicators, 1),
            "unit": "ms p95",
            "goal": f"<= {GOAL_MS:.0f}",
            "passed": indicators <= GOAL_MS,
            "median_ms": round(statistics.median(indicator_samples), 1),
            "open_cases": OPEN_CASES,
            "backend": backend,
        },
    ]
