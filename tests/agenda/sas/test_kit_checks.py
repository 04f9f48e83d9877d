"""The checks of the ANS test kit (`ansforge/interop-outil-fhir-sas-test-kit`, aggregation flow,
CPTS variant `ig_launch_2` and the older `ig_launch_1` request), ported as pytest cases with the
kit's own FHIRPath expressions where it uses them.

The kit searches from now (Paris) to the earliest of now + 72 h and the end of the day after
tomorrow; `ig_launch_2` sends the bounds without offset and asks for the four include chains,
`ig_launch_1` sends them with an offset and only the schedule and actor chains.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fhirpathpy import evaluate
from fhirpathpy.models import models

from services.agenda.sas.bundle import PROFILES, SLOT_TYPES
from services.agenda.sas.schemas import (
    ACTORS,
    INCLUDES,
    PRACTITIONER_PARAMETER,
    SCHEDULE,
)
from shared.timeutil import PARIS, utcnow
from tests.support.sas import identifiers

SLOT = PROFILES["Slot"]
PRACTITIONER = PROFILES["Practitioner"]
ROLE = PROFILES["PractitionerRole"]
SCHEDULE_PROFILE = PROFILES["Schedule"]
SERVICE = PROFILES["HealthcareService"]
ORGANIZATION = PROFILES["Organization"]
# What the CPTS declares to the kit: slot types (TRE_R314) and consultation types (v3-ActCode).
DECLARED_SLOT_TYPES = set(SLOT_TYPES)
DECLARED_CONSULTATION_TYPES = {"AMB"}


def of(profile: str) -> str:
    """The kit's way of picking entries: by declared profile."""
    return f"entry.where(resource.meta.profile='{profile}')"


def fp(resource: dict, path: str) -> list:
    return evaluate(resource, path, model=models["r4"])


def _kit_window() -> tuple[dt.datetime, dt.datetime]:
    now = utcnow().astimezone(PARIS).replace(microsecond=0)
    end_of_third_day = dt.datetime.combine(
        now.date() + dt.timedelta(days=2), dt.time(23, 59, 59), tzinfo=PARIS
    )
    return now, min(now + dt.timedelta(hours=72), end_of_third_day)


def _kit_params(*idnps: str, launch: str) -> list[tuple[str, str]]:
    start, end = _kit_window()
    local = "%Y-%m-%dT%H:%M:%S"
    if launch == "ig_launch_1":
        bounds = [
            f"ge{start.astimezone(dt.UTC).strftime(local)}.000+00:00",
            f"le{end.astimezone(dt.UTC).strftime(local)}.000+00:00",
        ]
        includes = [("_include", SCHEDULE), ("_include:iterate", ACTORS)]
    else:
        bounds = [f"ge{start.strftime(local)}.000", f"le{end.strftime(local)}.000"]
        includes = [
            ("_include", SCHEDULE),
            ("_include", "Slot:service-type-reference"),
            ("_include:iterate", ACTORS),
            ("_include:iterate", "HealthcareService:organization"),
        ]
    return [
        *includes,
        (PRACTITIONER_PARAMETER, identifiers(*(number[1:] for number in idnps))),
        ("start", bounds[0]),
        ("start", bounds[1]),
        ("status", "free"),
    ]


@pytest.fixture
def kit(sas, directory):
    """Two GPs with slots in the kit's window (one with three), as a CPTS test account."""
    first = directory.professional(phone="04 78 00 00 01")
    second = directory.professional(phone="04 78 00 00 02")
    base = (utcnow() + dt.timedelta(minutes=30)).replace(second=0, microsecond=0)
    for professional, count in ((first, 3), (second, 1)):
        for index in range(count):
            start = base + dt.timedelta(minutes=25 * index)
            response = directory.client.post(
                "/api/agenda/slots",
                json={
                    "professional_id": professional["id"],
                    "start": start.isoformat(),
                    "end": (start + dt.timedelta(minutes=20)).isoformat(),
                    "kind": "snp",
                },
                headers=directory.coordinator,
            )
            assert response.status_code == 201, response.get_json()

    class Kit:
        idnps = "8" + first["rpps"]
        idnps_2 = "8" + second["rpps"]

        @staticmethod
        def search(*numbers: str, launch: str = "ig_launch_2"):
            params = _kit_params(*(numbers or (Kit.idnps,)), launch=launch)
            response = sas.get(params)
            return params, response

    return Kit


