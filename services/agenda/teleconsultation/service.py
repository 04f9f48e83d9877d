"""The assisted-teleconsultation case type: who sees a case, how `pair` books a slot, what each
transition does to the case, its declaration (`TELECONSULTATION`) and its use cases; the only
place that commits or emits their events."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.exc import IntegrityError

from services.agenda.bookings.models import Booking
from services.agenda.bookings.service import add_booking, release
from services.agenda.directory.models import Professional
from services.agenda.pairings.service import paired_gp_ids
from services.agenda.slots.models import Slot
from services.agenda.slots.service import active_booking_exists
from services.agenda.teleconsultation.machine import MACHINE
from services.agenda.teleconsultation.models import TeleconsultationCase, TeleconsultationHistory
from services.agenda.teleconsultation.schemas import HistoryEntrySchema, TeleconsultationSchema
from services.agenda.teleconsultation.states import STATES
from shared.audit.service import record_audit
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR, GP, NURSE
from shared.cases.case_type import CaseType, Effect, Participants
from shared.cases.service import (
    check_version,
    check_visible,
    create_case,
    lock_case,
    record_step,
)
from shared.db import for_update, unit_of_work
from shared.errors import Forbidden, InvalidTransition, ValidationFailed
from shared.extensions import db
from shared.geo import distance_km, locate
from shared.privacy.registry import register_case_type
from shared.timeutil import utcnow

MAX_WINDOW = dt.timedelta(days=31)
# Ranks of the GPs `pair` considers, best first.
PREFERRED, PAIRED, OTHER = 0, 1, 2


# --- who sees a case ----------------------------------------------------------------------------


def visibility(principal: Principal) -> ColumnElement[bool]:
    """SQL condition for the teleconsultations `principal` may see."""
    if principal.has(COORDINATOR):
        return true()
    conditions = [TeleconsultationCase.created_by == principal.user_id]
    pid = principal.professional_id
    if principal.has(NURSE) and pid is not None:
        conditions.append(TeleconsultationCase.nurse_professional_id == pid)
    if principal.has(GP) and pid is not None:
        conditions.append(TeleconsultationCase.professional_id == pid)
    return or_(*conditions) if conditions else false()


def can_see(case: TeleconsultationCase, principal: Principal) -> bool:
    """Whether `principal` may read `case`."""
    pid = principal.professional_id
    return (
        principal.has(COORDINATOR)
        or case.created_by == principal.user_id
        or (principal.has(NURSE) and pid is not None and case.nurse_professional_id == pid)
        or (principal.has(GP) and pid is not None and case.professional_id == pid)
    )


def participants(case: TeleconsultationCase) -> Participants:
    """Told of a message: the coordination, the requester, the nurse and the paired GP."""
    pros = (case.nurse_professional_id, case.professional_id)
    return Participants(
        roles=(COORDINATOR,),
        user_ids=(case.created_by,),
        professional_ids=tuple(dict.fromkeys(pid for pid in pros if pid)),
    )


# --- pairing: which slot to book -----------------------------------------------------------


def _origin(case: TeleconsultationCase) -> tuple[float, float] | None:
    """Where the patient is (their commune), else the nurse's practice."""
    commune = locate(case.patient_postal_code, case.patient_city)
    if commune is not None:
        return commune.latitude, commune.longitude
    nurse = db.session.get(Professional, case.nurse_professional_id)
    if nurse is not None and nurse.latitude is not None and nurse.longitude is not None:
        return nurse.latitude, nurse.longitude
    return None


