"""Synthetic agenda data: directory professionals, SNP and teleconsultation slots, bookings,
assisted-teleconsultation cases with their history (for `relais seed-synthetic`).

The generators follow `shared/synthetic.py`: `(context, count) -> (table, row)` pairs, written
by COPY on PostgreSQL. The orientation's registry names them by module path, so nothing here is
imported unless the agenda is part of the run.

Slots sit on a grid per professional: weekdays, 20-minute cells from 08:00 to 20:00 Paris time,
SNP slots anywhere in the day and teleconsultation slots in the afternoon. A cell is used once
per professional, so no two slots of one GP ever overlap (the PostgreSQL exclusion constraint
holds), and neither do their bookings. When a GP's grid is full the slot is simply not made.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

from stdnum import luhn

from services.agenda.bookings.models import Booking
from services.agenda.directory.models import Professional
from services.agenda.directory.service import search_key
from services.agenda.slots.models import Slot
from services.agenda.teleconsultation.models import TeleconsultationCase, TeleconsultationHistory
from services.agenda.teleconsultation.schemas import CANCEL_REASONS
from services.agenda.teleconsultation.service import TELECONSULTATION
from shared.synthetic import (
    SYNTHETIC_EMAIL,
    SYNTHETIC_USER,
    Context,
    Row,
    Timeline,
    case_columns,
    new_patient,
    patient_columns,
)
from shared.timeutil import PARIS

SLOT_MINUTES = 20
FIRST_CELL = dt.time(8, 0)
CELLS_PER_DAY = 36  # 08:00 to 20:00
TELECONSULTATION_CELLS = range(15, 27)  # 13:00 to 17:00
# SNP slots made per teleconsultation case; the open days after now that carry slots.
SNP_SLOTS_PER_CASE = 5
DAYS_AHEAD = 14
SNP_REASONS = (
    "Fièvre depuis deux jours.",
    "Douleur lombaire aiguë.",
    "Renouvellement d'ordonnance urgent.",
    "Otalgie chez un enfant.",
    "Infection urinaire probable.",
    "Entorse de cheville.",
)
TELECONSULTATION_REASONS = (
    "Suivi de plaie chronique.",
    "Adaptation d'un traitement anticoagulant.",
    "Avis sur une lésion cutanée.",
    "Suivi de l'équilibre glycémique.",
)
PROFESSIONS = (
    ("gp", 0.6),
    ("nurse", 0.2),
    ("midwife", 0.08),
    ("pharmacist", 0.07),
    ("other", 0.05),
)
# The first professionals are one of each, so any directory can take every case type.
FIRST_PROFESSIONS = ("gp", "nurse", "midwife")


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
    professions = [name for name, _w in PROFESSIONS]
    weights = [w for _n, w in PROFESSIONS]
    lists = {"gp": ctx.gps, "nurse": ctx.nurses, "midwife": ctx.midwives}
    for index in range(count):
        rng, pools = ctx.rng, ctx.pools
        profession = (
            FIRST_PROFESSIONS[index]
            if index < len(FIRST_PROFESSIONS)
            else rng.choices(professions, weights)[0]
        )
        postal_code, city, lat, lon = rng.choices(pools.communes, pools.weights)[0]
        professional_id = ctx.uuid()
        lists.get(profession, ctx.others).append(professional_id)
        female = rng.random() < (0.97 if profession == "midwife" else 0.55)
        last_name = rng.choice(pools.last_names)
        first_name = rng.choice(pools.female_names if female else pools.male_names)
        yield (
            table,
            {
                "id": professional_id,
                "rpps": _rpps(rng, taken),
                "last_name": last_name,
                "first_name": first_name,
                "search_name": search_key(last_name, first_name),
                "insee": None,
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
                "qualifications": json.dumps([]),
                "cpts_member": rng.random() < 0.6,
                "active": True,
                "capacity_updated_at": ctx.now if profession == "gp" else None,
                "availability_reminded_at": None,
                "created_at": ctx.now,
                "updated_at": ctx.now,
            },
        )


class Grid:
    """The free 20-minute cells of each GP, weekdays of the period plus two weeks ahead."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        first, last = ctx.start.astimezone(PARIS).date(), ctx.now.astimezone(PARIS).date()
        self.days = [
            first + dt.timedelta(days=n)
            for n in range((last - first).days + DAYS_AHEAD + 1)
            if (first + dt.timedelta(days=n)).weekday() < 5
        ]
        self.used: set[tuple[uuid.UUID, dt.date, int]] = set()

    def take(
        self, cells: range, days: list[dt.date] | None = None, tries: int = 12
    ) -> tuple[uuid.UUID, dt.datetime, dt.datetime] | None:
        """A free cell of some GP (professional, start, end in UTC), marked used; None if the
        random tries all hit used cells."""
        rng, gps = self.ctx.rng, self.ctx.gps
        days = days if days is not None else self.days
        if not gps or not days:
            return None
        for _ in range(tries):
            gp, day, cell = rng.choice(gps), rng.choice(days), rng.choice(cells)
            if (gp, day, cell) in self.used:
                continue
            self.used.add((gp, day, cell))
            local = dt.datetime.combine(day, FIRST_CELL, tzinfo=PARIS) + dt.timedelta(
                minutes=SLOT_MINUTES * cell
            )
            start = local.astimezone(dt.UTC)
            return gp, start, start + dt.timedelta(minutes=SLOT_MINUTES)
        return None

    def days_between(self, low: dt.datetime, high: dt.datetime) -> list[dt.date]:
        """The grid's days from the Paris date of `low` to that of `high`."""
        first, last = low.astimezone(PARIS).date(), high.astimezone(PARIS).date()
        return [day for day in self.days if first <= day <= last]


