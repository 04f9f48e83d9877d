"""Standing nurse–GP pairs: create, list, remove."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError

from services.agenda.directory.models import Professional
from services.agenda.pairings.models import Pairing
from shared.auth.principal import Principal
from shared.auth.roles import ADMIN, COORDINATOR, REPORTING
from shared.db import unit_of_work
from shared.errors import Duplicate, Forbidden, NotFound, ValidationFailed
from shared.extensions import db


def _check_profession(professional_id: uuid.UUID, profession: str, field: str) -> None:
    professional = db.session.get(Professional, professional_id)
    if professional is None:
        raise ValidationFailed({field: ["Professionnel introuvable dans l'annuaire."]})
    if professional.profession != profession:
        label = (
            "un infirmier ou une infirmière" if profession == "nurse" else "un médecin généraliste"
        )
        raise ValidationFailed({field: [f"Ce professionnel n'est pas {label}."]})


def create_pairing(*, nurse_id: uuid.UUID, gp_id: uuid.UUID, principal: Principal) -> Pairing:
    """Record a standing pair (the coordinator, or the nurse for herself); 409 when it exists."""
    if not principal.has(COORDINATOR, ADMIN) and principal.professional_id != nurse_id:
        raise Forbidden("Vous ne pouvez former un binôme que pour vous-même.")
    _check_profession(nurse_id, "nurse", "nurse_id")
    _check_profession(gp_id, "gp", "gp_id")
    pairing = Pairing(nurse_id=nurse_id, gp_id=gp_id, created_by=principal.user_id)
    try:
        with unit_of_work() as session:
            session.add(pairing)
    except IntegrityError as exc:
        raise Duplicate("Ce binôme infirmier–médecin existe déjà.") from exc
    return pairing


def list_query(
    *, principal: Principal, nurse_id: uuid.UUID | None, gp_id: uuid.UUID | None
) -> Select[Any]:
    """Pairs the caller may see (their own; all for the coordinator), oldest first."""
    query = select(Pairing)
    if not principal.has(COORDINATOR, ADMIN, REPORTING):
        pid = principal.professional_id
        query = query.where(or_(Pairing.nurse_id == pid, Pairing.gp_id == pid))
    if nurse_id:
        query = query.where(Pairing.nurse_id == nurse_id)
    if gp_id:
        query = query.where(Pairing.gp_id == gp_id)
    return query.order_by(Pairing.created_at, Pairing.id)


def delete_pairing(*, pairing_id: uuid.UUID, principal: Principal) -> None:
    """End a standing pair (the coordinator, or one of the pair)."""
    with unit_of_work() as session:
        pairing = session.get(Pairing, pairing_id)
        if pairing is None:
            raise NotFound("Binôme introuvable.")
        if not principal.has(COORDINATOR, ADMIN) and principal.professional_id not in (
            pairing.nurse_id,
            pairing.gp_id,
        ):
            raise Forbidden("Vous ne pouvez mettre fin qu'à vos propres binômes.")
        session.delete(pairing)


def paired_gp_ids(nurse_id: uuid.UUID) -> list[uuid.UUID]:
    """The GPs a nurse has a standing pair with, oldest pair first."""
    return list(
        db.session.scalars(
            select(Pairing.gp_id)
            .where(Pairing.nurse_id == nurse_id)
            .order_by(Pairing.created_at, Pairing.id)
        )
    )


def present(pairings: list[Pairing]) -> list[dict[str, Any]]:
    """Pairs with both professionals, ready for `PairingSchema`."""
    ids = {p.nurse_id for p in pairings} | {p.gp_id for p in pairings}
    people = {
        p.id: p for p in db.session.scalars(select(Professional).where(Professional.id.in_(ids)))
    }
    return [
        {
            "id": p.id,
            "nurse_id": p.nurse_id,
            "gp_id": p.gp_id,
            "nurse": people.get(p.nurse_id),
            "gp": people.get(p.gp_id),
            "created_at": p.created_at,
        }
        for p in pairings
    ]
