"""The guide's rules, as FHIRPath, checked with `fhirpathpy`.

`INVARIANTS` are the constraints the guide's StructureDefinitions state with a key (its own
`FINESS-invariant` and those its profiles inherit from FHIR 4.0.1), copied word for word: a test
compares them with `../shared/interop/sas/`. Every answer is checked against them before it
leaves (`violations`); `SLOW_INVARIANTS`, too slow for that, are checked by the tests.
`PROFILE_RULES` restate the profiles' cardinalities, patterns and fixed values as FHIRPath; they
concern every Slot of an answer, which is too slow to evaluate per request with a pure-Python
FHIRPath engine (about 0.5 ms per Slot), so the tests run them on whole answers, and every Slot
is built from one validated template (`bundle.SlotTemplate`).

Left out: `dom-3` (fhirpathpy cannot evaluate its `as(canonical)` over a collection; the
PractitionerRole rule below checks the same reference), `dom-6` (a warning: no narrative is
generated), and the constraints on elements Relais never writes (periods, assigners, photos).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import fhirpathpy
from fhirpathpy.models import models

from services.agenda.sas import bundle as fhir


@dataclass(frozen=True)
class Rule:
    """One constraint: its key, the element it applies to (its FHIRPath context), the
    expression true on every conforming element, and the guide's sentence."""

    key: str
    context: str
    expression: str
    human: str

    @property
    def resource_type(self) -> str:
        """The resource the context starts from."""
        return self.context.split(".", 1)[0]

    def applies_to(self, resource: dict[str, Any]) -> bool:
        """Whether `resource` holds elements this rule speaks of."""
        if self.resource_type == "DomainResource":
            return "contained" in resource  # dom-2/4/5 speak only of contained resources
        return resource.get("resourceType") == self.resource_type

    @property
    def path(self) -> str:
        """The expression evaluated on the whole resource: true when every element is fine."""
        _type, _dot, inner = self.context.partition(".")
        return f"{inner}.all({self.expression})" if inner else f"({self.expression})"


INVARIANTS = (
    Rule(
        "bdl-1",
        "Bundle",
        "total.empty() or (type = 'searchset') or (type = 'history')",
        "total only when a search or history",
    ),
    Rule(
        "bdl-2",
        "Bundle",
        "entry.search.empty() or (type = 'searchset')",
        "entry.search only when a search",
    ),
    Rule(
        "bdl-8",
        "Bundle.entry",
        "fullUrl.contains('/_history/').not()",
        "fullUrl cannot be a version specific reference",
    ),
    Rule(
        "dom-2",
        "DomainResource",
        "contained.contained.empty()",
        "If the resource is contained in another resource, it SHALL NOT contain nested Resources",
    ),
    Rule(
        "dom-4",
        "DomainResource",
        "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()",
        "If a resource is contained in another resource, it SHALL NOT have a meta.versionId "
        "or a meta.lastUpdated",
    ),
    Rule(
        "dom-5",
        "DomainResource",
        "contained.meta.security.empty()",
        "If a resource is contained in another resource, it SHALL NOT have a security label",
    ),
    Rule(
        "cpt-2",
        "PractitionerRole.telecom",
        "value.empty() or system.exists()",
        "A system is required if a value is provided.",
    ),
    Rule(
        "cpt-2",
        "Organization.telecom",
        "value.empty() or system.exists()",
        "A system is required if a value is provided.",
    ),
    Rule(
        "org-1",
        "Organization",
        "(identifier.count() + name.count()) > 0",
        "The organization SHALL at least have a name or an identifier, and possibly more than one",
    ),
    Rule(
        "org-3",
        "Organization.telecom",
        "where(use = 'home').empty()",
        "The telecom of an organization can never be of use 'home'",
    ),
    Rule(
        "FINESS-invariant",
        "Organization.identifier",
        "value.matches('^1[0-9]{9}$')",
        "Le numéro FINESS doit être préfixé par 1 suivi de 9 caractères numériques",
    ),
)

# Stated by the guide too, but quadratic in fhirpathpy (`isDistinct` over every entry: 20 to
# 60 ms for an answer of 280 entries): checked by the tests; every answer holds it by
# construction (one entry per resource type and id).
SLOW_INVARIANTS = (
    Rule(
        "bdl-7",
        "Bundle",
        "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta."
        "versionId).isDistinct()",
        "FullUrl must be unique in a bundle, or else entries with the same fullUrl must have "
        "different meta.versionId (except in history bundles)",
    ),
)

