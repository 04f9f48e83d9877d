"""The FHIR resources of a SAS answer, built with `fhir.resources` (FHIR 4.0.1: its R4B models,
whose R4 subset is what the guide uses) and shaped as the guide's examples
(`Bundle-ExampleBundleCPTS1.json`).

Every directory professional is one Practitioner, one PractitionerRole (with its place as a
contained Location) and one Schedule, all three with the professional's id as resource id. The
CPTS is one Organization and the one HealthcareService its slots belong to.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from services.agenda.sas.errors import Issue
from services.agenda.sas.schemas import IDNPS_SYSTEM, INCLUDES, SlotSearch
from services.agenda.sas.search import Card, OfferedSlot
from shared.timeutil import PARIS
from shared.validators import InvalidIdentifier, validate_phone

GUIDE = "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/"
SAS = "http://sas.fr/fhir/StructureDefinition/"
# The guide mixes two bases on purpose: these exact URLs go in `meta.profile`.
PROFILES = {
    "Bundle": GUIDE + "sas-cpts-bundle-aggregator",
    "Slot": GUIDE + "sas-cpts-slot-aggregator",
    "HealthcareService": GUIDE + "sas-cpts-healthcareservice-aggregator",
    "Organization": GUIDE + "sas-cpts-organization-aggregator",
    "Schedule": SAS + "FrScheduleAgregateur",
    "Practitioner": SAS + "FrPractitionerAgregateur",
    "PractitionerRole": SAS + "FrPractitionerRoleExerciceAgregateur",
    "Location": SAS + "FrLocationAgregateur",
}
SLOT_TYPE_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R314-TypeCreneau/FHIR/TRE-R314-TypeCreneau"
# Who may book: the CPTS's SNP slots are booked through the CPTS (regulation), not by the public.
# This is the list a CPTS declares to the ANS test kit ("types de créneaux").
SLOT_TYPES = ("CPTS",)
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
IN_PRACTICE = "AMB"
CATEGORY_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/"
    "TRE-R66-CategorieEtablissement"
)
CPTS_CATEGORY = "604"
SERVICE_TYPE_R5 = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Slot.serviceType"
SPECIALTY_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
)
SPECIALTIES = {"gp": "SM54"}  # médecine générale
APPOINTMENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0276"
ROUTINE = "ROUTINE"
PROFESSIONAL_ID_TYPE_SYSTEM = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"
STRUCTURE_ID_TYPE_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
IDNST_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
LOCATION_ID_TYPE_SYSTEM = "http://interopsante.org/fhir/CodeSystem/fr-location-identifier-type"
LOCATION_ID = "lieu"


@dataclass(frozen=True)
class Cpts:
    """The CPTS publishing the slots (`CPTS_NAME`, `CPTS_FINESS`, `CPTS_PHONE`)."""

    name: str
    finess: str
    phone: str | None = None

    @property
    def resource_id(self) -> str:
        """The id of its Organization and HealthcareService."""
        return f"cpts-{self.finess}"

    @property
    def idnst(self) -> str:
        """Its national structure identifier: 1 followed by the FINESS number."""
        return "1" + self.finess


def instant(moment: dt.datetime) -> str:
    """`2024-06-12T16:40:00.000+02:00`: Paris time with milliseconds, as the ANS kit expects."""
    return moment.astimezone(PARIS).isoformat(timespec="milliseconds")


def _e164(phone: str | None) -> str | None:
    """The directory's phone in international form (+33…), as the SAS expects; none if odd."""
    try:
        return validate_phone(phone) if phone else None
    except InvalidIdentifier:
        return None


