"""Directory use cases: register, update, deactivate and search professionals and
organisations; the map's features; the monthly reminder of stale availability."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from services.agenda.directory.models import AVAILABILITY_FIELDS, Organisation, Professional
from shared.auth.principal import Principal
from shared.auth.roles import ADMIN, COORDINATOR
from shared.db import for_update, unit_of_work
from shared.errors import Duplicate, Forbidden, NotFound
from shared.extensions import db
from shared.geo import by_insee, locate
from shared.geo.normalize import strip_accents
from shared.outbox.emit import emit
from shared.privacy.registry import case_types
from shared.timeutil import utcnow

KM_PER_DEGREE = 111.2
STALE_AFTER = dt.timedelta(days=30)
REMINDER_EVENT = "directory.availability_reminder"
REMINDER_BATCH = 500
SORT_COLUMNS = {
    "name": (Professional.search_name,),
    "city": (Professional.city, Professional.search_name),
    "capacity": (Professional.new_patient_capacity, Professional.search_name),
    "updated": (Professional.capacity_updated_at, Professional.search_name),
}


def search_key(*parts: str | None) -> str:
    """The accent- and case-insensitive form names are searched by (`Lévy` -> `levy`)."""
    return " ".join(strip_accents(part).lower().strip() for part in parts if part)


def locate_entry(entry: Professional | Organisation) -> None:
    """Fill the INSEE code and the coordinates from the commune table (never a web service)."""
    commune = by_insee(entry.insee) if entry.insee else locate(entry.postal_code, entry.city)
    if commune is None:
        return
    entry.insee = commune.insee
    if entry.latitude is None or entry.longitude is None:
        entry.latitude, entry.longitude = commune.latitude, commune.longitude


def _moved(data: dict[str, Any]) -> bool:
    """Whether an update changes the place without giving new coordinates."""
    return bool({"postal_code", "city", "insee"} & data.keys()) and not (
        {"latitude", "longitude"} & data.keys()
    )


# --- professionals ------------------------------------------------------------------------


def register_professional(*, data: dict[str, Any]) -> Professional:
    """Add a professional to the directory; coordinates come from the commune when absent."""
    professional = Professional(**data)
    professional.search_name = search_key(professional.last_name, professional.first_name)
    professional.capacity_updated_at = utcnow()
    locate_entry(professional)
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


def check_may_edit(*, professional_id: uuid.UUID, fields: set[str], principal: Principal) -> None:
    """Coordinator and admin change anything; a professional only their own availability."""
    if principal.has(COORDINATOR, ADMIN):
        return
    if principal.professional_id != professional_id:
        raise Forbidden("Vous ne pouvez modifier que votre propre fiche.")
    reserved = sorted(fields - AVAILABILITY_FIELDS)
    if reserved:
        raise Forbidden(
            "Ces champs sont réservés à la coordination de la CPTS : " + ", ".join(reserved) + "."
        )


def update_professional(
    *, professional_id: uuid.UUID, data: dict[str, Any], principal: Principal
) -> Professional:
    """Change a directory entry (coordinator, admin, or the professional's own availability).

    Availability confirmed by the professional, or changed by anyone, stamps
    `capacity_updated_at`: the coordinator sees how fresh each capacity is."""
    check_may_edit(professional_id=professional_id, fields=set(data), principal=principal)
    with unit_of_work() as session:
        professional = session.scalar(
            for_update(select(Professional).where(Professional.id == professional_id))
        )
        if professional is None:
            raise NotFound("Professionnel introuvable dans l'annuaire.")
        by_themself = principal.professional_id == professional_id
        changed = {key for key, value in data.items() if getattr(professional, key) != value}
        moved = _moved(data)
        for key, value in data.items():
            setattr(professional, key, value)
        if data.get("active") is False:
            # A deactivated entry stays for the cases that name it but is never suggested.
            professional.accepts_new_patients = False
        if changed & AVAILABILITY_FIELDS or (by_themself and data.keys() & AVAILABILITY_FIELDS):
            professional.capacity_updated_at = utcnow()
            professional.availability_reminded_at = None
        if {"last_name", "first_name"} & changed:
            professional.search_name = search_key(professional.last_name, professional.first_name)
        if moved:
            professional.latitude = professional.longitude = None
            if "insee" not in data:
                professional.insee = None
        locate_entry(professional)
    return professional


def _near_clause(near: tuple[float, float], radius_km: float) -> Any:
    # An equirectangular distance, exact enough at a territory's scale and portable to SQLite.
    lat, lon = near
    dy = (Professional.latitude - lat) * KM_PER_DEGREE
    dx = (Professional.longitude - lon) * (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return (dy * dy + dx * dx) <= radius_km * radius_km


def search_query(
    *,
    profession: str | None = None,
    city: str | None = None,
    accepting_new_patients: bool | None = None,
    ids: list[uuid.UUID] | None = None,
    q: str | None = None,
    qualification: str | None = None,
    postal_code: str | None = None,
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    include_inactive: bool = False,
    sort: str = "name",
) -> Select[Any]:
    """Professionals matching the filters (active ones unless asked or named by id), sorted."""
    query = select(Professional)
    if ids is not None:
        query = query.where(Professional.id.in_(ids))
    elif not include_inactive:
        query = query.where(Professional.active.is_(True))
    if profession:
        query = query.where(Professional.profession == profession)
    if city:
        query = query.where(func.lower(Professional.city) == city.strip().lower())
    if postal_code:
        query = query.where(Professional.postal_code == postal_code.strip())
    if accepting_new_patients is not None:
        query = query.where(Professional.accepts_new_patients.is_(accepting_new_patients))
    for word in search_key(q).split() if q else ():
        query = query.where(Professional.search_name.contains(word, autoescape=True))
    if qualification:
        # JSON lists compared as text: portable, and the codes never contain one another.
        query = query.where(
            func.cast(Professional.qualifications, db.String).contains(f'"{qualification}"')
        )
    if near is not None and radius_km is not None:
        query = query.where(_near_clause(near, radius_km))
    columns = SORT_COLUMNS[sort.lstrip("-")]
    order = [c.desc() if sort.startswith("-") else c.asc() for c in columns]
    return query.order_by(*order, Professional.id)


def stale_availability(now: dt.datetime | None = None) -> Select[Any]:
    """Active volunteer GPs (members or accepting new patients) whose availability is older
    than a month and who were not reminded since."""
    cutoff = (now or utcnow()) - STALE_AFTER
    return select(Professional).where(
        Professional.active.is_(True),
        Professional.profession == "gp",
        or_(Professional.cpts_member.is_(True), Professional.accepts_new_patients.is_(True)),
        or_(Professional.capacity_updated_at.is_(None), Professional.capacity_updated_at < cutoff),
        or_(
            Professional.availability_reminded_at.is_(None),
            Professional.availability_reminded_at < cutoff,
        ),
    )


def remind_stale_availability(now: dt.datetime | None = None) -> int:
    """Ask GPs whose availability is older than a month to confirm it (at most once a month)."""
    now = now or utcnow()
    with unit_of_work() as session:
        due = list(
            session.scalars(
                stale_availability(now)
                .order_by(Professional.id)
                .limit(REMINDER_BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        for professional in due:
            professional.availability_reminded_at = now
            emit(
                REMINDER_EVENT,
                reference=None,
                payload={
                    "professional_id": str(professional.id),
                    "capacity_updated_at": professional.capacity_updated_at.isoformat()
                    if professional.capacity_updated_at
                    else None,
                },
            )
        return len(due)


def may_see_cases(principal: Principal) -> bool:
    """Only the coordination sees the cases in progress with a professional."""
    return principal.has(COORDINATOR, ADMIN)


# The columns by which a case names the professional who works on it.
CASE_PARTY_SUFFIXES = ("professional_id", "gp_id", "nurse_id")
CASE_LIMIT = 50


def cases_in_progress(professional_id: uuid.UUID) -> list[dict[str, str]]:
    """The open cases of every registered case type that name this professional (read-only,
    for the coordination's view of the entry): reference, kind and state."""
    found: list[dict[str, str]] = []
    for record_type in case_types():
        model = record_type.model
        columns = [
            column
            for column in model.__table__.columns
            if column.name.endswith(CASE_PARTY_SUFFIXES) and column.name != "created_by"
        ]
        if not columns:
            continue
        rows = db.session.scalars(
            select(model)
            .where(or_(*(column == professional_id for column in columns)))
            .order_by(model.created_at.desc())
            .limit(CASE_LIMIT)
        )
        found.extend(
            {
                "reference": str(row.reference),
                "kind": model.__tablename__,
                "state": str(getattr(row, "state", "")),
            }
            for row in rows
            if not record_type.closed(row)
        )
    return found


def is_self_service(principal: Principal) -> bool:
    """Whether the caller is a professional who keeps their own availability."""
    return principal.professional_id is not None and not principal.has(COORDINATOR, ADMIN)


# --- organisations ------------------------------------------------------------------------


def register_organisation(*, data: dict[str, Any]) -> Organisation:
    """Add a structure of the territory."""
    organisation = Organisation(**data)
    organisation.search_name = search_key(organisation.name)
    locate_entry(organisation)
    with unit_of_work() as session:
        session.add(organisation)
    return organisation


def get_organisation(organisation_id: uuid.UUID) -> Organisation:
    """One organisation, or `NotFound`."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("Structure introuvable dans l'annuaire.")
    return organisation


def update_organisation(*, organisation_id: uuid.UUID, data: dict[str, Any]) -> Organisation:
    """Change (or deactivate) a structure."""
    with unit_of_work() as session:
        organisation = session.scalar(
            for_update(select(Organisation).where(Organisation.id == organisation_id))
        )
        if organisation is None:
            raise NotFound("Structure introuvable dans l'annuaire.")
        for key, value in data.items():
            setattr(organisation, key, value)
        organisation.search_name = search_key(organisation.name)
        if _moved(data):
            organisation.latitude = organisation.longitude = None
            if "insee" not in data:
                organisation.insee = None
        locate_entry(organisation)
    return organisation


def organisation_query(
    *,
    kind: str | None = None,
    q: str | None = None,
    commune: str | None = None,
    include_inactive: bool = False,
) -> Select[Any]:
    """Organisations matching the filters, by name; `commune` (INSEE) matches where they are
    or the communes they serve."""
    query = select(Organisation)
    if not include_inactive:
        query = query.where(Organisation.active.is_(True))
    if kind:
        query = query.where(Organisation.kind == kind)
    for word in search_key(q).split() if q else ():
        query = query.where(Organisation.search_name.contains(word, autoescape=True))
    if commune:
        query = query.where(
            or_(
                Organisation.insee == commune,
                func.cast(Organisation.communes_served, db.String).contains(f'"{commune}"'),
            )
        )
    return query.order_by(Organisation.search_name, Organisation.id)


# --- the map ------------------------------------------------------------------------------


def map_features(
    *, profession: str | None = None, kind: str | None = None, type_: str | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the active, located professionals and organisations."""
    features: list[dict[str, Any]] = []
    if type_ in (None, "professional") and not kind:
        rows = db.session.execute(
            search_query(profession=profession)
            .where(Professional.latitude.is_not(None))
            .with_only_columns(
                Professional.id,
                Professional.first_name,
                Professional.last_name,
                Professional.profession,
                Professional.city,
                Professional.latitude,
                Professional.longitude,
                Professional.accepts_new_patients,
            )
        )
        features.extend(
            _feature(
                row.id,
                "professional",
                f"{row.first_name} {row.last_name}",
                row.city,
                row.latitude,
                row.longitude,
                profession=row.profession,
                accepts_new_patients=row.accepts_new_patients,
            )
            for row in rows
        )
    if type_ in (None, "organisation") and not profession:
        organisations = db.session.scalars(
            organisation_query(kind=kind).where(Organisation.latitude.is_not(None))
        )
        features.extend(
            _feature(o.id, "organisation", o.name, o.city, o.latitude, o.longitude, kind=o.kind)
            for o in organisations
        )
    return {"type": "FeatureCollection", "features": features}


def _feature(
    id_: uuid.UUID,
    type_: str,
    name: str,
    city: str,
    latitude: float,
    longitude: float,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(longitude, 5), round(latitude, 5)]},
        "properties": {"id": str(id_), "type": type_, "name": name, "city": city, **extra},
    }


def first_rows(query: Any, limit: int) -> list[Any]:
    """The first `limit` rows of a directory query (an export's content)."""
    return list(db.session.scalars(query.limit(limit)))
