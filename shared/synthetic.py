"""The machinery every synthetic-data generator shares: pools, context, timelines, the writer.

Identities come from pools drawn once from Faker (fr_FR, seeded), then combined with a seeded
`random.Random`: calling Faker a million times would take minutes, picking from pools takes
seconds. A generator is a function `(context, count) -> (table, row)` pairs; each service keeps
its own generators next to its tables (`services/orientation/indicators/synthetic.py`,
`services/agenda/synthetic.py`), this module knows no table.

Writing: PostgreSQL receives the rows through `COPY … FROM STDIN` (psycopg), SQLite through
multi-row `executemany` inserts, both in chunks so memory stays flat; a table's parents (foreign
keys) are always written before it. Encrypted columns (phone) are sealed once per distinct value
of a small pool, then reused: the ciphertexts are valid, the cost is a thousand encryptions
rather than a million.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from sqlalchemy import Table, text

from shared.crypto import EncryptedString, current_keyring
from shared.extensions import db
from shared.geo import all_communes, distance_km
from shared.patients import search_text

SYNTHETIC_USER = uuid.UUID("5e5e5e5e-0000-4000-8000-000000000001")
SYNTHETIC_EMAIL = "synthetique@relais.test"
CHUNK = 20_000
# The territory of the generated CPTS: communes within this radius of its centre (Lyon).
CENTRE = (45.7640, 4.8357)
RADIUS_KM = 20.0

Row = tuple[Table, dict[str, Any]]


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
        phones=[f"06{n:08d}" for n in random.Random(seed).sample(range(10**8), 1000)],  # noqa: S311  # nosec B311
        communes=[(c.postal_codes[0], c.name, c.latitude, c.longitude) for c in near],
        weights=[float(c.population) for c in near],
    )


@dataclass
class Context:
    """What every generator shares: the seeded random source, pools, clock and professionals.

    The directory generator fills the lists of professionals (by profession) that the case
    generators then pick from.
    """

    rng: random.Random
    pools: Pools
    now: dt.datetime
    months: int
    gps: list[uuid.UUID] = field(default_factory=list)
    nurses: list[uuid.UUID] = field(default_factory=list)
    midwives: list[uuid.UUID] = field(default_factory=list)
    others: list[uuid.UUID] = field(default_factory=list)
    hash_key: Callable[[str], str] = str

    def uuid(self) -> uuid.UUID:
        """A UUID4 drawn from the seeded source (reproducible)."""
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    @property
    def start(self) -> dt.datetime:
        """The first instant of the generated period (`months` before now)."""
        return self.now - dt.timedelta(days=30.44 * self.months)

    def creation_times(self, count: int) -> list[dt.datetime]:
        """`count` creation instants spread uniformly over the period, oldest first."""
        span = (self.now - self.start).total_seconds()
        offsets = sorted(self.rng.uniform(0, span) for _ in range(count))
        return [self.start + dt.timedelta(seconds=offset) for offset in offsets]


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


def new_patient(
    ctx: Context, number: int, *, sex: str | None = None, ages: tuple[int, int, int] = (0, 98, 72)
) -> Patient:
    """A generated patient; ages drawn from a triangular law (low, high, mode)."""
    rng, pools = ctx.rng, ctx.pools
    sex = sex or ("F" if rng.random() < 0.54 else "M")
    age = min(99, max(0, int(rng.triangular(*ages))))
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


def patient_columns(ctx: Context, patient: Patient, key_source: str) -> dict[str, Any]:
    """The `PatientMixin` columns of a generated patient; the keys are keyed hashes of
    `key_source` (a synthetic patient number), so they never collide with real patients."""
    key = ctx.hash_key(key_source)
    return {
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
        "patient_search": search_text(patient.last_name, patient.first_name),
        "patient_phone_hash": ctx.hash_key("phone:" + patient.phone),
    }


def weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    """One of the names of `choices`, drawn with its weight."""
    return rng.choices([c for c, _w in choices], [w for _c, w in choices])[0]


def case_columns(ctx: Context, state: str, created_at: dt.datetime) -> dict[str, Any]:
    """The `CaseMixin` columns of a new case (reference filled in by the generator)."""
    return {
        "id": ctx.uuid(),
        "reference": None,
        "state": state,
        "version": 1,
        "created_by": SYNTHETIC_USER,
        "created_at": created_at,
        "updated_at": created_at,
    }


class Timeline:
    """Transitions of one case in time order; stops at the first event that would be future.

    Each step writes the history row, moves the case's state, version and `updated_at`.
    """

    def __init__(self, ctx: Context, case: dict[str, Any], table: Table):
        self.ctx, self.case, self.table = ctx, case, table
        self.at: dt.datetime = case["created_at"]
        self.rows: list[Row] = []
        self._add("submit", None, case["state"], self.at)

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

    def step(
        self, name: str, after: str, days: tuple[float, float], comment: str | None = None
    ) -> dt.datetime | None:
        """Fire `name` after a random delay; None (nothing written) if that is in the future."""
        return self.step_at(
            self.at + dt.timedelta(days=self.ctx.rng.uniform(*days), minutes=1),
            name,
            after,
            comment,
        )

    def step_at(
        self, at: dt.datetime, name: str, after: str, comment: str | None = None
    ) -> dt.datetime | None:
        """Fire `name` at `at` (never before the previous step); None if that is in the future."""
        at = max(at, self.at + dt.timedelta(minutes=1))
        if at >= self.ctx.now:
            return None
        self._add(name, self.case["state"], after, at, comment)
        self.case["state"] = after
        self.case["version"] += 1
        self.case["updated_at"] = at
        self.at = at
        return at


class Writer:
    """Buffers rows per table and writes them in chunks (COPY on PostgreSQL)."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.buffers: dict[Table, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}
        self._sealed: dict[str, str] = {}

    def add(self, rows: Iterable[Row]) -> None:
        """Buffer `rows`, writing a table's chunk whenever it is full."""
        for table, row in rows:
            buffer = self.buffers.setdefault(table, [])
            buffer.append(row)
            if len(buffer) >= CHUNK:
                self.flush(table)

    def flush(self, table: Table | None = None) -> None:
        """Write the buffered rows of `table` (of every table when None), parents first."""
        for target in [table] if table is not None else list(self.buffers):
            # Rows referencing a parent still in its buffer would break the foreign key.
            for key in target.foreign_keys:
                parent = key.column.table
                if parent is not target and self.buffers.get(parent):  # type: ignore[call-overload]
                    self.flush(parent)  # type: ignore[arg-type]
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


def analyse(tables: list[str]) -> None:
    """VACUUM ANALYZE after a bulk load: fresh statistics, and the visibility map that lets the
    indicators read covering indexes without visiting the table (index-only scans)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.execute(text(f"VACUUM (ANALYZE) {table}"))
