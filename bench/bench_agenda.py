"""Agenda benchmarks on PostgreSQL through the HTTP API of a real `relais serve agenda`.

- `booking_race_winners`: 50 clients book one slot at the same instant; exactly one may win.
- `slot_search_ms`: p95 of a free-slot search near a commune over 20,000 slots of 500 GPs.

Uses its own database (dropped afterwards) and ports 18310-18319 on 127.0.0.1 only.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import psycopg
import requests
from sqlalchemy import insert, text

from bench.accounts import token_account
from bench.live_server import live_server
from bench.runner import size
from services.agenda.bookings.models import Booking
from services.agenda.directory.models import Professional
from services.agenda.slots.models import Slot
from services.bootstrap import SCHEMA, create_app
from shared.extensions import db
from shared.geo import all_communes, distance_km, locate
from shared.migrations.runner import upgrade
from shared.settings import Settings
from shared.timeutil import PARIS, utcnow

PG_ADMIN_URL = os.environ.get("RELAIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PORTS = range(18310, 18320)
SECRET = "bench-secret-key-not-for-production"  # noqa: S105
RACERS = 50
GPS = 500
SLOTS_PER_GP = 40
SEARCHES = size(200, 60)
ORIGIN = ("69003", "Lyon")
# The one generated patient of the benchmarks' bookings.
BENCH_PATIENT = {
    "last_name": "Bancdessai",
    "first_name": "Dominique",
    "birth_date": dt.date(1950, 1, 1),
    "sex": "X",
    "nir": None,
    "phone": "+33612345678",
    "email": None,
    "address": {"line": "1 rue du Banc", "postal_code": "69003", "city": "Lyon"},
}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _create_database() -> tuple[str, str]:
    name = f"relais_bench_agenda_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def _drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _token(role: str, professional_id: uuid.UUID | None = None) -> str:
    return token_account(role, f"bench-{role}-{uuid.uuid4().hex[:10]}@relais.test", professional_id)


def _seed() -> dict:
    """500 GPs around Lyon, 40 slots each over 20 days (a tenth booked), 50 bookers."""
    rng = random.Random(20261125)  # noqa: S311 - reproducible demo data
    origin = locate(*ORIGIN)
    nearby = [
        c
        for c in all_communes()
        if distance_km(origin.latitude, origin.longitude, c.latitude, c.longitude) < 60
        and c.postal_codes
    ]
    professionals = []
    for index in range(GPS):
        commune = rng.choice(nearby)
        professionals.append(
            {
                "id": uuid.uuid4(),
                "rpps": f"9{index:010d}",
                "last_name": f"Banc{index}",
                "first_name": "Camille",
                "profession": "gp",
                "postal_code": commune.postal_codes[0],
                "city": commune.name,
                "latitude": commune.latitude,
                "longitude": commune.longitude,
                "accepts_new_patients": True,
                "new_patient_capacity": 5,
                "languages": ["fr"],
                "home_visits": False,
                "teleconsultation": True,
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
    db.session.execute(insert(Professional), professionals)
    creator = uuid.uuid4()
    today = utcnow().astimezone(PARIS).date()
    slots = []
    for index, professional in enumerate(professionals):
        for j in range(SLOTS_PER_GP):
            day = today + dt.timedelta(days=1 + j // 2)
            local = dt.datetime.combine(day, dt.time(8), tzinfo=PARIS) + dt.timedelta(
                minutes=30 * ((index + j) % 20)
            )
            slots.append(
                {
                    "id": uuid.uuid4(),
                    "professional_id": professional["id"],
                    "kind": "teleconsultation" if j % 5 == 0 else "snp",
                    "start_at": local.astimezone(dt.UTC),
                    "end_at": (local + dt.timedelta(minutes=20)).astimezone(dt.UTC),
                    "created_by": creator,
                    "created_at": utcnow(),
                }
            )
    db.session.execute(insert(Slot), slots)
    booked = rng.sample(slots, len(slots) // 10)
    for slot in booked:
        booking = Booking(
            slot_id=slot["id"],
            professional_id=slot["professional_id"],
            kind=slot["kind"],
            start_at=slot["start_at"],
            end_at=slot["end_at"],
            reason="Banc d'essai",
            created_by=creator,
            created_by_email="bench@relais.test",
        )
        booking.set_patient(BENCH_PATIENT)
        db.session.add(booking)
    race_gp = professionals[0]["id"]
    race_start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(21), tzinfo=PARIS)
    race_slot = Slot(
        professional_id=race_gp,
        kind="snp",
        start_at=race_start.astimezone(dt.UTC),
        end_at=(race_start + dt.timedelta(minutes=20)).astimezone(dt.UTC),
        created_by=creator,
    )
    db.session.add(race_slot)
    tokens = [_token("professional") for _ in range(RACERS)]
    db.session.commit()
    # A bulk load leaves the planner without statistics until autovacuum passes; a live
    # agenda filled slot by slot has them, so give them now.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"race_slot": str(race_slot.id), "tokens": tokens, "slots": len(slots) + 1}


def _race(base: str, slot_id: str, tokens: list[str]) -> list[tuple[int, float]]:
    barrier = threading.Barrier(len(tokens))
    body = {
        "patient": {
            "last_name": "Bancdessai",
            "first_name": "Dominique",
            "birth_date": "1950-01-01",
            "sex": "X",
            "phone": "0612345678",
            "address": {"line": "1 rue du Banc", "postal_code": "69003", "city": "Lyon"},
        },
        "reason": "Course au créneau.",
    }

    def attempt(token: str) -> tuple[int, float]:
        session = requests.Session()
        barrier.wait(timeout=60)
        started = time.perf_counter()
        response = session.post(
            f"{base}/api/agenda/slots/{slot_id}/booking",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        return response.status_code, (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(attempt, tokens))


def _searches(base: str, token: str) -> tuple[list[float], int]:
    session = requests.Session()
    now = utcnow()
    params = {
        "from": now.isoformat(),
        "to": (now + dt.timedelta(days=2)).isoformat(),
        "kind": "snp",
        "postal_code": ORIGIN[0],
        "city": ORIGIN[1],
        "radius_km": 20,
        "available": "true",
        "per_page": 20,
    }
    url = f"{base}/api/agenda/slots?{urlencode(params)}"
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(10):  # warm-up: commune index, connection pool, query plans
        session.get(url, headers=headers, timeout=30)
    timings, total = [], 0
    for _ in range(SEARCHES):
        started = time.perf_counter()
        response = session.get(url, headers=headers, timeout=30)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        total = response.json()["total"]
    return timings, total


def run() -> list[dict]:
    """Both agenda figures, measured on a fresh PostgreSQL database."""
    name, url = _create_database()
    try:
        upgrade(url, SCHEMA)
        app = create_app(("agenda",), Settings(env="test", database_url=url, secret_key=SECRET))
        with app.app_context():
            seeded = _seed()
            db.session.remove()
            db.engine.dispose()
        with live_server(
            service="agenda", database_url=url, secret_key=SECRET, ports=PORTS
        ) as base:
            outcomes = _race(base, seeded["race_slot"], seeded["tokens"])
            timings, matched = _searches(base, seeded["tokens"][0])
    finally:
        _drop_database(name)
    statuses = [status for status, _ms in outcomes]
    winners = statuses.count(201)
    loser_ms = [ms for status, ms in outcomes if status != 201]
    return [
        {
            "name": "booking_race_winners",
            "value": winners,
            "unit": "201s",
            "goal": "== 1",
            "passed": winners == 1 and statuses.count(409) == RACERS - 1,
            "clients": RACERS,
            "conflicts_409": statuses.count(409),
            "errors_5xx": sum(1 for s in statuses if s >= 500),
            "loser_p95_ms": round(_percentile(loser_ms, 0.95), 1) if loser_ms else None,
        },
        {
            "name": "slot_search_ms",
            "value": round(_percentile(timings, 0.95), 2),
            "unit": "ms (p95)",
            "goal": "<= 50",
            "passed": _percentile(timings, 0.95) <= 50,
            "median_ms": round(statistics.median(timings), 2),
            "slots": seeded["slots"],
            "gps": GPS,
            "searches": SEARCHES,
            "matched_free_slots": matched,
            # The machine is shared: the load average says how much the figure is inflated.
            "load_average_1min": round(os.getloadavg()[0], 2),
            "cpu_count": os.cpu_count(),
        },
    ]
