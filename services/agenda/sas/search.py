"""Reads of the SAS search: the free SNP slots the professionals offer to the SAS.

Only directory data leaves this module (slots' times, professionals' public details): never a
booking or a patient.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from services.agenda.directory.models import Professional
from services.agenda.sas.schemas import Bound, SlotSearch
from services.agenda.slots.models import Slot
from services.agenda.slots.service import active_booking_exists
from shared.extensions import db


@dataclass(frozen=True)
class Card:
    """What an answer says of a professional: the directory fields the SAS sees."""

    id: uuid.UUID
    rpps: str
    last_name: str
    first_name: str
    profession: str
    address: str
    city: str
    postal_code: str
    phone: str | None

    @property
    def idnps(self) -> str:
        """The national professional identifier: 8 followed by the RPPS number."""
        return "8" + self.rpps


@dataclass(frozen=True)
class OfferedSlot:
    """A free slot the SAS may book, and its professional."""

    id: uuid.UUID
    start_at: dt.datetime
    end_at: dt.datetime
    professional: Card


CARD_COLUMNS = (
    Professional.id,
    Professional.rpps,
    Professional.last_name,
    Professional.first_name,
    Professional.profession,
    Professional.address,
    Professional.city,
    Professional.postal_code,
    Professional.phone,
)


def _within(bound: Bound) -> Any:
    return {
        "ge": Slot.start_at >= bound.moment,
        "gt": Slot.start_at > bound.moment,
        "le": Slot.start_at <= bound.moment,
        "lt": Slot.start_at < bound.moment,
    }[bound.prefix]


def offered_slots(search: SlotSearch, *, now: dt.datetime) -> list[OfferedSlot]:
    """Free SNP slots offered to the SAS by the searched professionals, starting in the window
    and after `now`, soonest first, with their professional.

    A professional without a street address is left out: the guide requires the address of the
    place the patient goes to (`Location.address.line`). Plain rows, not ORM objects: an answer
    may hold hundreds of slots.
    """
    query = (
        select(Slot.id, Slot.start_at, Slot.end_at, *CARD_COLUMNS)
        .join(Professional, Professional.id == Slot.professional_id)
        .where(
            Professional.rpps.in_(search.rpps),
            Professional.address.is_not(None),
            Professional.address != "",
            # The predicate of the partial index `ix_agenda_slots_sas`.
            Slot.withdrawn_at.is_(None),
            Slot.sas_visible,
            Slot.kind == "snp",
            _within(search.lower),
            _within(search.upper),
            Slot.start_at > now,
            ~active_booking_exists(),
        )
        .order_by(Slot.start_at, Professional.rpps, Slot.id)
    )
    cards: dict[uuid.UUID, Card] = {}
    offered = []
    for slot_id, start_at, end_at, *card in db.session.execute(query):
        professional = cards.setdefault(card[0], Card(*card))
        offered.append(OfferedSlot(slot_id, start_at, end_at, professional))
    return offered