@pytest.fixture
def bundle(kit) -> dict:
    _params, response = kit.search()
    return response.get_json()


# --- setup (the kit's one-second limit is measured by bench/bench_sas.py) ------------------


@pytest.mark.parametrize("launch", ["ig_launch_1", "ig_launch_2"])
def test_setup_the_search_answers_a_non_empty_fhir_json_bundle(kit, launch):
    _params, response = kit.search(launch=launch)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    bundle = response.get_json()
    assert bundle["resourceType"] == "Bundle"
    assert bundle["entry"] != []


def test_bundle_declares_the_cpts_bundle_profile(bundle):
    assert bundle["meta"]["profile"] == [PROFILES["Bundle"]]


# --- one practitioner, one place -----------------------------------------------------------


def test_cardinality_one_practitioner_schedule_role_and_location_for_the_rpps(bundle):
    def count(profile):
        return fp(bundle, of(profile) + ".count()")[0]

    assert count(PRACTITIONER) == 1
    assert count(SCHEDULE_PROFILE) == 1
    assert count(ROLE) == 1
    assert fp(bundle, of(ROLE) + ".resource.contained.count()") == [1]
    assert fp(bundle, "total") == [count(SLOT)]
    assert count(SLOT) == 3
    every = " and ".join(
        of(profile) + ".exists()" for profile in (SLOT, SCHEDULE_PROFILE, PRACTITIONER, ROLE)
    )
    assert fp(bundle, every) == [True]


def test_rpps_the_practitioner_is_the_one_asked_for(kit, bundle):
    [value] = fp(bundle, of(PRACTITIONER) + ".resource.identifier.value")
    assert value == kit.idnps
    assert re.fullmatch(r"8[0-9]{11}", value)


def test_dates_future_within_the_window_with_milliseconds_and_start_before_end(bundle):
    slots = of(SLOT) + ".resource"
    now = utcnow()
    _start, end_of_search = _kit_window()
    pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$"
    for start in fp(bundle, f"{slots}.start"):
        assert dt.datetime.fromisoformat(start) >= now
        assert dt.datetime.fromisoformat(start).date() <= end_of_search.date()
        assert re.match(pattern, start)
    for end in fp(bundle, f"{slots}.end"):
        assert re.match(pattern, end)
    assert fp(bundle, f"{slots}.all(end.exists())") == [True]
    assert fp(bundle, f"{slots}.all(start < end)") == [True]


def test_references_between_practitioner_role_schedule_and_location(bundle):
    [practitioner] = fp(bundle, of(PRACTITIONER) + ".resource.id")
    [role] = fp(bundle, of(ROLE) + ".resource.id")
    assert fp(bundle, of(ROLE) + ".resource.practitioner.reference") == [
        f"Practitioner/{practitioner}"
    ]
    actors = fp(bundle, of(SCHEDULE_PROFILE) + ".resource.actor.reference")
    assert f"PractitionerRole/{role}" in actors
    assert f"Practitioner/{practitioner}" in actors
    [location] = fp(bundle, of(ROLE) + ".resource.location.reference")
    [contained] = fp(bundle, of(ROLE) + ".resource.contained.id")
    assert location == f"#{contained}"


def test_location_has_a_line_a_city_and_a_five_digit_postal_code(bundle):
    place = of(ROLE) + ".resource.contained.address"
    assert fp(bundle, f"{place}.line.exists()") == [True]
    assert fp(bundle, f"{place}.city.exists()") == [True]
    [postal_code] = fp(bundle, f"{place}.postalCode")
    assert re.fullmatch(r"[0-9]{5}", postal_code)


def test_the_bundle_url_has_the_requests_query(kit):
    params, response = kit.search()
    [link_url] = fp(response.get_json(), "link.url")
    request_query = parse_qs(urlsplit(response.request.url).query)
    link_query = parse_qs(urlsplit(link_url).query)

    def normalised(query):
        return {key: sorted(values) for key, values in query.items()}

    assert normalised(link_query) == normalised(request_query)
    assert normalised(link_query) == normalised(
        {key: [v for k, v in params if k == key] for key, _ in params}
    )


def test_every_slot_has_a_booking_url(bundle):
    # The kit's `[[:space:]]` is POSIX; Python's regular expressions write it `\s`.
    assert fp(
        bundle,
        of(SLOT) + ".resource.all("
        "comment.exists() and comment.empty().not() and comment.matches('^\\s*$').not())",
    ) == [True]


