"""The SAS slot search on PostgreSQL through HTTP, as the national platform calls it.

- `sas_search_ms`: p95 of `GET /fhir/sas/Slot` for 25 practitioners over a 72 h window, with
  100,000 slots in the database (goal ≤ 200 ms; the ANS test kit requires under 1 s).

500 GPs publish 200 slots each over eight weeks (four past, four to come), 3 or 4 a day: a tenth
are teleconsultations, a tenth are kept out of the SAS, a tenth of the SNP slots to come are
booked. Each search names 25 GPs drawn at random, with the four include chains, so an answer
carries about 200 Slots and 77 other resources. Served by a real `relais serve agenda`; uses its
own database, `relais_bench_sas`, kept between the runs of one day (`bench.runner`), and ports
18340-18349 on 127.0.0.1 only. Quick mode: 100 GPs (20,000 slots).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
import uuid
from unittest import mock

import requests
from sqlalchemy import insert, text

from bench.bench_agenda import BENCH_PATIENT
from bench.live_server import live_server
from bench.runner import QUICK, kept_database, size
from services.agenda.bookings.models import Booking
from services.agenda.directory.models import Professional
from services.agenda.sas.schemas import IDNPS_SYSTEM, PRACTITIONER_PARAMETER
from services.agenda.slots.models import Slot
from services.bootstrap import create_app
from shared.extensions import db
from shared.settings import Settings, normalise_database_url
from shared.timeutil import PARIS, today_paris, utcnow

PORTS = range(18340, 18350)
SECRET = "bench-secret-key-not-for-production"  # noqa: S105
TOKEN = "bench-sas-token-not-for-production"  # noqa: S105
GPS = size(500, 100, env="BENCH_SAS_GPS")
SLOTS_PER_GP = 200
DAYS = 56  # four weeks back, four weeks ahead
CELLS = 36  # 20-minute cells from 08:00 to 20:00 Paris time
PER_SEARCH = 25
SEARCHES = size(200, 60)
GOAL_MS = 200


def _professionals() -> list[dict]:
    now = utcnow()
    return [
        {
            "id": uuid.uuid4(),
            "rpps": f"1{index:010d}",
            "last_name": f"Banc{index}",
            "first_name": "Camille",
            "profession": "gp",
            "address": f"{index + 1} rue de l'Essai",
            "postal_code": "69003",
            "city": "Lyon",
            "phone": "+33478000000",
            "accepts_new_patients": True,
            "new_patient_capacity": 5,
            "languages": ["fr"],
            "home_visits": False,
            "teleconsultation": True,
            "created_at": now,
            "updated_at": now,
        }
        for index in range(GPS)
    ]


def _slots(professionals: list[dict]) -> list[dict]:
    """200 slots per GP on distinct cells: day `j % 56`, cell `i + 7 × (j // 56)`."""
    first_day = utcnow().astimezone(PARIS).date() - dt.timedelta(days=DAYS // 2)
    creator, now = uuid.uuid4(), utcnow()
    rows = []
    for index, professional in enumerate(professionals):
        for j in range(SLOTS_PER_GP):
            day = first_day + dt.timedelta(days=j % DAYS)
            cell = (index + 7 * (j // DAYS)) % CELLS
            start = dt.datetime.combine(day, dt.time(8), tzinfo=PARIS) + dt.timedelta(
                minutes=20 * cell
            )
            kind = "teleconsultation" if j % 10 == 0 else "snp"
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "professional_id": professional["id"],
                    "kind": kind,
                    "start_at": start.astimezone(dt.UTC),
                    "end_at": (start + dt.timedelta(minutes=20)).astimezone(dt.UTC),
                    "created_by": creator,
                    "created_at": now,
                    "sas_visible": kind == "snp" and j % 10 != 1,
                }
            )
    return rows


def _bookings(slots: list[dict], rng: random.Random) -> list[dict]:
    """A tenth of the SNP slots to come, booked for one generated patient."""
    sample = Booking()
    sample.set_patient(BENCH_PATIENT)
    patient = {c.name: getattr(sample, c.name) for c in Booking.__table__.columns}
    patient = {name: value for name, value in patient.items() if name.startswith("patient_")}
    now = utcnow()
    future = [s for s in slots if s["kind"] == "snp" and s["start_at"] > now]
    return [
        {
            **patient,
            "id": uuid.uuid4(),
            "slot_id": slot["id"],
            "professional_id": slot["professional_id"],
            "kind": slot["kind"],
            "start_at": slot["start_at"],
            "end_at": slot["end_at"],
            "reason": "Banc d'essai",
            "created_by": slot["created_by"],
            "created_by_email": "bench@relais.test",
            "created_at": now,
        }
        for slot in rng.sample(future, len(future) // 10)
    ]


def _seed() -> list[str]:
    """The directory, 100,000 slots and their bookings; returns the GPs' RPPS numbers."""
    rng = random.Random(20261205)  # noqa: S311 - reproducible benchmark data
    professionals = _professionals()
    db.session.execute(insert(Professional), professionals)
    slots = _slots(professionals)
    for first in range(0, len(slots), 10_000):
        db.session.execute(insert(Slot), slots[first : first + 10_000])
    db.session.execute(insert(Booking), _bookings(slots, rng))
    db.session.commit()
    # A bulk load leaves the planner without statistics until autovacuum passes.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return [p["rpps"] for p in professionals]