def _between(rng: random.Random, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    return low + (high - low) * rng.random()


class AgendaGenerator:
    """Slots, bookings and teleconsultations of one run, sharing one grid."""

    def __init__(self, ctx: Context):
        self.ctx, self.rng = ctx, ctx.rng
        self.grid = Grid(ctx)
        self.patients = 0

    def _patient(self, **kwargs: Any) -> dict[str, Any]:
        self.patients += 1
        patient = new_patient(self.ctx, self.patients, **kwargs)
        return patient_columns(self.ctx, patient, f"synthetic-agenda:{self.patients}")

    def slot(
        self, kind: str, cells: range, days: list[dt.date] | None = None, before: Any = None
    ) -> dict[str, Any] | None:
        """A published slot on a free cell, created some days before it starts (never after
        now, nor after `before`)."""
        taken = self.grid.take(cells, days)
        if taken is None:
            return None
        gp, start, end = taken
        latest = min(start, self.ctx.now, before or self.ctx.now) - dt.timedelta(minutes=5)
        created = latest - dt.timedelta(days=self.rng.uniform(0.5, 21))
        return {
            "id": self.ctx.uuid(),
            "professional_id": gp,
            "kind": kind,
            "start_at": start,
            "end_at": end,
            "created_by": SYNTHETIC_USER,
            "created_at": created,
            "withdrawn_at": None,
            "sas_visible": kind == "snp",
        }

    def booking(
        self,
        slot: dict[str, Any],
        at: dt.datetime,
        patient: dict[str, Any],
        reason: str,
        teleconsultation_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        """An active booking of `slot` made at `at` (before the slot starts)."""
        return {
            "id": self.ctx.uuid(),
            "slot_id": slot["id"],
            "professional_id": slot["professional_id"],
            "kind": slot["kind"],
            "start_at": slot["start_at"],
            "end_at": slot["end_at"],
            "reason": reason,
            "created_by": SYNTHETIC_USER,
            "created_by_email": SYNTHETIC_EMAIL,
            "created_at": at,
            "teleconsultation_id": teleconsultation_id,
            "cancelled_at": None,
            "cancelled_by": None,
            **patient,
        }

    def snp(self, count: int) -> Iterator[Row]:
        """`count` SNP slots; most past ones booked, some future ones too; a few withdrawn,
        a few bookings cancelled (and the slot sometimes booked again)."""
        rng, now = self.rng, self.ctx.now
        for _ in range(count):
            slot = self.slot("snp", range(CELLS_PER_DAY))
            if slot is None:
                continue
            open_until = min(slot["start_at"], now)
            if rng.random() < 0.04:
                slot["withdrawn_at"] = _between(rng, slot["created_at"], open_until)
                yield Slot.__table__, slot
                continue
            yield Slot.__table__, slot
            if rng.random() >= (0.75 if slot["start_at"] <= now else 0.35):
                continue
            at = _between(rng, slot["created_at"], open_until)
            booking = self.booking(slot, at, self._patient(), rng.choice(SNP_REASONS))
            if rng.random() < 0.08:
                booking["cancelled_at"] = _between(rng, at, open_until)
                booking["cancelled_by"] = SYNTHETIC_EMAIL
                yield Booking.__table__, booking
                if rng.random() < 0.5:
                    again = _between(rng, booking["cancelled_at"], open_until)
                    yield (
                        Booking.__table__,
                        self.booking(slot, again, self._patient(), rng.choice(SNP_REASONS)),
                    )
                continue
            yield Booking.__table__, booking

    def teleconsultations(self, count: int) -> Iterator[Row]:
        """`count` teleconsultation cases over the period, each paired with a slot it books,
        then completed, not attended (and paired again) or cancelled; plus free slots."""
        for number, created_at in enumerate(self.ctx.creation_times(count), start=1):
            yield from self._teleconsultation(number, created_at)
        for _ in range(count // 2):
            slot = self.slot("teleconsultation", TELECONSULTATION_CELLS)
            if slot is not None:
                yield Slot.__table__, slot

    def _teleconsultation(self, number: int, created_at: dt.datetime) -> list[Row]:
        ctx, rng = self.ctx, self.rng
        case: dict[str, Any] = {
            **case_columns(ctx, "requested", created_at),
            "reference": f"{TELECONSULTATION.prefix}-{created_at.year}-S{number:07d}",
            "reason": rng.choice(TELECONSULTATION_REASONS),
            "window_from": created_at + dt.timedelta(hours=rng.uniform(0, 24)),
            "window_to": None,
            "nurse_professional_id": rng.choice(ctx.nurses),
            "preferred_professional_id": None,
            "professional_id": None,
            "slot_id": None,
            "booking_id": None,
            "scheduled_start": None,
            "scheduled_end": None,
            "no_show_count": 0,
            "completed_at": None,
            "video_url": None,
            "cancel_reason": None,
            "cancelled_at": None,
            **self._patient(ages=(20, 99, 80)),
        }
        case["window_to"] = case["window_from"] + dt.timedelta(days=rng.uniform(3, 14))
        timeline = Timeline(ctx, case, TeleconsultationHistory.__table__)
        rows: list[Row] = [(TeleconsultationCase.__table__, case)]
        for _attempt in range(2):
            booking = self._pair(case, timeline, rows)
            if booking is None:
                break
            if rng.random() < 0.08:  # cancelled before it takes place
                cancel_at = _between(rng, timeline.at, case["scheduled_start"])
                if timeline.step_at(cancel_at, "cancel", "cancelled"):
                    case["cancel_reason"] = rng.choice(CANCEL_REASONS)
                    case["cancelled_at"] = cancel_at
                    self._release(case, booking, cancel_at)
                break
            done_at = case["scheduled_end"] + dt.timedelta(hours=rng.uniform(0, 6))
            if rng.random() < 0.08:  # not attended: back to requested, slot released
                if not timeline.step_at(done_at, "no_show", "requested"):
                    break
                case["no_show_count"] += 1
                self._release(case, booking, done_at)
                continue
            if timeline.step_at(done_at, "complete", "completed"):
                case["completed_at"] = done_at
            break
        # Never paired within its window: the coordinator closes it.
        if case["state"] == "requested" and timeline.step_at(
            case["window_to"], "cancel", "cancelled"
        ):
            case["cancel_reason"] = "other"
            case["cancelled_at"] = timeline.at
        return [*rows, *timeline.rows]

    def _pair(
        self, case: dict[str, Any], timeline: Timeline, rows: list[Row]
    ) -> dict[str, Any] | None:
        """Book a teleconsultation slot in the case's window; None if none or in the future."""
        pair_at = timeline.at + dt.timedelta(hours=self.rng.uniform(1, 48))
        earliest = max(pair_at + dt.timedelta(hours=2), case["window_from"])
        latest = case["window_to"] - dt.timedelta(minutes=SLOT_MINUTES)
        if pair_at >= self.ctx.now or earliest >= latest:
            return None
        days = self.grid.days_between(earliest, latest)
        slot = None
        for _ in range(4):
            slot = self.slot("teleconsultation", TELECONSULTATION_CELLS, days, before=pair_at)
            if slot is None or earliest <= slot["start_at"] <= latest:
                break
            # A cell outside the window (first or last day): keep it as a free slot.
            rows.append((Slot.__table__, slot))
            slot = None
        if slot is None or not timeline.step_at(pair_at, "pair", "scheduled"):
            if slot is not None:
                rows.append((Slot.__table__, slot))
            return None
        booking = self.booking(slot, pair_at, _booking_patient(case), case["reason"], case["id"])
        rows.extend([(Slot.__table__, slot), (Booking.__table__, booking)])
        case.update(
            professional_id=slot["professional_id"],
            slot_id=slot["id"],
            booking_id=booking["id"],
            scheduled_start=slot["start_at"],
            scheduled_end=slot["end_at"],
        )
        return booking

    @staticmethod
    def _release(case: dict[str, Any], booking: dict[str, Any], at: dt.datetime) -> None:
        booking["cancelled_at"], booking["cancelled_by"] = at, SYNTHETIC_EMAIL
        case.update(
            professional_id=None,
            slot_id=None,
            booking_id=None,
            scheduled_start=None,
            scheduled_end=None,
        )


def _booking_patient(case: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in case.items() if key.startswith("patient_")}


def generate_agenda(ctx: Context, count: int) -> Iterator[Row]:
    """`count` assisted teleconsultations, `SNP_SLOTS_PER_CASE × count` SNP slots and their
    bookings, over the period and the two weeks ahead."""
    generator = AgendaGenerator(ctx)
    if ctx.nurses:
        yield from generator.teleconsultations(count)
    yield from generator.snp(SNP_SLOTS_PER_CASE * count)
