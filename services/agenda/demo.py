"""Demo agenda for `make run`: SNP and teleconsultation slots for the next two weeks, a pair,
then one SNP booking and two assisted teleconsultations (one scheduled, one awaiting a slot)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from services.agenda.bookings.schemas import BookingCreateSchema
from services.agenda.bookings.service import book_slot
from services.agenda.directory.models import Professional
from services.agenda.pairings.service import create_pairing
from services.agenda.slots.models import Slot
from services.agenda.slots.service import publish_recurring
from services.agenda.teleconsultation import service as teleconsultations
from services.agenda.teleconsultation.schemas import TeleconsultationCreateSchema
from shared.auth.models import User
from shared.auth.principal import Principal
from shared.cases.service import fire_transition
from shared.errors import ValidationFailed
from shared.extensions import db
from shared.http.parsing import load
from shared.timeutil import today_paris, utcnow

WEEKDAYS = range(1, 6)


def seed_agenda_demo(*, professionals: dict[str, list[Professional]], coordinator: User) -> int:
    """Publish evening SNP slots for every GP (and afternoon teleconsultations for some)."""
    principal = Principal(
        user_id=coordinator.id, email=coordinator.email, roles=frozenset(coordinator.roles)
    )
    created = 0
    for index, gp in enumerate(professionals["gp"]):
        plans = [("snp", "18:00", "19:00", 20)]
        if gp.teleconsultation:
            plans.append(("teleconsultation", "14:00", "15:00", 30))
        for kind, start, end, minutes in plans:
            for weekday in WEEKDAYS:
                if (weekday + index) % 2 and kind == "snp":
                    continue  # each GP holds SNP slots on some evenings only
                result = publish_recurring(
                    principal=principal,
                    data={
                        "professional_id": gp.id,
                        "kind": kind,
                        "weekday": weekday,
                        "start_time": start,
                        "end_time": end,
                        "slot_minutes": minutes,
                        "count": None,
                        "weeks": 2,
                        "start_date": today_paris(),
                    },
                )
                created += len(result.slots)
    if professionals["nurse"] and professionals["gp"]:
        create_pairing(
            nurse_id=professionals["nurse"][0].id,
            gp_id=professionals["gp"][0].id,
            principal=principal,
        )
    return created


def seed_agenda_cases_demo(
    *, patient: Callable[..., dict[str, Any]], coordinator: User, nurse: User
) -> tuple[int, int]:
    """Book the first free SNP slot, then ask for two teleconsultations and pair the first one
    (on a slot of the nurse's paired GP); returns (bookings, teleconsultations)."""
    booker = Principal(
        user_id=coordinator.id, email=coordinator.email, roles=frozenset(coordinator.roles)
    )
    slot_id = db.session.scalar(
        select(Slot.id)
        .where(Slot.kind == "snp", Slot.start_at > utcnow() + dt.timedelta(hours=1))
        .order_by(Slot.start_at)
        .limit(1)
    )
    bookings = 0
    if slot_id is not None:
        body = {"patient": patient(), "reason": "Fièvre depuis deux jours (démonstration)."}
        book_slot(slot_id=slot_id, data=load(BookingCreateSchema(), body), principal=booker)
        bookings = 1
    requester = Principal(
        user_id=nurse.id,
        email=nurse.email,
        roles=frozenset(nurse.roles),
        professional_id=nurse.professional_id,
    )
    now = utcnow()
    created = []
    for reason in ("Suivi de plaie chronique (démonstration).", "Avis sur une lésion cutanée."):
        request: dict[str, Any] = {
            "patient": patient(minimum_age=70, maximum_age=95),
            "reason": reason,
            "window": {"from": now.isoformat(), "to": (now + dt.timedelta(days=12)).isoformat()},
            "preferred_professional_id": None,
        }
        created.append(
            teleconsultations.request_teleconsultation(
                data=load(TeleconsultationCreateSchema(), request), principal=requester
            )
        )
    # Without a free teleconsultation slot in the window, both simply stay requested.
    with contextlib.suppress(ValidationFailed):
        fire_transition(
            teleconsultations.TELECONSULTATION,
            case_id=created[0].id,
            name="pair",
            body={},
            principal=requester,
            if_match=None,
        )
    return bookings, len(created)