def ranked_slots(case: TeleconsultationCase) -> list[Slot]:
    """Free GP teleconsultation slots in the window, best first.

    The preferred GP first, then the nurse's standing pairs (earliest slot first), then the
    other GPs by distance from the patient, each GP's earliest slot first.
    """
    rows = db.session.execute(
        select(Slot, Professional)
        .join(Professional, Professional.id == Slot.professional_id)
        .where(
            Slot.kind == "teleconsultation",
            Slot.withdrawn_at.is_(None),
            Slot.start_at >= case.window_from,
            Slot.start_at > utcnow(),
            Slot.end_at <= case.window_to,
            Professional.profession == "gp",
            ~active_booking_exists(),
        )
        .order_by(Slot.start_at, Slot.id)
    ).all()
    paired = set(paired_gp_ids(case.nurse_professional_id))
    origin = _origin(case)

    def rank(row: Any) -> tuple[int, float, dt.datetime]:
        slot, gp = row
        if gp.id == case.preferred_professional_id:
            return PREFERRED, 0.0, slot.start_at
        if gp.id in paired:
            return PAIRED, 0.0, slot.start_at
        if origin is None or gp.latitude is None or gp.longitude is None:
            return OTHER, float("inf"), slot.start_at
        return OTHER, distance_km(*origin, gp.latitude, gp.longitude), slot.start_at

    return [slot for slot, _gp in sorted(rows, key=rank)]


def _booking_patient(case: TeleconsultationCase) -> dict[str, Any]:
    return {**case.patient_dict(), "birth_date": case.patient_birth_date}


def _pair(case: TeleconsultationCase, _data: dict[str, Any], principal: Principal) -> dict:
    for slot in ranked_slots(case):
        try:
            # A savepoint per attempt: a slot taken meanwhile just moves us to the next one.
            with db.session.begin_nested():
                # Lock the slot as `book_slot` does, so a concurrent withdrawal cannot interleave.
                locked = db.session.scalar(
                    for_update(select(Slot).where(Slot.id == slot.id, Slot.withdrawn_at.is_(None)))
                )
                if locked is None:
                    continue
                booking = add_booking(
                    slot=slot,
                    patient=_booking_patient(case),
                    reason=case.reason,
                    principal=principal,
                    teleconsultation_id=case.id,
                )
        except IntegrityError:
            continue
        case.professional_id = slot.professional_id
        case.slot_id = slot.id
        case.booking_id = booking.id
        case.scheduled_start, case.scheduled_end = slot.start_at, slot.end_at
        return {
            "professional_id": str(slot.professional_id),
            "nurse_professional_id": str(case.nurse_professional_id),
            "slot_id": str(slot.id),
            "booking_id": str(booking.id),
            "start": slot.start_at.isoformat(),
        }
    raise ValidationFailed(
        {"window": ["Aucun créneau de téléconsultation libre d'un médecin dans cette fenêtre."]},
        "Aucun créneau de téléconsultation n'est disponible : élargissez la fenêtre.",
    )


def _release_slot(case: TeleconsultationCase, principal: Principal) -> dict[str, Any]:
    """Cancel the case's booking (the slot becomes free) and forget the schedule."""
    extra = {
        "professional_id": str(case.professional_id) if case.professional_id else None,
        "nurse_professional_id": str(case.nurse_professional_id),
        "slot_id": str(case.slot_id) if case.slot_id else None,
    }
    if case.booking_id is not None:
        booking = db.session.get(Booking, case.booking_id)
        if booking is not None and booking.cancelled_at is None:
            release(booking, principal)
    case.professional_id = case.slot_id = case.booking_id = None
    case.scheduled_start = case.scheduled_end = None
    return extra


def _complete(case: TeleconsultationCase, _data: dict[str, Any], _p: Principal) -> dict:
    case.completed_at = case.transition_at
    return {
        "professional_id": str(case.professional_id),
        "nurse_professional_id": str(case.nurse_professional_id),
    }


def _no_show(case: TeleconsultationCase, _data: dict[str, Any], principal: Principal) -> dict:
    case.no_show_count += 1
    return _release_slot(case, principal)


def _cancel(case: TeleconsultationCase, data: dict[str, Any], principal: Principal) -> dict:
    case.cancel_reason = data["reason"]
    case.cancelled_at = case.transition_at
    return _release_slot(case, principal)


EFFECTS: dict[str, Effect] = {
    "pair": _pair,
    "complete": _complete,
    "no_show": _no_show,
    "cancel": _cancel,
}


