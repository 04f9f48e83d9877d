"""Server time of every list page with 10,000 open cases of its kind (issue 18's goal: p95
≤ 150 ms a page).

One figure per list, `list_<name>_ms`: the p95 over requests that mix its first page (default
order), a page deep in the list and another order, as the coordinator sees it (the widest
visibility): the médecin-traitant board, the discharges' list view and their worklist, EPP
referrals, teleconsultations, bookings (every booking) and the inbox. Measured through the
WSGI app in-process (Flask test client): server time only. PostgreSQL (`RELAIS_BENCH_PG`, the
local server by default). `BENCH_LIST_CASES` (default 10,000) and `BENCH_LIST_REQUESTS`
(default 60 a list) shrink the run for a quick check.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import uuid
from collections.abc import Callable, Iterator

from bench.pages_timing import p95 as pages_p95
from bench.pages_timing import page_times
from bench.runner import fresh_database
from services.bootstrap import SERVICES, create_app
from shared.settings import Settings

CASES = int(os.environ.get("BENCH_LIST_CASES", "10000"))
REQUESTS = int(os.environ.get("BENCH_LIST_REQUESTS", "60"))
WARMUP = 3
GPS = 60
GOAL_MS = 150.0
EMAIL = "coordination@bench-lists.relais.test"
PASSWORD = "bench-password-1234"  # noqa: S105 - throwaway benchmark account
DB_NAME = f"relais_bench_lists_{os.getpid()}"
CHUNK = 1000


def _database() -> tuple[str, Callable[[], None]]:
    """A fresh, migrated PostgreSQL database and the function that drops it."""
    return fresh_database(DB_NAME)


def _patient(n: int) -> dict:
    return {
        "last_name": f"Liste{n}",
        "first_name": "Prénom",
        "birth_date": dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
        "sex": "F",
        "nir": None,
        "phone": "+33612345678",
        "email": None,
        "address": {"line": f"{n} rue des Listes", "postal_code": "69003", "city": "Lyon"},
    }


def _chunks() -> Iterator[range]:
    for start in range(0, CASES, CHUNK):
        yield range(start, min(start + CHUNK, CASES))


def _seed() -> None:
    """GPs, nurses and midwives; a coordinator; CASES open cases of each kind, CASES bookings
    and CASES inbox entries of the coordinator."""
    from services.agenda.bookings.models import Booking
    from services.agenda.directory.models import Professional
    from services.agenda.slots.models import Slot
    from services.agenda.teleconsultation.models import TeleconsultationCase
    from services.notifications.models import InboxItem
    from services.orientation.discharges.models import DischargeCase
    from services.orientation.epp.models import EppReferral
    from services.orientation.medecin_traitant.models import MedecinTraitantCase
    from shared.auth.service import create_user
    from shared.extensions import db
    from shared.timeutil import utcnow

    def professional(index: int, profession: str) -> Professional:
        return Professional(
            rpps=f"{20_000_000_000 + index}",
            last_name=f"Liste{index}",
            first_name="Camille",
            profession=profession,
            postal_code="69003",
            city="Lyon",
            latitude=45.76,
            longitude=4.85,
            accepts_new_patients=True,
            new_patient_capacity=10,
            languages=["fr"],
            home_visits=False,
            teleconsultation=True,
        )

    gps = [professional(i, "gp") for i in range(GPS)]
    nurses = [professional(GPS + i, "nurse") for i in range(10)]
    db.session.add_all([*gps, *nurses])
    db.session.commit()
    coordinator = create_user(email=EMAIL, password=PASSWORD, roles=["coordinator"])
    now = utcnow()
    today = now.date()
    for chunk in _chunks():
        for n in chunk:
            created = now - dt.timedelta(minutes=n)
            common = {"created_by": coordinator.id, "created_at": created, "updated_at": created}
            rows = [
                MedecinTraitantCase(
                    reference=f"MT-2026-{n + 1:06d}",
                    state="submitted" if n % 2 else "triaged",
                    reason="Généré pour la mesure.",
                    consent_at=now,
                    priority=1 + n % 3,
                    priority_reasons=[],
                    **common,
                ),
                DischargeCase(
                    reference=f"SH-2026-{n + 1:06d}",
                    state=("announced", "preparing", "ready", "discharged")[n % 4],
                    hospital_name="Hôpital de la mesure",
                    planned_discharge_date=today + dt.timedelta(days=n % 30 - 10),
                    **common,
                ),
                EppReferral(
                    reference=f"EPP-2026-{n + 1:06d}",
                    state="submitted",
                    pregnancy_start_date=today - dt.timedelta(days=40 + n % 100),
                    weeks_at_referral=6 + n % 14,
                    **common,
                ),
                TeleconsultationCase(
                    reference=f"TC-2026-{n + 1:06d}",
                    state="requested",
                    reason="Généré pour la mesure.",
                    window_from=now + dt.timedelta(days=1),
                    window_to=now + dt.timedelta(days=2),
                    nurse_professional_id=nurses[n % len(nurses)].id,
                    **common,
                ),
            ]
            for row in rows:
                row.set_patient(_patient(n))
            gp = gps[n % GPS]
            start = now + dt.timedelta(days=1, minutes=30 * (n // GPS))
            slot = Slot(
                id=uuid.uuid4(),
                professional_id=gp.id,
                kind="snp",
                start_at=start,
                end_at=start + dt.timedelta(minutes=20),
                created_by=coordinator.id,
            )
            booking = Booking(
                slot_id=slot.id,
                professional_id=gp.id,
                kind="snp",
                start_at=slot.start_at,
                end_at=slot.end_at,
                reason="Généré pour la mesure.",
                created_by=coordinator.id if n % 2 else uuid.uuid4(),
                created_by_email=EMAIL,
            )
            booking.set_patient(_patient(n))
            inbox = InboxItem(
                id=uuid.uuid4(),
                user_id=coordinator.id,
                event_name="bench",
                reference=None,
                title=f"Notification {n}",
                body="Générée pour la mesure.",
                link="/",
                created_at=created,
                read_at=None if n % 3 else now,
            )
            db.session.add_all([*rows, slot, inbox])
            db.session.flush()
            db.session.add(booking)
        db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()


def _urls() -> dict[str, list[str]]:
    """Each list's URLs: its first page, a deep page and another order."""
    deep = max(1, CASES // 50 // 2)  # half-way through at 50 a page
    return {
        "board": [
            "/orientation/cases",
            f"/orientation/cases?page={deep}",
            "/orientation/cases?sort=recents&state=triaged",
        ],
        "discharges": [
            "/orientation/discharges/liste",
            f"/orientation/discharges/liste?vue=toutes&page={deep}",
            "/orientation/discharges/liste?sort=nom",
        ],
        "worklist": ["/orientation/discharges/"],
        "epp": [
            "/orientation/epp/",
            f"/orientation/epp/?page={deep}",
            "/orientation/epp/?sort=nom",
        ],
        "teleconsultations": [
            "/agenda/teleconsultations",
            f"/agenda/teleconsultations?page={deep}",
            "/agenda/teleconsultations?sort=fenetre&vue=en_cours",
        ],
        "bookings": [
            "/agenda/bookings?vue=toutes",
            f"/agenda/bookings?vue=toutes&page={deep}",
            "/agenda/bookings?vue=toutes&sort=date_desc&periode=a_venir",
        ],
        "inbox": ["/notifications/", f"/notifications/?page={deep}", "/notifications/?unread=true"],
    }


def run() -> list[dict]:
    """Seed, log in through the form, then time each list page."""
    from tests.support.web import log_in

    url, drop = _database()
    try:
        settings = Settings(env="test", database_url=url, secret_key="bench-secret-key")
        app = create_app(SERVICES, settings)
        with app.app_context():
            _seed()
        client = app.test_client()
        log_in(client, EMAIL, PASSWORD)
        results = []
        for name, urls in _urls().items():
            page_times(client, urls * WARMUP)
            samples = page_times(client, [urls[i % len(urls)] for i in range(REQUESTS)])
            p95 = pages_p95(samples)
            results.append(
                {
                    "name": f"list_{name}_ms",
                    "value": round(p95, 1),
                    "unit": "ms p95",
                    "goal": f"<= {GOAL_MS:.0f}",
                    "passed": p95 <= GOAL_MS,
                    "median_ms": round(statistics.median(samples), 1),
                    "open_cases": CASES,
                    "requests": REQUESTS,
                    "backend": "postgresql",
                }
            )
    finally:
        drop()
    return results
