"""The agenda's forms, field by field, and the page-only schemas that turn a day and two
times (what a person types) into the aware datetimes the API's services take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, post_load, validates_schema

from services.agenda.slots.schemas import HH_MM
from shared.schemas import BaseSchema, Boolean, Date, Float, String, length, one_of
from shared.timeutil import exists_in_paris, from_paris
from shared.web.forms import Field
from shared.web.patient import PATIENT_FIELDS

KIND_LABELS = {"snp": "Soins non programmés", "teleconsultation": "Téléconsultation"}
KIND_CHOICES = tuple(KIND_LABELS.items())
WEEKDAYS = (
    ("1", "Lundi"),
    ("2", "Mardi"),
    ("3", "Mercredi"),
    ("4", "Jeudi"),
    ("5", "Vendredi"),
    ("6", "Samedi"),
    ("7", "Dimanche"),
)
MAX_SEARCH_DAYS = 31
SAS_VISIBLE_FIELD = Field(
    "sas_visible",
    "Proposer au SAS (Service d'accès aux soins)",
    "checkbox",
    hint="Soins non programmés seulement : la régulation du SAS voit ces créneaux et peut les "
    "réserver.",
)

SEARCH_FIELDS = (
    Field("city", "Commune", required=True, hint="Par exemple : Lyon."),
    Field("postal_code", "Code postal", hint="Facultatif. Précise la commune (5 chiffres)."),
    Field("radius_km", "Rayon (km)", hint="30 km par défaut."),
    Field("start_date", "Du", "date", required=True),
    Field("end_date", "Au", "date", required=True, hint="Inclus ; 31 jours au plus."),
)
BOOKING_FIELDS = (
    *PATIENT_FIELDS,
    Field(
        "reason",
        "Motif de la consultation",
        "textarea",
        required=True,
        hint="Ce que le médecin doit savoir avant de recevoir le patient.",
    ),
)
SLOT_FIELDS = (
    Field("date", "Jour", "date", required=True),
    Field("start_time", "Début", required=True, hint="HH:MM, heure de Paris."),
    Field("end_time", "Fin", required=True, hint="HH:MM ; 4 heures au plus."),
    Field("kind", "Type", "select", required=True, choices=KIND_CHOICES),
    SAS_VISIBLE_FIELD,
)
RECURRING_FIELDS = (
    Field("weekday", "Jour de la semaine", "select", required=True, choices=WEEKDAYS),
    Field("start_time", "De", required=True, hint="HH:MM, heure de Paris."),
    Field("end_time", "À", required=True, hint="HH:MM."),
    Field("slot_minutes", "Durée d'un créneau (minutes)", required=True),
    Field("count", "Nombre de créneaux par jour", hint="Facultatif. Autant que la plage permet."),
    Field("weeks", "Pendant (semaines)", required=True),
    Field("start_date", "À partir du", "date", hint="Facultatif. Aujourd'hui par défaut."),
    Field("kind", "Type", "select", required=True, choices=KIND_CHOICES),
    SAS_VISIBLE_FIELD,
)


def _wall_clock(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes))


def paris_moment(day: dt.date, hhmm: str) -> dt.datetime:
    """`day` at `hh:mm` in Europe/Paris, as an aware datetime; in the hour the autumn change
    repeats, the first time the clock shows it (see docs/agenda.md)."""
    return from_paris(_wall_clock(day, hhmm))


def skipped_times(day: dt.date, **times: str) -> dict[str, list[str]]:
    """French errors, by field, for the times typed that do not exist in Paris on `day`: the
    hour the clocks skip on the night of the spring change."""
    return {
        name: [
            f"L'heure {hhmm} n'existe pas le {day:%d/%m/%Y} : cette nuit-là, à 2 h, les "
            "horloges passent directement à 3 h (heure d'été). Choisissez une heure avant 2 h "
            "ou à partir de 3 h."
        ]
        for name, hhmm in times.items()
        if not exists_in_paris(_wall_clock(day, hhmm))
    }


class SlotSearchFormSchema(BaseSchema):
    """The search form: a commune and a range of days (Paris)."""

    city = String(required=True, validate=length(100))
    postal_code = String(load_default=None, validate=length(5))
    radius_km = Float(load_default=30.0)
    start_date = Date(required=True)
    end_date = Date(required=True)

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            raise ValidationError("La fin doit suivre le début.", field_name="end_date")
        if start and end and (end - start).days > MAX_SEARCH_DAYS:
            raise ValidationError("31 jours au plus.", field_name="end_date")
        radius = data.get("radius_km")
        if radius is not None and not 0 <= radius <= 300:
            raise ValidationError("Rayon entre 0 et 300 km.", field_name="radius_km")


class SlotFormSchema(BaseSchema):
    """One slot typed as a day and two times; loads as `SlotCreateSchema`'s data."""

    date = Date(required=True)
    start_time = String(required=True, validate=HH_MM)
    end_time = String(required=True, validate=HH_MM)
    kind = String(required=True, validate=one_of(tuple(KIND_LABELS)))
    sas_visible = Boolean(load_default=False)

    @validates_schema
    def _times_exist(self, data: dict[str, Any], **_: Any) -> None:
        errors = skipped_times(
            data["date"], start_time=data["start_time"], end_time=data["end_time"]
        )
        if errors:
            raise ValidationError(errors)

    @post_load
    def _to_moments(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {
            "professional_id": None,
            "start": paris_moment(data["date"], data["start_time"]),
            "end": paris_moment(data["date"], data["end_time"]),
            "kind": data["kind"],
            "sas_visible": data["sas_visible"],
        }


# Field names of the service's errors, as named in the slot form.
SLOT_ERROR_FIELDS = {"start": "start_time", "end": "end_time"}


TELECONSULTATION_CANCEL_LABELS = {
    "patient_declined": "Le patient refuse",
    "hospitalised": "Patient hospitalisé",
    "resolved": "Le problème est résolu",
    "deceased": "Patient décédé",
    "other": "Autre motif",
}
TELECONSULTATION_FIELDS = (
    *PATIENT_FIELDS,
    Field("reason", "Motif de la téléconsultation", "textarea", required=True),
    Field("window.from_date", "Disponible à partir du", "date", required=True),
    Field("window.from_time", "à partir de", required=True, hint="HH:MM, heure de Paris."),
    Field("window.to_date", "Jusqu'au", "date", required=True),
    Field("window.to_time", "jusqu'à", required=True, hint="HH:MM ; 31 jours au plus."),
)
# Where the API schema's and the service's window errors are shown in the form.
WINDOW_ERROR_FIELDS = {
    "window.from": "window.from_time",
    "window.to": "window.to_time",
    "window": "window.to_time",
}
TELECONSULTATION_TRANSITION_FIELDS: dict[str, tuple[Field, ...]] = {
    "pair": (),
    "complete": (Field("comment", "Commentaire", "textarea", hint="Facultatif."),),
    "no_show": (Field("comment", "Commentaire", "textarea", hint="Facultatif."),),
    "cancel": (
        Field(
            "reason",
            "Motif de l'annulation",
            "select",
            required=True,
            choices=(("", "— Choisir —"), *TELECONSULTATION_CANCEL_LABELS.items()),
        ),
        Field("comment", "Précisions", "textarea", hint="Facultatif."),
    ),
}


class WindowFormSchema(BaseSchema):
    """The window typed as two days and two times (Paris)."""

    from_date = Date(required=True)
    from_time = String(required=True, validate=HH_MM)
    to_date = Date(required=True)
    to_time = String(required=True, validate=HH_MM)

    @validates_schema
    def _times_exist(self, data: dict[str, Any], **_: Any) -> None:
        errors = {
            **skipped_times(data["from_date"], from_time=data["from_time"]),
            **skipped_times(data["to_date"], to_time=data["to_time"]),
        }
        if errors:
            raise ValidationError(errors)

    @post_load
    def _to_window(self, data: dict[str, Any], **_: Any) -> dict[str, str]:
        return {
            "from": paris_moment(data["from_date"], data["from_time"]).isoformat(),
            "to": paris_moment(data["to_date"], data["to_time"]).isoformat(),
        }