TELECONSULTATION = CaseType(
    model=TeleconsultationCase,
    participants=participants,
    history=TeleconsultationHistory,
    machine=MACHINE,
    prefix="TC",
    visibility=visibility,
    can_see=can_see,
    schema=TeleconsultationSchema(),
    history_schema=HistoryEntrySchema(many=True),  # times in Europe/Paris
    free_text=("reason",),
    effects=EFFECTS,
    comment_fields=("comment", "reason"),
    not_found="Téléconsultation introuvable.",
)
register_case_type(TELECONSULTATION)


# --- use cases --------------------------------------------------------------------------------


def request_teleconsultation(*, data: dict[str, Any], principal: Principal) -> TeleconsultationCase:
    """A nurse asks for an assisted teleconsultation within a time window (state `requested`)."""
    if principal.professional_id is None:
        raise Forbidden("Votre compte n'est rattaché à aucune fiche de l'annuaire.")
    window_from = data["window"]["from_"].astimezone(dt.UTC)
    window_to = data["window"]["to"].astimezone(dt.UTC)
    if window_to <= window_from:
        raise ValidationFailed({"window.to": ["La fin de la fenêtre doit suivre son début."]})
    if window_to <= utcnow():
        raise ValidationFailed({"window.to": ["La fenêtre proposée est déjà passée."]})
    if window_to - window_from > MAX_WINDOW:
        raise ValidationFailed({"window.to": ["La fenêtre dure 31 jours au maximum."]})
    preferred = data["preferred_professional_id"]
    if preferred is not None:
        gp = db.session.get(Professional, preferred)
        if gp is None or gp.profession != "gp":
            raise ValidationFailed(
                {
                    "preferred_professional_id": [
                        "Ce professionnel n'est pas un médecin généraliste."
                    ]
                }
            )
    case = TeleconsultationCase(
        reason=data["reason"],
        window_from=window_from,
        window_to=window_to,
        nurse_professional_id=principal.professional_id,
        preferred_professional_id=preferred,
        no_show_count=0,
    )
    case.set_patient(data["patient"])
    with unit_of_work():
        create_case(
            TELECONSULTATION,
            case,
            principal=principal,
            extra_event={"nurse_professional_id": str(case.nurse_professional_id)},
        )
    return case


def list_query(*, principal: Principal, state: str | None) -> Select[Any]:
    """The teleconsultations the caller may see, newest first."""
    query = select(TeleconsultationCase).where(visibility(principal))
    if state:
        query = query.where(TeleconsultationCase.state == state)
    return query.order_by(TeleconsultationCase.created_at.desc(), TeleconsultationCase.id)


def set_video_link(
    *,
    case_id: uuid.UUID,
    video_url: str | None,
    principal: Principal,
    if_match: int | None = None,
) -> TeleconsultationCase:
    """Set (or remove, with None) the video call's address of an open teleconsultation: its
    nurse, its GP or the coordination; version +1, history and audit."""
    with unit_of_work():
        case = check_visible(TELECONSULTATION, lock_case(TELECONSULTATION, case_id), principal)
        check_version(case, if_match)
        pid = principal.professional_id
        if not principal.has(COORDINATOR) and pid not in (
            case.nurse_professional_id,
            case.professional_id,
        ):
            raise Forbidden("Seuls l'infirmière, le médecin et la coordination modifient ce lien.")
        if case.state not in STATES.open:
            raise InvalidTransition(
                "Cette téléconsultation est terminée : son lien ne change plus.",
                details={"state": case.state},
            )
        if case.video_url == video_url:
            record_audit(action="read", reference=case.reference)
            return case
        case.video_url = video_url
        record_step(
            TELECONSULTATION,
            case,
            name="update",
            before=case.state,
            principal=principal,
            comment="Lien de visioconférence " + ("enregistré." if video_url else "retiré."),
            data={"fields": ["video_url"]},
        )
        record_audit(action="update", reference=case.reference)
    return case
