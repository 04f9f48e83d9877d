"""Synthetic data at scale for benchmarks and demos: reproducible, realistic, fast.

Identities come from pools drawn once from Faker (fr_FR, seeded), then combined with a seeded
`random.Random`: calling Faker a million times would take minutes, picking from pools takes
seconds. Each case type is one generator (`GENERATORS`) yielding `(table, row)` pairs with a
coherent timeline: every transition later than the previous one, history rows matching the
case's columns, no event after now (recent cases are naturally still open).

Writing: PostgreSQL receives the rows through `COPY … FROM STDIN` (psycopg), SQLite through
multi-row `executemany` inserts, both in chunks so memory stays flat. Encrypted columns
(phone) are sealed once per distinct value of a small pool, then reused: the ciphertexts are
valid, the cost is a thousand encryptions rather than a million. The NIR stays null. Synthetic
patient keys are keyed hashes of a synthetic patient number, so generated identities can
never collide with one another, and references carry an `S` (`MT-2026-S0000001`) so they can
never collide with the numbered references of real cases.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from sqlalchemy import Table, text
from stdnum import luhn

from services.agenda.directory.models import Professional
from services.orientation.medecin_traitant.models import MedecinTraitantCase, MedecinTraitantHistory
from services.orientation.medecin_traitant.priority import compute_priority
from shared.crypto import EncryptedString, current_keyring
from shared.extensions import db
from shared.geo import all_communes, distance_km
from shared.timeutil import PARIS, utcnow

SYNTHETIC_USER = uuid.UUID("5e5e5e5e-0000-4000-8000-000000000001")
SYNTHETIC_EMAIL = "synthetique@relais.test"
CHUNK = 20_000
# The territory of the generated CPTS: communes within this radius of its centre (Lyon).
CENTRE = (45.7640, 4.8357)
RADIUS_KM = 20.0
VULNERABILITIES = (
    ("c2s", 0.15),
    ("isolement", 0.20),
    ("precarite", 0.10),
    ("handicap", 0.06),
    ("barriere_linguistique", 0.05),
    ("sortie_hospitalisation", 0.05),
    ("troubles_cognitifs", 0.04),
)
ALD_LABELS = (
    "Diabète de type 2",
    "Insuffisance cardiaque",
    "Affection psychiatrique de longue durée",
    "Tumeur maligne",
    "Insuffisance respiratoire chronique",
    "Maladie de Parkinson",
)
REASONS = (
    "Médecin traitant parti à la retraite.",
    "Arrivée récente sur le territoire.",
    "Médecin traitant décédé.",
    "Médecin traitant a cessé son activité.",
    "Jamais déclaré de médecin traitant.",
)
CANCEL_REASONS = (
    ("found_gp", 0.40),
    ("unreachable", 0.20),
    ("moved_out", 0.15),
    ("duplicate", 0.08),
    ("consent_withdrawn", 0.07),
    ("deceased", 0.05),
    ("other", 0.05),
)
DECLINE_REASONS = ("Patientèle complète.", "Trop éloigné du cabinet.", "Pas de visites à domicile.")


@dataclass
class Pools:
    """Identities drawn once from Faker, then combined at random."""

    last_names: list[str]
    female_names: list[str]
    male_names: list[str]
    streets: list[str]
    phones: list[str]
    communes: list[tuple[str, str, float, float]]  # postal code, name, latitude, longitude
    weights: list[float]


def make_pools(seed: int) -> Pools:
    """Name, street, phone and commune pools for the seed."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    near = [
        c
        for c in all_communes()
        if c.postal_codes
        and distance_km(CENTRE[0], CENTRE[1], c.latitude, c.longitude) <= RADIUS_KM
    ]
    return Pools(
        last_names=sorted({fake.last_name() for _ in range(1500)}),
        female_names=sorted({fake.first_name_female() for _ in range(600)}),
        male_names=sorted({fake.first_name_male() for _ in range(600)}),
        streets=[fake.street_name() for _ in range(800)],
        phones=[f"06{n:08d}" for n in random.Random(seed).sample(range(10**8), 1000)],  # noqa: S311
        communes=[(c.postal_codes[0], c.name, c.latitude, c.longitude) for c in near],
        weights=[float(c.population) for c in near],
    )


@dataclass
class Context:
    """What every generator shares: the seeded random source, pools, clock and professionals."""

    rng: random.Random
    pools: Pools
    now: dt.datetime
    months: int
    gps: list[uuid.UUID] = field(default_factory=list)
    hash_key: Callable[[str], str] = str

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


Row = tuple[Table, dict[str, Any]]


