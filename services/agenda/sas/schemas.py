"""The SAS's search parameters (`GET /fhir/sas/Slot?…`), read and checked at the edge.

The request, as the ANS guide and its test kit send it:
`start=ge<instant>&start=le<instant>` (an offset, `Z`, or none: Paris time),
`schedule.actor:Practitioner.identifier=urn:oid:1.2.250.1.71.4.2.1|8<RPPS>,…` (1 to 25),
`status=free`, `_include=Slot:schedule`, `_include:iterate=Schedule:actor`, and for CPTS slots
`_include=Slot:service-type-reference`, `_include:iterate=HealthcareService:organization`.

Parameters the guide does not define are ignored and left out of the answer's `self` link, as
FHIR servers do in their default lenient handling; with `Prefer: handling=strict` they are
refused (400). See docs/sas.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validates_schema
from werkzeug.datastructures import MultiDict

from services.agenda.sas.errors import FhirError, Issue
from shared.http.parsing import flatten_errors
from shared.schemas import REQUIRED, List, String, one_of
from shared.timeutil import from_paris

IDNPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
PRACTITIONER_PARAMETER = "schedule.actor:Practitioner.identifier"
MAX_PRACTITIONERS = 25
MAX_WINDOW = dt.timedelta(days=7)
# The guide's include chains; `_include` and `_include:iterate` are read alike for these four.
SCHEDULE, ACTORS = "Slot:schedule", "Schedule:actor"
SERVICE, ORGANIZATION = "Slot:service-type-reference", "HealthcareService:organization"
INCLUDES = (SCHEDULE, ACTORS, SERVICE, ORGANIZATION)
# Without them the answer could not hold the Schedule, Practitioner and PractitionerRole that
# the guide's Bundle profile requires.
REQUIRED_INCLUDES = (SCHEDULE, ACTORS)
REPEATABLE = ("start", "_include", "_include:iterate")
PARAMETERS = (*REPEATABLE, PRACTITIONER_PARAMETER, "status", "_format")

IDNPS = re.compile(r"8[0-9]{11}")
BOUND = re.compile(
    r"(?P<prefix>ge|gt|le|lt)"
    r"(?P<moment>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)"
)


@dataclass(frozen=True)
class Bound:
    """One end of the window: `ge`/`gt` (from) or `le`/`lt` (until), at a UTC instant."""

    prefix: str
    moment: dt.datetime

    @property
    def is_lower(self) -> bool:
        """Whether this bound opens the window."""
        return self.prefix in ("ge", "gt")


@dataclass(frozen=True)
class SlotSearch:
    """A checked search: the window, the professionals (RPPS), the include chains asked for."""

    lower: Bound
    upper: Bound
    rpps: tuple[str, ...]
    includes: frozenset[str]
    # The parameters the answer applied, in the request's order (its `self` link).
    applied: tuple[tuple[str, str], ...] = ()
    ignored: tuple[str, ...] = ()

    def includes_services(self) -> bool:
        """Whether the CPTS's HealthcareService goes into the answer."""
        return SERVICE in self.includes

    def includes_organization(self) -> bool:
        """Whether the CPTS's Organization goes into the answer (reached from the service)."""
        return self.includes_services() and ORGANIZATION in self.includes


class DateBound(fields.Field):
    """`ge2024-06-12T16:20:00.000+02:00`, `…+00`, `…Z` or `…000` (no offset: Paris time)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Bound:
        # An unencoded "+" in an offset arrives as a space.
        match = BOUND.fullmatch(str(value).replace(" ", "+"))
        if match is None:
            raise ValidationError(
                "Borne attendue sous la forme ge2024-06-12T16:20:00.000+02:00 (ou gt, le, lt ; "
                "décalage horaire facultatif)."
            )
        try:
            moment = dt.datetime.fromisoformat(match["moment"])
        except ValueError as exc:
            raise ValidationError(f"Date invalide : {match['moment']}.") from exc
        if moment.tzinfo is None:
            moment = from_paris(moment)
        return Bound(match["prefix"], moment.astimezone(dt.UTC))


class PractitionerIdentifiers(fields.Field):
    """`urn:oid:1.2.250.1.71.4.2.1|8<RPPS>` separated by commas: the RPPS numbers, in order."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> tuple[str, ...]:
        items = [item.strip() for item in str(value).split(",")]
        if not any(items):
            raise ValidationError(REQUIRED)
        if len(items) > MAX_PRACTITIONERS:
            raise ValidationError(
                f"{MAX_PRACTITIONERS} identifiants au plus par recherche ({len(items)} reçus)."
            )
        rpps: list[str] = []
        for item in items:
            system, bar, idnps = item.rpartition("|")
            if not bar or system != IDNPS_SYSTEM:
                raise ValidationError(
                    f"Identifiant sans le système IDNPS ({IDNPS_SYSTEM}|8…) : « {item} »."
                )
            if not IDNPS.fullmatch(idnps):
                raise ValidationError(
                    f"IDNPS attendu : 8 suivi des 11 chiffres du RPPS, pas « {idnps} »."
                )
            if idnps[1:] not in rpps:
                rpps.append(idnps[1:])
        return tuple(rpps)


