"""The allocation of waiting patients to GPs' places: speed at scale and optimality.

`matching_10k_seconds`: `GET /api/orientation/allocations/preview` as the coordinator over
10,000 triaged médecin-traitant cases and 1,000 GPs accepting new patients (5 places each,
5,000 in all) on PostgreSQL, through Flask, the directory and the solver; median of 3 warm
runs. The GPs and patients are spread over the communes within `REGION_KM` of Lyon, weighted
by population (a large territory: with every GP within the 30 km radius of every patient the
graph would hold ten million pairs).
`matching_gap_to_optimal`: on 200 random small instances, how many the solver answers with
a worse objective than the brute force (goal 0); `greedy_gap_to_optimal` counts the same for
the baseline a person would follow (priority order, nearest GP first), for comparison.

The database `relais_bench_matching` is this benchmark's own, seeded on each run.
"""

from __future__ import annotations

import os
import random
import statistics
import time

import psycopg

from shared.settings import Settings, normalise_database_url

PG_ADMIN_URL = os.environ.get("RELAIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_MATCHING_DB", "relais_bench_matching")
CASES = 10_000
GPS = 1_000
CAPACITY = 5
REGION_KM = 150.0
SMALL_INSTANCES = 200
RUNS = 3
EMAIL = "bench-coordination@relais.test"
PASSWORD = "Repartition-banc-essai-2026"  # noqa: S105 - local benchmark account


def _database_url() -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{DB_NAME}"


def _settings(url: str) -> Settings:
    return Settings(env="development", database_url=normalise_database_url(url))


def seed(url: str) -> None:
    """GPs and triaged cases drawn by the synthetic generators over a wide region."""
    from services.agenda.synthetic import generate_professionals
    from services.bootstrap import SCHEMA, create_app
    from services.orientation.indicators.synthetic import _medecin_traitant_case
    from shared.auth.service import create_user
    from shared.crypto import current_keyring
    from shared.extensions import db
    from shared.geo import all_communes, distance_km
    from shared.migrations.runner import upgrade
    from shared.synthetic import CENTRE, Context, Writer, make_pools, new_patient
    from shared.timeutil import utcnow

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    upgrade(url, SCHEMA)
    app = create_app(settings=_settings(url))
    with app.app_context():
        pools = make_pools(2026)
        region = [
            c
            for c in all_communes()
            if c.postal_codes
            and distance_km(CENTRE[0], CENTRE[1], c.latitude, c.longitude) <= REGION_KM
        ]
        pools.communes = [(c.postal_codes[0], c.name, c.latitude, c.longitude) for c in region]
        pools.weights = [float(c.population) for c in region]
        ctx = Context(
            rng=random.Random(2026),  # noqa: S311  # nosec B311 - reproducible data
            pools=pools,
            now=utcnow(),
            months=1,
            hash_key=current_keyring().keyed_hash,
        )
        writer = Writer()
        for table, row in generate_professionals(ctx, GPS):
            row.update(profession="gp", accepts_new_patients=True, new_patient_capacity=CAPACITY)
            writer.add([(table, row)])
        for number, created_at in enumerate(ctx.creation_times(CASES), start=1):
            table, case = _medecin_traitant_case(ctx, new_patient(ctx, number), created_at)[0]
            case.update(
                state="triaged",
                reference=f"MT-{created_at.year}-B{number:07d}",
                held_from=None,
                hold_reason=None,
                proposed_at=None,
                reminder_sent_at=None,
                excluded_professional_ids="[]",
                accepted_professional_id=None,
                accepted_at=None,
                appointment_date=None,
                first_visit_date=None,
                declared_on=None,
                oriented_at=None,
                previous_oriented_at=None,
                cancel_reason=None,
                cancelled_at=None,
            )
            writer.add([(table, case)])
        writer.flush()
        db.session.commit()
        create_user(email=EMAIL, password=PASSWORD, roles=["coordinator"])
        db.session.remove()
        db.engine.dispose()


def gaps() -> tuple[int, int, float]:
    """(instances the solver misses, instances greedy misses, greedy's mean shortfall of
    priority-1 placements) over SMALL_INSTANCES random instances."""
    from services.orientation.medecin_traitant.allocation import allocate, greedy
    from tests.support.allocation import brute_force_key, random_instance

    rng = random.Random(19)  # noqa: S311  # nosec B311 - reproducible instances
    solver_misses = greedy_misses = 0
    shortfall = 0
    for _ in range(SMALL_INSTANCES):
        demands, places = random_instance(rng, cases=7, gps=4)
        best = brute_force_key(demands, places)
        solver_misses += allocate(demands, places).key() != best
        baseline = greedy(demands, places).key()
        greedy_misses += baseline != best
        shortfall += best[0] - baseline[0]
    return solver_misses, greedy_misses, shortfall / SMALL_INSTANCES


def run() -> list[dict]:
    from services.bootstrap import create_app
    from shared.extensions import db

    url = _database_url()
    started = time.perf_counter()
    seed(url)
    seeded = time.perf_counter() - started
    app = create_app(settings=_settings(url))
    client = app.test_client()
    token = client.post("/api/auth/token", json={"email": EMAIL, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def call() -> dict:
        response = client.get("/api/orientation/allocations/preview", headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    found = call()
    times = []
    for _ in range(RUNS):
        begun = time.perf_counter()
        call()
        times.append(time.perf_counter() - begun)
    seconds = statistics.median(times)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    solver_misses, greedy_misses, shortfall = gaps()
    return [
        {
            "name": "matching_10k_seconds",
            "value": round(seconds, 3),
            "unit": "s",
            "goal": "<= 5.0",
            "passed": seconds <= 5.0,
            "cases": CASES,
            "gps": GPS,
            "assigned_by_priority": found["totals"]["assigned_by_priority"],
            "unassigned": len(found["unassigned"]),
            "seed_seconds": round(seeded, 1),
        },
        {
            "name": "matching_gap_to_optimal",
            "value": solver_misses,
            "unit": "instances",
            "goal": "== 0",
            "passed": solver_misses == 0,
            "instances": SMALL_INSTANCES,
            "greedy_gap_to_optimal": greedy_misses,
            "greedy_priority1_shortfall_mean": round(shortfall, 3),
        },
    ]