_R314 = fhir.SLOT_TYPE_SYSTEM
_SLOT_TYPE_CODES = "('PUBLIC' | 'PRO' | 'SNP' | 'CPTS' | 'private')"
PROFILE_RULES = (
    Rule(
        "Bundle.type",
        "Bundle",
        "type = 'searchset' and total.exists() and link.count() = 1",
        "searchset, with total and one link",
    ),
    Rule("Bundle.entry.fullUrl", "Bundle.entry", "fullUrl.exists()", "every entry has a fullUrl"),
    Rule(
        "Bundle.entry.profile",
        "Bundle.entry",
        "resource.meta.profile.exists()",
        "every resource declares its profile",
    ),
    Rule("Slot.status", "Slot", "status = 'free'", "status pattern free"),
    Rule(
        "Slot.meta.security",
        "Slot.meta.security",
        f"system = '{_R314}' and code in {_SLOT_TYPE_CODES}",
        "slot types from TRE_R314",
    ),
    Rule(
        "Slot.serviceType:TypeConsultation",
        "Slot.serviceType",
        f"coding.where(system = '{fhir.ACT_CODE_SYSTEM}').empty() or (extension.where(url = "
        f"'{fhir.SERVICE_TYPE_R5}').empty() and coding.code.subsetOf('AMB' | 'HH' | 'VR'))",
        "the consultation type (in practice, at home, video) has no R5 extension",
    ),
    Rule(
        "Slot.serviceType:referencecpts",
        "Slot.serviceType",
        f"coding.where(code = '{fhir.CPTS_CATEGORY}').empty() or extension.where(url = "
        f"'{fhir.SERVICE_TYPE_R5}' and value.reference.startsWith('HealthcareService/'))"
        ".count() = 1",
        "the CPTS category carries one R5 extension referencing the HealthcareService",
    ),
    Rule(
        "Slot.appointmentType",
        "Slot.appointmentType",
        "coding.code.subsetOf('ROUTINE' | 'WALKIN')",
        "appointment type ROUTINE or WALKIN",
    ),
    Rule(
        "Slot.dates",
        "Slot",
        "start.exists() and end.exists() and start < end",
        "start before end (ANS test kit)",
    ),
    Rule("Slot.comment", "Slot", "comment.exists()", "the booking page (ANS test kit)"),
    Rule(
        "Practitioner.identifier",
        "Practitioner",
        "identifier.where(system = 'urn:oid:1.2.250.1.71.4.2.1' and type.coding.where(system = "
        f"'{fhir.PROFESSIONAL_ID_TYPE_SYSTEM}' and code = 'IDNPS').exists() and "
        "value.matches('^8[0-9]{11}$')).exists()",
        "IDNPS: 8 and the RPPS, typed IDNPS",
    ),
    Rule(
        "PractitionerRole.location",
        "PractitionerRole",
        "contained.exists() and location.count() = 1 and "
        "location.reference = '#' + contained.where(resourceType = 'Location').id",
        "one contained Location, referenced",
    ),
    Rule(
        "Location.address",
        "PractitionerRole.contained",
        "address.line.count() = 1 and address.city.exists() and "
        "address.postalCode.matches('^[0-9]{5}$')",
        "the place: one line, a city, a 5-digit postal code",
    ),
    Rule(
        "HealthcareService.providedBy",
        "HealthcareService",
        "id.exists() and providedBy.reference.startsWith('Organization/')",
        "the CPTS's service, provided by the CPTS",
    ),
    Rule(
        "Organization.identifier",
        "Organization",
        f"identifier.count() = 1 and identifier.system = '{fhir.IDNST_SYSTEM}' and "
        f"identifier.type.coding.where(system = '{fhir.STRUCTURE_ID_TYPE_SYSTEM}' and "
        "code = 'IDNST').exists()",
        "one IDNST identifier",
    ),
)


@functools.cache
def _compiled(path: str) -> Callable[..., list[Any]]:
    # The R4 model resolves choice types (`extension.value`) as the guide's tooling does.
    return fhirpathpy.compile(path, models["r4"])


def _resources(bundle: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield bundle
    for entry in bundle.get("entry", []):
        yield entry["resource"]


def violations(
    bundle: dict[str, Any], rules: tuple[Rule, ...] = INVARIANTS
) -> list[tuple[str, str]]:
    """(rule key, resource type/id) of every resource of `bundle` breaking one of `rules`."""
    found = []
    for resource in _resources(bundle):
        for rule in rules:
            if rule.applies_to(resource) and _compiled(rule.path)(resource) != [True]:
                found.append((rule.key, f"{resource['resourceType']}/{resource.get('id', '')}"))
    return found