def _query(rpps: list[str]) -> list[tuple[str, str]]:
    now = utcnow().astimezone(PARIS)
    return [
        ("_include", "Slot:schedule"),
        ("_include", "Slot:service-type-reference"),
        ("_include:iterate", "Schedule:actor"),
        ("_include:iterate", "HealthcareService:organization"),
        (PRACTITIONER_PARAMETER, ",".join(f"{IDNPS_SYSTEM}|8{number}" for number in rpps)),
        ("start", f"ge{now.isoformat(timespec='milliseconds')}"),
        ("start", f"le{(now + dt.timedelta(hours=72)).isoformat(timespec='milliseconds')}"),
        ("status", "free"),
    ]


def _searches(base: str, rpps: list[str]) -> dict:
    rng = random.Random(72)  # noqa: S311 - the same practitioners on every run
    session = requests.Session()
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/fhir+json"}
    url = f"{base}/fhir/sas/Slot"
    for _ in range(10):  # warm-up: models, compiled FHIRPath, connection pool, query plans
        session.get(url, params=_query(rng.sample(rpps, PER_SEARCH)), headers=headers, timeout=30)
    timings, matched, sizes = [], [], []
    for _ in range(SEARCHES):
        params = _query(rng.sample(rpps, PER_SEARCH))
        started = time.perf_counter()
        response = session.get(url, params=params, headers=headers, timeout=30)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        matched.append(response.json()["total"])
        sizes.append(len(response.content))
    return {"timings": timings, "matched": matched, "sizes": sizes}


def _build(url: str) -> None:
    app = create_app(
        ("agenda",),
        Settings(env="test", database_url=normalise_database_url(url), secret_key=SECRET),
    )
    with app.app_context():
        _seed()
        db.session.remove()
        db.engine.dispose()


def run() -> list[dict]:
    """The SAS search figure, on the benchmark's PostgreSQL database (kept between runs of the
    same day, `bench.runner.kept_database`)."""
    kept = kept_database(
        "relais_bench_sas" + ("_quick" if QUICK else ""),
        # The slots lie around the day they were made: a new day, new slots.
        {"gps": GPS, "slots_per_gp": SLOTS_PER_GP, "seed": 20261205, "day": f"{today_paris()}"},
        _build,
    )
    url = normalise_database_url(kept.url)
    rpps = [f"1{index:010d}" for index in range(GPS)]  # as `_professionals` numbers them
    sas = {
        "SAS_API_TOKEN": TOKEN,
        "CPTS_NAME": "CPTS du banc d'essai",
        "CPTS_FINESS": "690000000",
        "CPTS_PHONE": "04 78 00 00 00",
        "PUBLIC_URL": "https://relais.example",
    }
    with (
        mock.patch.dict(os.environ, sas),
        live_server(service="agenda", database_url=url, secret_key=SECRET, ports=PORTS) as base,
    ):
        measured = _searches(base, rpps)
    timings = measured["timings"]
    p95 = statistics.quantiles(timings, n=20)[-1]
    return [
        {
            "name": "sas_search_ms",
            "value": round(p95, 2),
            "unit": "ms (p95)",
            "goal": f"<= {GOAL_MS}",
            "passed": p95 <= GOAL_MS,
            "median_ms": round(statistics.median(timings), 2),
            "max_ms": round(max(timings), 2),
            "kit_limit_ms": 1000,
            "slots": GPS * SLOTS_PER_GP,
            # None: the database of an earlier run of the day was reused.
            "database_built_seconds": None
            if kept.built_seconds is None
            else round(kept.built_seconds, 1),
            "practitioners_per_search": PER_SEARCH,
            "window_hours": 72,
            "searches": SEARCHES,
            "matched_slots_median": statistics.median(measured["matched"]),
            "answer_kib_median": round(statistics.median(measured["sizes"]) / 1024, 1),
            # The machine is shared: the load average says how much the figure is inflated.
            "load_average_1min": round(os.getloadavg()[0], 2),
            "cpu_count": os.cpu_count(),
        }
    ]