def _coding(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def booking_url(public_url: str, slot_id: uuid.UUID) -> str:
    """The page where the slot is booked (the SAS appends an `origin` parameter)."""
    return f"{public_url}/agenda/creneaux/{slot_id}"


def _validated(model: type[Resource], data: dict[str, Any]) -> dict[str, Any]:
    """`data` once `fhir.resources` accepts it as a `model` (raises otherwise).

    The data is what leaves, not the model's dump: the two are equal (a test checks it), and
    dumping through `fhir.resources` costs about 0.5 ms a resource.
    """
    model.model_validate(data)
    return data


class SlotTemplate:
    """What every Slot of an answer shares (profile, slot types, service types, specialty,
    appointment type), validated once; each slot adds its own id, schedule, times and page."""

    def __init__(self, *, cpts: Cpts, profession: str):
        specialty = SPECIALTIES.get(profession)
        self.shared: dict[str, Any] = {
            "meta": {
                "profile": [PROFILES["Slot"]],
                "security": [{"system": SLOT_TYPE_SYSTEM, "code": code} for code in SLOT_TYPES],
            },
            "serviceType": [
                _coding(ACT_CODE_SYSTEM, IN_PRACTICE),
                {
                    "extension": [
                        {
                            "url": SERVICE_TYPE_R5,
                            "valueReference": {
                                "reference": f"HealthcareService/{cpts.resource_id}"
                            },
                        }
                    ],
                    **_coding(CATEGORY_SYSTEM, CPTS_CATEGORY),
                },
            ],
            **({"specialty": [_coding(SPECIALTY_SYSTEM, specialty)]} if specialty else {}),
            "appointmentType": _coding(APPOINTMENT_TYPE_SYSTEM, ROUTINE),
        }
        # Validated once, then handed to every Slot as they are (pydantic does not re-validate
        # model instances).
        self.parts: dict[str, Any] = {
            "meta": Meta.model_validate(self.shared["meta"]),
            "serviceType": [CodeableConcept.model_validate(c) for c in self.shared["serviceType"]],
            "specialty": [
                CodeableConcept.model_validate(c) for c in self.shared.get("specialty", [])
            ]
            or None,
            "appointmentType": CodeableConcept.model_validate(self.shared["appointmentType"]),
        }

    def resource(self, slot: OfferedSlot, *, public_url: str) -> dict[str, Any]:
        """The Slot resource of one free slot."""
        own: dict[str, Any] = {
            "schedule": {"reference": f"Schedule/{slot.professional.id}"},
            "status": "free",
            "comment": booking_url(public_url, slot.id),
        }
        FhirSlot.model_validate(
            {"id": str(slot.id), **self.parts, **own, "start": slot.start_at, "end": slot.end_at}
        )
        return {
            "resourceType": "Slot",
            "id": str(slot.id),
            **self.shared,
            "schedule": own["schedule"],
            "status": "free",
            # Paris time with milliseconds, as the ANS kit expects.
            "start": instant(slot.start_at),
            "end": instant(slot.end_at),
            "comment": own["comment"],
        }


@functools.lru_cache(maxsize=64)
def slot_template(cpts: Cpts, profession: str) -> SlotTemplate:
    """The template of the Slots of `profession`'s professionals (validated once)."""
    return SlotTemplate(cpts=cpts, profession=profession)


def schedule_resource(professional: Card) -> dict[str, Any]:
    """The professional's agenda, whose actors are their Practitioner and PractitionerRole."""
    return _validated(
        Schedule,
        {
            "resourceType": "Schedule",
            "id": str(professional.id),
            "meta": {"profile": [PROFILES["Schedule"]]},
            "actor": [
                {"reference": f"Practitioner/{professional.id}"},
                {"reference": f"PractitionerRole/{professional.id}"},
            ],
        },
    )


def practitioner_resource(professional: Card) -> dict[str, Any]:
    """The professional, identified by their IDNPS."""
    return _validated(
        Practitioner,
        {
            "resourceType": "Practitioner",
            "id": str(professional.id),
            "meta": {"profile": [PROFILES["Practitioner"]]},
            "identifier": [
                {
                    "type": _coding(PROFESSIONAL_ID_TYPE_SYSTEM, "IDNPS"),
                    "system": IDNPS_SYSTEM,
                    "value": professional.idnps,
                }
            ],
            "name": [{"family": professional.last_name, "given": [professional.first_name]}],
        },
    )


def practitioner_role_resource(professional: Card, *, public_url: str) -> dict[str, Any]:
    """Where and how the professional practises: their address as a contained Location."""
    location = {
        "resourceType": "Location",
        "id": LOCATION_ID,
        "meta": {"profile": [PROFILES["Location"]]},
        "identifier": [
            {
                "type": _coding(LOCATION_ID_TYPE_SYSTEM, "INTRN"),
                "system": public_url,
                "value": str(professional.id),
            }
        ],
        "address": {
            "line": [professional.address],
            "city": professional.city,
            "postalCode": professional.postal_code,
        },
    }
    e164 = _e164(professional.phone)
    phone = [{"system": "phone", "value": e164}] if e164 else []
    return _validated(
        PractitionerRole,
        {
            "resourceType": "PractitionerRole",
            "id": str(professional.id),
            "meta": {"profile": [PROFILES["PractitionerRole"]]},
            "contained": [location],
            "practitioner": {"reference": f"Practitioner/{professional.id}"},
            "location": [{"reference": f"#{LOCATION_ID}"}],
            **({"telecom": phone} if phone else {}),
        },
    )


def healthcare_service_resource(cpts: Cpts) -> dict[str, Any]:
    """The CPTS's SNP service, provided by the CPTS."""
    return _validated(
        HealthcareService,
        {
            "resourceType": "HealthcareService",
            "id": cpts.resource_id,
            "meta": {"profile": [PROFILES["HealthcareService"]]},
            "providedBy": {"reference": f"Organization/{cpts.resource_id}"},
        },
    )


def organization_resource(cpts: Cpts) -> dict[str, Any]:
    """The CPTS, identified by its IDNST (1 + FINESS)."""
    phone = [{"system": "phone", "value": cpts.phone}] if cpts.phone else []
    return _validated(
        Organization,
        {
            "resourceType": "Organization",
            "id": cpts.resource_id,
            "meta": {"profile": [PROFILES["Organization"]]},
            "identifier": [
                {
                    "type": _coding(STRUCTURE_ID_TYPE_SYSTEM, "IDNST"),
                    "system": IDNST_SYSTEM,
                    "value": cpts.idnst,
                }
            ],
            "name": cpts.name,
            **({"telecom": phone} if phone else {}),
        },
    )


def _entry(base_url: str, resource: dict[str, Any], mode: str) -> dict[str, Any]:
    return {
        "fullUrl": f"{base_url}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


@functools.lru_cache(maxsize=4096)
def professional_resources(card: Card, *, public_url: str) -> tuple[dict[str, Any], ...]:
    """The Schedule, Practitioner and PractitionerRole of a professional, validated once for as
    long as their directory entry reads the same (the SAS asks for the same professionals again
    and again). Shared between answers: never mutated."""
    return (
        schedule_resource(card),
        practitioner_resource(card),
        practitioner_role_resource(card, public_url=public_url),
    )


def _included(
    search: SlotSearch, cards: Iterable[Card], *, cpts: Cpts, public_url: str
) -> list[dict[str, Any]]:
    """The resources the include chains reach, each once."""
    resources = [
        resource
        for card in cards
        for resource in professional_resources(card, public_url=public_url)
    ]
    if not resources:
        return resources  # no slot, nothing to include
    if search.includes_services():
        resources.append(healthcare_service_resource(cpts))
    if search.includes_organization():
        resources.append(organization_resource(cpts))
    return resources


def search_bundle(
    offered: list[OfferedSlot],
    search: SlotSearch,
    *,
    cpts: Cpts,
    public_url: str,
    self_url: str,
) -> dict[str, Any]:
    """The searchset answer, as JSON-ready data: the Slots, then what they include."""
    base_url = f"{public_url}/fhir/sas"
    slots = [
        slot_template(cpts, slot.professional.profession).resource(slot, public_url=public_url)
        for slot in offered
    ]
    # Each professional once, in the order of their first slot.
    cards = {slot.professional.id: slot.professional for slot in offered}
    included = _included(search, cards.values(), cpts=cpts, public_url=public_url)
    entries = [_entry(base_url, slot, "match") for slot in slots] + [
        _entry(base_url, resource, "include") for resource in included
    ]
    envelope: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [PROFILES["Bundle"]]},
        "type": "searchset",
        "total": len(slots),
        "link": [{"relation": "self", "url": self_url}],
    }
    # The resources were validated one by one above: the envelope is validated around them.
    _validated(
        Bundle,
        {**envelope, "entry": [{k: v for k, v in e.items() if k != "resource"} for e in entries]},
    )
    # FHIR JSON has no empty arrays: an answer without slots has no `entry`.
    return {**envelope, "entry": entries} if entries else envelope


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    """Why a request was refused, as JSON-ready data."""
    return _validated(
        OperationOutcome,
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {"severity": "error", "code": issue.code, "diagnostics": issue.diagnostics}
                for issue in issues
            ],
        },
    )


def capability_statement(*, public_url: str, published: dt.datetime) -> dict[str, Any]:
    """What the endpoint serves: a search of Slots with the guide's parameters and includes."""
    slot = {
        "type": "Slot",
        "profile": PROFILES["Slot"],
        "interaction": [{"code": "search-type"}],
        "searchInclude": list(INCLUDES),
        "searchParam": [
            {"name": "start", "type": "date"},
            {"name": "status", "type": "token"},
            {
                "name": "schedule",
                "type": "reference",
                "documentation": "Chaîné : schedule.actor:Practitioner.identifier="
                f"{IDNPS_SYSTEM}|8<RPPS>, 1 à 25 séparés par des virgules.",
            },
        ],
    }
    return _validated(
        CapabilityStatement,
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": instant(published),
            "kind": "instance",
            "implementation": {
                "description": "Relais : créneaux de soins non programmés de la CPTS pour le SAS",
                "url": f"{public_url}/fhir/sas",
            },
            "fhirVersion": "4.0.1",
            "format": ["application/fhir+json"],
            "rest": [{"mode": "server", "resource": [slot]}],
        },
    )