def test_slots_are_free(bundle):
    assert set(fp(bundle, of(SLOT) + ".resource.status")) == {"free"}


def test_appointment_type_is_routine_or_walkin(bundle):
    codes = fp(
        bundle,
        of(SLOT) + ".resource.appointmentType.coding.code.distinct()",
    )
    assert codes and set(codes) <= {"ROUTINE", "WALKIN"}


# --- CPTS -----------------------------------------------------------------------------------


def test_cpts_as_many_organizations_as_healthcare_services(bundle):
    services = fp(bundle, of(SERVICE) + ".count()")[0]
    organizations = fp(bundle, of(ORGANIZATION) + ".count()")[0]
    assert services > 0
    assert organizations > 0
    assert services == organizations


def test_cpts_identifier_is_1_and_nine_digits(bundle):
    [value] = fp(bundle, of(ORGANIZATION) + ".resource.identifier.value")
    assert re.fullmatch(r"1[0-9]{9}", value)


def test_cpts_references_from_slot_to_service_to_organization(bundle):
    [provided_by] = fp(bundle, of(SERVICE) + ".resource.providedBy.reference")
    [organization] = fp(bundle, of(ORGANIZATION) + ".resource.id")
    assert provided_by == f"Organization/{organization}"
    references = fp(
        bundle,
        f"entry.resource.where(meta.profile = '{SLOT}').serviceType.where(coding.code = '604')"
        ".extension.where(url = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Slot."
        "serviceType' and value is Reference).value.reference",
    )
    [service] = fp(bundle, f"entry.where(resource.meta.profile = '{SERVICE}').resource.id")
    assert references
    assert set(references) == {f"HealthcareService/{service}"}


def test_cpts_slot_service_type_604(bundle):
    service_types = fp(bundle, of(SLOT) + ".resource.serviceType")
    assert any(
        coding.get("code") == "604"
        and coding.get("system")
        == "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/"
        "TRE-R66-CategorieEtablissement"
        for service_type in service_types
        for coding in service_type.get("coding", [])
    )


def test_cpts_slots_are_typed_cpts(bundle):
    codes = fp(bundle, of(SLOT) + ".resource.meta.security.code.distinct()")
    assert codes == ["CPTS"]


# --- options: what the solution declares ----------------------------------------------------


def test_slot_types_returned_are_those_declared(bundle):
    returned = set(fp(bundle, of(SLOT) + ".resource.meta.security.code.distinct()")) - {"604"}
    assert returned == DECLARED_SLOT_TYPES


def test_consultation_types_returned_are_those_declared(bundle):
    returned = set(fp(bundle, of(SLOT) + ".resource.serviceType.coding.code.distinct()")) - {"604"}
    assert returned == DECLARED_CONSULTATION_TYPES


# --- several practitioners ---------------------------------------------------------------


def test_two_practitioners_searched_together(kit):
    _params, response = kit.search(kit.idnps, kit.idnps_2)
    bundle = response.get_json()
    assert len(fp(bundle, of(PRACTITIONER) + ".resource")) == 2
    assert len(fp(bundle, of(ROLE) + ".resource")) >= 2
    assert len(fp(bundle, of(SCHEDULE_PROFILE) + ".resource")) >= 2
    assert bundle["total"] == 4


# --- optional groups ------------------------------------------------------------------------


def test_optional_practitioner_name_first_name_and_phone(bundle):
    assert fp(bundle, of(PRACTITIONER) + ".resource.name.family")
    [given] = fp(bundle, of(PRACTITIONER) + ".resource.name.given")
    assert given
    [phone] = fp(bundle, of(ROLE) + ".resource.telecom.value")
    assert re.fullmatch(r"\+33\d{9}|\+262\d{9}|\+590\d{9}|\+596\d{9}|\+594\d{9}", phone)


def test_optional_cpts_name_and_phone(bundle):
    assert fp(bundle, of(ORGANIZATION) + ".resource.name")
    assert fp(bundle, of(ORGANIZATION) + ".resource.telecom.value")


def test_optional_capability_statement(sas):
    response = sas.client.get("/fhir/sas/metadata", headers={"Accept": "application/fhir+json"})
    assert response.status_code == 200
    assert response.get_json()["resourceType"] == "CapabilityStatement"


def test_includes_listed_by_the_guide_are_the_ones_served():
    assert set(INCLUDES) == {
        "Slot:schedule",
        "Schedule:actor",
        "Slot:service-type-reference",
        "HealthcareService:organization",
    }