def _rpps(rng: random.Random, taken: set[str]) -> str:
    while True:
        body = f"19{rng.randrange(10**8):08d}"
        if body not in taken:
            taken.add(body)
            return body + luhn.calc_check_digit(body)


def generate_professionals(ctx: Context, count: int) -> Iterator[Row]:
    """Directory entries: 60% GPs (most accepting new patients), then nurses, midwives…"""
    table = Professional.__table__
    taken: set[str] = set()
    plan = [("gp", 0.6), ("nurse", 0.2), ("midwife", 0.08), ("pharmacist", 0.07), ("other", 0.05)]
    professions = [name for name, _w in plan]
    weights = [w for _n, w in plan]
    for index in range(count):
        rng, pools = ctx.rng, ctx.pools
        profession = "gp" if index == 0 else rng.choices(professions, weights)[0]
        postal_code, city, lat, lon = rng.choices(pools.communes, pools.weights)[0]
        professional_id = ctx.uuid()
        if profession == "gp":
            ctx.gps.append(professional_id)
        female = rng.random() < 0.55
        yield (
            table,
            {
                "id": professional_id,
                "rpps": _rpps(rng, taken),
                "last_name": rng.choice(pools.last_names),
                "first_name": rng.choice(pools.female_names if female else pools.male_names),
                "profession": profession,
                "address": f"{rng.randrange(1, 200)} {rng.choice(pools.streets)}",
                "postal_code": postal_code,
                "city": city,
                "latitude": lat,
                "longitude": lon,
                "phone": None,
                "mssante_email": f"pro{index}@synthetique.mssante.test",
                "accepts_new_patients": profession == "gp" and rng.random() < 0.7,
                "new_patient_capacity": rng.choice((2, 4, 5, 8, 10)) if profession == "gp" else 0,
                "languages": json.dumps(["fr", *rng.sample(["en", "ar", "es", "pt"], k=1)]),
                "home_visits": rng.random() < 0.4,
                "teleconsultation": rng.random() < 0.5,
                "created_at": ctx.now,
                "updated_at": ctx.now,
            },
        )


@dataclass
class Patient:
    number: int
    last_name: str
    first_name: str
    sex: str
    birth_date: dt.date
    postal_code: str
    city: str
    address: str
    phone: str
    last_oriented_at: dt.datetime | None = None


def _new_patient(ctx: Context, number: int) -> Patient:
    rng, pools = ctx.rng, ctx.pools
    sex = "F" if rng.random() < 0.54 else "M"
    # Skewed towards older patients, as signalements are.
    age = min(99, max(0, int(rng.triangular(0, 98, 72))))
    birth = ctx.now.date() - dt.timedelta(days=age * 365 + rng.randrange(365))
    postal_code, city, _lat, _lon = rng.choices(pools.communes, pools.weights)[0]
    return Patient(
        number=number,
        last_name=rng.choice(pools.last_names),
        first_name=rng.choice(pools.female_names if sex == "F" else pools.male_names),
        sex=sex,
        birth_date=birth,
        postal_code=postal_code,
        city=city,
        address=f"{rng.randrange(1, 300)} {rng.choice(pools.streets)}",
        phone=rng.choice(pools.phones),
    )


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([c for c, _w in choices], [w for _c, w in choices])[0]


class Timeline:
    """Transitions of one case in time order; stops at the first event that would be future."""

    def __init__(self, ctx: Context, case: dict[str, Any], table: Table):
        self.ctx, self.case, self.table = ctx, case, table
        self.at: dt.datetime = case["created_at"]
        self.rows: list[Row] = []
        self._add("submit", None, "submitted", self.at)

    def _add(
        self, name: str, before: str | None, after: str, at: dt.datetime, comment: str | None = None
    ) -> None:
        self.rows.append(
            (
                self.table,
                {
                    "id": self.ctx.uuid(),
                    "case_id": self.case["id"],
                    "transition": name,
                    "from_state": before,
                    "to_state": after,
                    "by": SYNTHETIC_EMAIL,
                    "at": at,
                    "comment": comment,
                    "data": None,
                },
            )
        )

    def step(self, name: str, after: str, days: tuple[float, float], comment: str | None = None):
        """Fire `name` after a random delay; False (nothing written) if that is in the future."""
        at = self.at + dt.timedelta(days=self.ctx.rng.uniform(*days), minutes=1)
        if at >= self.ctx.now:
            return None
        self._add(name, self.case["state"], after, at, comment)
        self.case["state"] = after
        self.case["version"] += 1
        self.case["updated_at"] = at
        self.at = at
        return at


