"""Public self-registration: a patient or a carer puts the patient on the CPTS's list.

Nobody is logged in, so the answer must tell nothing: the same 202 and the same kind of
receipt whether the case is new, a duplicate (the open case gains a note instead) or a bot
that filled in the trap field (nothing stored). Each client address may send
`HOURLY_LIMIT` requests an hour, counted atomically before anything is checked.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.orientation.medecin_traitant.intake.models import PublicSubmissionCounter
from services.orientation.medecin_traitant.intake.sources import CARER, PATIENT
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.service import (
    MEDECIN_TRAITANT,
    new_case,
    store_case,
)
from shared.audit.service import record_audit
from shared.auth.principal import Principal
from shared.cases.service import open_duplicate
from shared.crypto import current_keyring
from shared.db import dialect_insert, for_update, unit_of_work
from shared.errors import RateLimited
from shared.extensions import db
from shared.outbox.emit import emit
from shared.timeutil import utcnow

HOURLY_LIMIT = 5
WINDOW = dt.timedelta(hours=1)
# Who "created" a self-registered case: no account of ours, no role (the history says who).
PUBLIC = Principal(user_id=uuid.UUID(int=1), email="inscription-en-ligne@relais", roles=frozenset())
MESSAGE = (
    "Merci, votre demande a bien été reçue. La coordination de la CPTS vous appellera pour "
    "vérifier les informations avant de chercher un médecin traitant."
)
# Events: the coordination hears of each registration; the person who gave an e-mail gets an
# acknowledgement (no health data, no reference to a case).
ACKNOWLEDGEMENT = "medecin_traitant.public_acknowledgement"
NOTE_ADDED = "medecin_traitant.public_note"


def reserve_submission(*, ip: str, now: dt.datetime | None = None) -> None:
    """Count a request from `ip`; `RateLimited` (not counted) past `HOURLY_LIMIT` an hour.

    The counter row is created if missing and locked until the commit, so parallel requests
    cannot all read the same count."""
    now = now or utcnow()
    with unit_of_work():
        db.session.execute(
            dialect_insert(PublicSubmissionCounter)
            .values(ip=ip, window_start=now, count=0)
            .on_conflict_do_nothing(index_elements=["ip"])
        )
        counter = db.session.scalars(
            for_update(select(PublicSubmissionCounter).where(PublicSubmissionCounter.ip == ip))
        ).one()
        if counter.window_start <= now - WINDOW:
            counter.count, counter.window_start = 0, now
        if counter.count >= HOURLY_LIMIT:
            retry = counter.window_start + WINDOW - now
            minutes = max(1, int(retry.total_seconds() // 60) + 1)
            raise RateLimited(
                f"Trop de demandes depuis cette connexion : réessayez dans {minutes} minutes.",
                retry_after=int(retry.total_seconds()) + 1,
            )
        counter.count += 1


def register(*, data: dict[str, Any]) -> str:
    """Record a self-registration; the opaque receipt, whatever happened."""
    receipt = secrets.token_urlsafe(12)
    if data["website"]:
        return receipt  # a bot filled in the trap: it learns nothing, nothing is stored
    contact = data["contact"]
    case = new_case(data)
    case.source = PATIENT if contact["relationship"] == "self" else CARER
    case.contact_relationship = contact["relationship"]
    case.contact_name = contact.get("name")
    case.contact_phone = contact.get("phone")
    case.contact_email = contact.get("email")
    case.intake_notes = []
    try:
        with unit_of_work():
            store_case(case, PUBLIC)
            _acknowledge(case, note=None)
    except IntegrityError:
        _add_note(case, contact, data["situation"]["reason"])
    return receipt


def _acknowledge(case: MedecinTraitantCase, *, note: int | None) -> None:
    emit(ACKNOWLEDGEMENT, reference=None, payload={"case_id": str(case.id), "note": note})


def _add_note(draft: MedecinTraitantCase, contact: dict[str, Any], reason: str) -> None:
    """The patient already has an open case: it gains a note, the coordination is told."""
    with unit_of_work():
        existing = open_duplicate(MEDECIN_TRAITANT, draft)
        if existing is None:  # closed meanwhile: nothing to add to, the receipt stands
            return
        case = db.session.scalars(
            for_update(select(MedecinTraitantCase).where(MedecinTraitantCase.id == existing.id))
        ).one()
        now = utcnow()
        case.intake_notes = [
            *(case.intake_notes or []),
            {
                "at": now.isoformat(),
                "relationship": contact["relationship"],
                "name": contact.get("name"),
                # Encrypted like every phone number at rest (the JSON column is not).
                "phone": current_keyring().encrypt(contact["phone"])
                if contact.get("phone")
                else None,
                "email": contact.get("email"),
                "reason": reason,
            },
        ]
        case.updated_at = now
        case.version += 1
        record_audit(action="update", reference=case.reference, user_email=PUBLIC.email)
        emit(NOTE_ADDED, reference=case.reference, payload={"case_id": str(case.id)})
        _acknowledge(case, note=len(case.intake_notes) - 1)


def acknowledgement_address(case_id: uuid.UUID, note: int | None) -> str | None:
    """The e-mail given with the registration (`note`: index of a later one), if any."""
    case = db.session.get(MedecinTraitantCase, case_id)
    if case is None:
        return None
    if note is None:
        return case.contact_email
    notes = case.intake_notes or []
    return notes[note].get("email") if 0 <= note < len(notes) else None
