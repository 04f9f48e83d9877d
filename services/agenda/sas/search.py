"""Reads of the SAS search: the free SNP slots the professionals offer to the SAS.

Only directory data leaves this module (slots, professionals): never a booking or a patient.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from services.agenda.directory.models import Professional
from services.agenda.sas.schemas import Bound, SlotSearch
from services.agenda.slots.models import Slot
from services.agenda.slots.service import active_booking_exists
from shared.extensions import db


def _within(bound: Bound) -> Any:
    return {
        "ge": Slot.start_at >= bound.moment,
        "gt": Slot.start_at > bound.moment,
        "le": Slot.start_at <= bound.moment,
        "lt": Slot.start_at < bound.moment,
    }[bound.prefix]


def offered_slots(search: SlotSearch, *, now: dt.datetime) -> list[tuple[Slot, Professional]]:
    """Free SNP slots offered to the SAS by the searched professionals, starting in the window
    and after `now`, soonest first, with their professional.

    A professional without a street address is left out: the guide requires the address of the
    place the patient goes to (`Location.address.line`).
    """
    query = (
        select(Slot, Professional)
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
    return [(slot, professional) for slot, professional in db.session.execute(query).all()]