def _medecin_traitant_case(ctx: Context, patient: Patient, created_at: dt.datetime) -> list[Row]:
    rng = ctx.rng
    ald = rng.random() < 0.35
    vulnerabilities = sorted(v for v, p in VULNERABILITIES if rng.random() < p)
    reduced_mobility = rng.random() < 0.15
    home_visits = reduced_mobility and rng.random() < 0.6
    ald_label = rng.choice(ALD_LABELS) if ald else None
    priority = compute_priority(
        birth_date=patient.birth_date,
        ald=ald,
        ald_label=ald_label,
        vulnerabilities=vulnerabilities,
        reduced_mobility=reduced_mobility,
        needs_home_visits=home_visits,
        today=created_at.astimezone(PARIS).date(),
    )
    key = ctx.hash_key(f"synthetic:{patient.number}")
    case: dict[str, Any] = {
        "id": ctx.uuid(),
        "reference": None,
        "state": "submitted",
        "version": 1,
        "created_by": SYNTHETIC_USER,
        "created_at": created_at,
        "updated_at": created_at,
        "ald": ald,
        "ald_label": ald_label,
        "vulnerabilities": json.dumps(vulnerabilities),
        "reduced_mobility": reduced_mobility,
        "needs_home_visits": home_visits,
        "languages": json.dumps(["fr"] if rng.random() < 0.9 else ["fr", "ar"]),
        "reason": rng.choice(REASONS),
        "consent_at": created_at,
        "priority": priority.level,
        "priority_score": priority.score,
        "priority_reasons": json.dumps(priority.reasons, ensure_ascii=False),
        "priority_overridden": False,
        "synthesis": None,
        "held_from": None,
        "hold_reason": None,
        "proposed_professional_id": None,
        "proposed_at": None,
        "reminder_sent_at": None,
        "excluded_professional_ids": [],
        "accepted_professional_id": None,
        "accepted_at": None,
        "appointment_date": None,
        "first_visit_date": None,
        "declared_on": None,
        "oriented_at": None,
        "previous_oriented_at": None,
        "cancel_reason": None,
        "cancelled_at": None,
        "patient_last_name": patient.last_name,
        "patient_first_name": patient.first_name,
        "patient_birth_date": patient.birth_date,
        "patient_sex": patient.sex,
        "patient_nir": None,
        "patient_phone": patient.phone,
        "patient_email": None,
        "patient_address_line": patient.address,
        "patient_postal_code": patient.postal_code,
        "patient_city": patient.city,
        "patient_key": key,
        "patient_identity_hash": key,
    }
    timeline = Timeline(ctx, case, MedecinTraitantHistory.__table__)
    _walk(ctx, case, timeline)
    if case["oriented_at"] is not None:
        case["previous_oriented_at"] = patient.last_oriented_at
        patient.last_oriented_at = case["oriented_at"]
    case["excluded_professional_ids"] = json.dumps(case["excluded_professional_ids"])
    return [(MedecinTraitantCase.__table__, case), *timeline.rows]


def _cancel(ctx: Context, case: dict[str, Any], timeline: Timeline, days: tuple[float, float]):
    at = timeline.step("cancel", "cancelled", days)
    if at:
        case["cancel_reason"] = _weighted(ctx.rng, CANCEL_REASONS)
        case["cancelled_at"] = at


def _walk(ctx: Context, case: dict[str, Any], timeline: Timeline) -> None:
    """Move the case along the médecin-traitant workflow with realistic odds and delays."""
    rng = ctx.rng
    if rng.random() < 0.04:
        return _cancel(ctx, case, timeline, (0.1, 5))
    if rng.random() < 0.05:
        if not timeline.step("hold", "on_hold", (0.5, 4)):
            return None
        case["held_from"], case["hold_reason"] = "submitted", "Patient injoignable pour l'instant."
        if not timeline.step("resume", "submitted", (3, 30)):
            return None
    if not timeline.step("triage", "triaged", (0.1, 6)):
        return None
    case["synthesis"] = "Synthèse de la coordination (données synthétiques)."
    for attempt in range(4):
        if rng.random() < 0.06:
            return _cancel(ctx, case, timeline, (1, 20))
        gp = rng.choice(ctx.gps) if ctx.gps else None
        # One case in ten waits long for a GP with room: the backlog the board must see.
        wait = (20, 160) if attempt == 0 and rng.random() < 0.1 else (0.5, 8)
        if gp is None or not timeline.step("propose", "proposed", wait):
            return None
        case["proposed_professional_id"], case["proposed_at"] = gp, timeline.at
        if attempt < 3 and rng.random() < 0.22:
            expire = rng.random() < 0.3
            name, comment = ("expire", None) if expire else ("decline", rng.choice(DECLINE_REASONS))
            if not timeline.step(name, "triaged", (14, 14.5) if expire else (0.5, 10), comment):
                return None
            case["excluded_professional_ids"].append(str(gp))
            case["proposed_professional_id"] = case["proposed_at"] = None
            continue
        at = timeline.step("accept", "accepted", (0.3, 10))
        if not at:
            return None
        case["accepted_professional_id"], case["accepted_at"] = gp, at
        case["appointment_date"] = (at + dt.timedelta(days=rng.randrange(2, 30))).date()
        at = timeline.step("confirm", "oriented", (2, 40))
        if not at:
            return None
        case["oriented_at"] = at
        case["first_visit_date"] = case["appointment_date"]
        case["declared_on"] = at.astimezone(PARIS).date()
        return None
    return None


