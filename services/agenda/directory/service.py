"""Directory use cases: register, update, search professionals."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from services.agenda.directory.models import Professional
from shared.auth.principal import Principal
from shared.auth.roles import ADMIN, COORDINATOR
from shared.db import for_update, unit_of_work
from shared.errors import Duplicate, Forbidden, NotFound
from shared.extensions import db
from shared.geo import locate


def _fill_coordinates(professional: Professional) -> None:
    if professional.latitude is not None and professional.longitude is not None:
        return
    commune = locate(professional.postal_code, professional.city)
    if commune is not None:
        professional.latitude, professional.longitude = commune.latitude, commune.longitude


def register_professional(*, data: dict[str, Any]) -> Professional:
    """Add a professional to the directory; coordinates come from the commune when absent."""
    professional = Professional(**data)
    _fill_coordinates(professional)
    try:
        with unit_of_work() as session:
            session.add(professional)
    except IntegrityError as exc:
        raise Duplicate("Un professionnel avec ce numéro RPPS existe déjà.") from exc
    return professional


def get_professional(professional_id: uuid.UUID) -> Professional:
    """One professional, or `NotFound`."""
    professional = db.session.get(Professional, professional_id)
    if professional is None:
        raise NotFound("Professionnel introuvable dans l'annuaire.")
    return professional


def update_professional(
    *, professional_id: uuid.UUID, data: dict[str, Any], principal: Principal
) -> Professional:
    """Change a directory entry (coordinator, admin, or the professional themself)."""
    if not (principal.has(COORDINATOR, ADMIN) or principal.professional_id == professional_id):
        raise Forbidden("Vous ne pouvez modifier que votre propre fiche.")
    with unit_of_work() as session:
        professional = session.scalar(
            for_update(select(Professional).where(Professional.id == professional_id))
        )
        if professional is None:
            raise NotFound("Professionnel introuvable dans l'annuaire.")
        location_changed = {"postal_code", "city"} & data.keys() and not (
            {"latitude", "longitude"} & data.keys()
        )
        for key, value in data.items():
            setattr(professional, key, value)
        if location_changed:
            professional.latitude = professional.longitude = None
        _fill_coordinates(professional)
    return professional


def search_query(
    *,
    profession: str | None = None,
    city: str | None = None,
    accepting_new_patients: bool | None = None,
    ids: list[uuid.UUID] | None = None,
) -> Select[Any]:
    """Professionals matching the filters, by name."""
    query = select(Professional)
    if profession:
        query = query.where(Professional.profession == profession)
    if city:
        query = query.where(func.lower(Professional.city) == city.strip().lower())
    if accepting_new_patients is not None:
        query = query.where(Professional.accepts_new_patients.is_(accepting_new_patients))
    if ids is not None:
        query = query.where(Professional.id.in_(ids))
    return query.order_by(Professional.last_name, Professional.first_name, Professional.id)