class SlotSearchSchema(Schema):
    """The guide's parameters; the caller leaves out those it does not define."""

    class Meta:
        unknown = EXCLUDE

    start = List(DateBound(), required=True)
    rpps = PractitionerIdentifiers(data_key=PRACTITIONER_PARAMETER, required=True)
    status = String(required=True, validate=one_of(("free",)))
    include = List(String(validate=one_of(INCLUDES)), data_key="_include", load_default=list)
    include_iterate = List(
        String(validate=one_of(INCLUDES)), data_key="_include:iterate", load_default=list
    )
    format = String(data_key="_format", load_default=None)

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        bounds = data.get("start")
        if bounds is None:
            return  # reported as missing
        lower = [bound for bound in bounds if bound.is_lower]
        upper = [bound for bound in bounds if not bound.is_lower]
        if len(lower) != 1 or len(upper) != 1:
            raise ValidationError(
                "Une borne de début (start=ge…) et une borne de fin (start=le…) sont "
                "obligatoires, une de chaque.",
                field_name="start",
            )
        if upper[0].moment < lower[0].moment:
            raise ValidationError("La fin de la fenêtre précède son début.", field_name="start")
        if upper[0].moment - lower[0].moment > MAX_WINDOW:
            raise ValidationError("La fenêtre de recherche dépasse 7 jours.", field_name="start")

    @validates_schema(skip_on_field_errors=False)
    def _includes(self, data: dict[str, Any], **_: Any) -> None:
        given = {*data.get("include", ()), *data.get("include_iterate", ())}
        missing = [chain for chain in REQUIRED_INCLUDES if chain not in given]
        if missing:
            raise ValidationError(
                f"Chaînes d'inclusion obligatoires absentes : {', '.join(missing)} "
                f"(_include={SCHEDULE}&_include:iterate={ACTORS}).",
                field_name="_include",
            )

    @post_load
    def _search(self, data: dict[str, Any], **_: Any) -> SlotSearch:
        bounds = data["start"]
        return SlotSearch(
            lower=next(bound for bound in bounds if bound.is_lower),
            upper=next(bound for bound in bounds if not bound.is_lower),
            rpps=data["rpps"],
            includes=frozenset({*data["include"], *data["include_iterate"]}),
        )


def parse_search(args: MultiDict, *, strict: bool) -> SlotSearch:
    """The search of `args`, or `FhirError` 400 with one issue per problem (French)."""
    ignored = tuple(dict.fromkeys(name for name in args if name not in PARAMETERS))
    if strict and ignored:
        raise FhirError.one(
            400, "not-supported", f"Paramètres non pris en charge : {', '.join(ignored)}."
        )
    repeated = [
        name for name in PARAMETERS if name not in REPEATABLE and len(args.getlist(name)) > 1
    ]
    if repeated:
        raise FhirError(400, [Issue("invalid", f"{name} : paramètre répété.") for name in repeated])
    data = {
        name: args.getlist(name) if name in REPEATABLE else args[name]
        for name in PARAMETERS
        if name in args
    }
    try:
        search: SlotSearch = SlotSearchSchema().load(data)
    except ValidationError as exc:
        raise FhirError(400, _issues(exc)) from exc
    applied = tuple(
        (name, value.replace(" ", "+") if name == "start" else value)
        for name, value in args.items(multi=True)
        if name in PARAMETERS
    )
    return dataclasses.replace(search, applied=applied, ignored=ignored)


def _issues(error: ValidationError) -> list[Issue]:
    issues = []
    for path, messages in flatten_errors(error.messages).items():
        # "start.1" is the second `start`: the parameter's name is what the caller knows.
        name = re.sub(r"\.[0-9]+$", "", path)
        for message in messages:
            code = "required" if message == REQUIRED else "invalid"
            issues.append(Issue(code, f"{name} : {message}"))
    return issues