def generate_medecin_traitant(ctx: Context, count: int) -> Iterator[Row]:
    """`count` médecin-traitant cases spread over the last `months`, 4% of them repeat patients
    (a second signalement after the first case closed)."""
    rng = ctx.rng
    span = dt.timedelta(days=30.44 * ctx.months).total_seconds()
    offsets = sorted(rng.uniform(0, span) for _ in range(count))
    start = ctx.now - dt.timedelta(seconds=span)
    closed: list[tuple[dt.datetime, int, Patient]] = []  # heap of (closed at, n, patient)
    ready: list[Patient] = []
    next_patient = 0
    for number, offset in enumerate(offsets, start=1):
        created_at = start + dt.timedelta(seconds=offset)
        while closed and closed[0][0] < created_at:
            ready.append(heapq.heappop(closed)[2])
        if ready and rng.random() < 0.04:
            patient = ready.pop(rng.randrange(len(ready)))
        else:
            next_patient += 1
            patient = _new_patient(ctx, next_patient)
        rows = _medecin_traitant_case(ctx, patient, created_at)
        case = rows[0][1]
        case["reference"] = f"MT-{created_at.year}-S{number:07d}"
        closing = case["oriented_at"] or case["cancelled_at"]
        if closing is not None:
            heapq.heappush(closed, (closing, number, patient))
        yield from rows


# One generator per case type: adding discharges or EPP referrals is one entry here.
GENERATORS: dict[str, Callable[[Context, int], Iterator[Row]]] = {
    "medecin_traitant": generate_medecin_traitant,
}


class Writer:
    """Buffers rows per table and writes them in chunks (COPY on PostgreSQL)."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.buffers: dict[Table, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}
        self._sealed: dict[str, str] = {}

    def add(self, rows: Iterable[Row]) -> None:
        for table, row in rows:
            buffer = self.buffers.setdefault(table, [])
            buffer.append(row)
            if len(buffer) >= CHUNK:
                self.flush(table)

    def flush(self, table: Table | None = None) -> None:
        for target in [table] if table is not None else list(self.buffers):
            rows = self.buffers.get(target) or []
            if rows:
                (self._copy if self.postgres else self._insert)(target, rows)
                self.counts[target.name] = self.counts.get(target.name, 0) + len(rows)
            self.buffers[target] = []

    def _seal(self, value: str | None) -> str | None:
        if value is None:
            return None
        if value not in self._sealed:
            self._sealed[value] = current_keyring().encrypt(value)
        return self._sealed[value]

    def _copy(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = [c.name for c in table.columns]
        sealed = {c.name for c in table.columns if isinstance(c.type, EncryptedString)}
        names = ", ".join(f'"{name}"' for name in columns)
        driver = self.connection.connection.driver_connection
        with (
            driver.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([self._seal(row[c]) if c in sealed else row[c] for c in columns])

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        # Through SQLAlchemy so the column types (UUIDs, UTC datetimes, encryption) apply.
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        decoded = [
            {
                k: (json.loads(v) if k in json_columns and isinstance(v, str) else v)
                for k, v in r.items()
            }
            for r in rows
        ]
        self.connection.execute(table.insert(), decoded)


def seed_synthetic(*, cases: int, professionals: int, months: int, seed: int) -> dict[str, int]:
    """Generate and store the synthetic data set; returns rows written per table."""
    ctx = Context(
        rng=random.Random(seed),  # noqa: S311 - reproducible test data, not secrets
        pools=make_pools(seed),
        now=utcnow(),
        months=months,
        hash_key=current_keyring().keyed_hash,
    )
    writer = Writer()
    writer.add(generate_professionals(ctx, professionals))
    for generator in GENERATORS.values():
        writer.add(generator(ctx, cases))
    writer.flush()
    db.session.commit()
    if writer.postgres:
        analyse([t for t in writer.counts])
    return writer.counts


def analyse(tables: list[str]) -> None:
    """VACUUM ANALYZE after a bulk load: fresh statistics, and the visibility map that lets the
    indicators read covering indexes without visiting the table (index-only scans)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.execute(text(f"VACUUM (ANALYZE) {table}"))
