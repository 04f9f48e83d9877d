"""Golden tests against the ANS guide's own files: our answer for the situation of
`Bundle-ExampleBundleCPTS1.json` has the example's structure, parses with `fhir.resources.R4B`,
and satisfies the guide's invariants and profile rules."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from services.agenda.sas.bundle import SLOT_TYPE_SYSTEM
from services.agenda.sas.invariants import (
    INVARIANTS,
    PROFILE_RULES,
    SLOW_INVARIANTS,
    violations,
)
from tests.support.agenda import in_days
from tests.support.factories import paris
from tests.support.notifications import configure

ALL_RULES = INVARIANTS + SLOW_INVARIANTS + PROFILE_RULES
EXAMPLE = "Bundle-ExampleBundleCPTS1.json"
# What the example carries that Relais cannot know or does not write (docs/sas.md):
# the practice's own structure identifier, a free-text reason, and the generated narratives.
OMITTED = {"PractitionerRole.organization.identifier.value", "Slot.serviceType.text"}
SLOT_TYPES = {"PUBLIC", "PRO", "SNP", "CPTS", "private"}


def _load(folder: Path, name: str) -> dict[str, Any]:
    return json.loads((folder / name).read_text(encoding="utf-8"))


@pytest.fixture
def example(interop: Path) -> dict[str, Any]:
    return _load(interop, EXAMPLE)


@pytest.fixture
def answer(sas, directory) -> dict[str, Any]:
    """Our answer in the example's situation: one GP, one 20-minute slot at 16:40, the window
    16:20–17:20, the four include chains; the CPTS as configured by `sas_app`."""
    gp = directory.professional(
        rpps="10002909371",
        last_name="Exemple",
        first_name="Camille",
        address="25 chemin de Mounestie",
        postal_code="31840",
        city="Aussonne",
        phone="05 61 85 59 77",
    )
    directory.slot(gp, days=1, start="16:40", end="17:00")
    lower = dt.datetime.fromisoformat(paris(in_days(1), "16:20"))
    bounds = (
        f"ge{lower.isoformat(timespec='milliseconds')}",
        f"le{(lower + dt.timedelta(hours=1)).isoformat(timespec='milliseconds')}",
    )
    response = sas.search(gp["rpps"], bounds=bounds)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _resources(bundle: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in bundle.get("entry", []):
        yield entry["resource"]


def _paths(value: Any, prefix: str) -> Iterator[str]:
    """Every element path of `value` (`Slot.serviceType.coding.code`), narrative left out."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("text", "resourceType") and prefix.count(".") == 0:
                continue
            yield from _paths(item, f"{prefix}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, prefix)
    else:
        yield prefix


def _structure(bundle: dict[str, Any]) -> set[str]:
    return {path for r in _resources(bundle) for path in _paths(r, r["resourceType"])}


def _codings(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        if "system" in value and "code" in value:
            yield value["system"], value["code"]
        for item in value.values():
            yield from _codings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _codings(item)


def _codes_by_type(bundle: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for resource in _resources(bundle):
        found.setdefault(resource["resourceType"], set()).update(_codings(resource))
    return found


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _unresolved(bundle: dict[str, Any]) -> list[str]:
    """References that resolve neither to an entry (`Type/id`) nor to a contained resource."""
    present = {f"{r['resourceType']}/{r['id']}" for r in _resources(bundle)}
    missing = []
    for resource in _resources(bundle):
        contained = {f"#{c['id']}" for c in resource.get("contained", [])}
        for reference in _references(resource):
            if reference not in present and reference not in contained:
                missing.append(reference)
    return missing


def test_the_answer_has_the_examples_resources_profiles_and_search_modes(answer, example):
    def outline(bundle):
        return [
            (e["resource"]["resourceType"], e["resource"]["meta"]["profile"], e["search"]["mode"])
            for e in bundle["entry"]
        ]

    assert outline(answer) == outline(example)
    assert answer["meta"] == example["meta"]
    assert (answer["type"], answer["total"]) == (example["type"], example["total"])
    assert [link["relation"] for link in answer["link"]] == ["self"]
    contained = answer["entry"][3]["resource"]["contained"]
    assert [c["meta"]["profile"] for c in contained] == [
        c["meta"]["profile"] for c in example["entry"][3]["resource"]["contained"]
    ]


def test_the_answer_has_the_examples_elements(answer, example):
    ours, theirs = _structure(answer), _structure(example)
    assert theirs - ours == OMITTED, sorted(theirs - ours)
    # Nothing of our own invention either (the Bundle's id is in the example too).
    assert ours - theirs == set(), sorted(ours - theirs)


def test_the_answer_uses_the_examples_codes(answer, example):
    ours, theirs = _codes_by_type(answer), _codes_by_type(example)
    assert ours.keys() == theirs.keys()
    for resource_type in ours:
        if resource_type == "Slot":
            # The slot types are each solution's to declare (TRE_R314); the rest is shared.
            our_types = {c for s, c in ours["Slot"] if s == SLOT_TYPE_SYSTEM}
            assert our_types <= SLOT_TYPES
            assert "CPTS" in our_types
            strip = {(s, c) for s, c in ours["Slot"] | theirs["Slot"] if s == SLOT_TYPE_SYSTEM}
            assert ours["Slot"] - strip == theirs["Slot"] - strip
        else:
            assert ours[resource_type] == theirs[resource_type], resource_type


def test_every_reference_resolves_inside_the_bundle(answer, example):
    assert _unresolved(example) == []  # the check itself, on the guide's example
    assert _unresolved(answer) == []
    slot = answer["entry"][0]["resource"]
    extension = slot["serviceType"][1]["extension"][0]
    assert extension["valueReference"]["reference"] == (
        f"HealthcareService/{answer['entry'][4]['resource']['id']}"
    )


def test_every_resource_parses_with_fhir_resources_r4b_and_is_what_it_would_write(answer):
    Bundle.model_validate(answer)
    for resource in _resources(answer):
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        written = model.model_dump(mode="json")
        if resource["resourceType"] == "Slot":
            # The same instants; ours keep the milliseconds the ANS kit asks for.
            for key in ("start", "end"):
                assert dt.datetime.fromisoformat(written[key]) == dt.datetime.fromisoformat(
                    resource[key]
                )
                written[key] = resource[key]
        assert written == resource


def test_instants_have_milliseconds_and_an_offset_like_the_example(answer, example):
    pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$"
    for bundle in (answer, example):
        slot = bundle["entry"][0]["resource"]
        for key in ("start", "end"):
            assert re.match(pattern, slot[key]), slot[key]


def test_the_answer_satisfies_the_guides_invariants_and_profile_rules(answer, example):
    assert violations(example, ALL_RULES) == []
    assert violations(answer, ALL_RULES) == []


def _snapshot_constraints(interop: Path) -> dict[tuple[str, str], str]:
    constraints = {}
    for path in interop.glob("StructureDefinition-*.json"):
        definition = json.loads(path.read_text(encoding="utf-8"))
        for element in definition["snapshot"]["element"]:
            context = element["id"].split(":")[0]
            for constraint in element.get("constraint", []):
                constraints[(constraint["key"], context)] = constraint["expression"]
                # dom-* are stated on every resource: they hold for any DomainResource.
                constraints[(constraint["key"], "DomainResource")] = constraints.get(
                    (constraint["key"], "DomainResource"), constraint["expression"]
                )
    return constraints


def test_the_invariants_are_the_guides_word_for_word(interop):
    stated = _snapshot_constraints(interop)
    for rule in INVARIANTS + SLOW_INVARIANTS:
        assert stated.get((rule.key, rule.context)) == rule.expression, rule.key


def test_broken_answers_are_caught_by_the_rules(answer):
    def broken(change) -> set[str]:
        copy = json.loads(json.dumps(answer))
        change(copy)
        return {key for key, _where in violations(copy, ALL_RULES)}

    def finess(bundle):
        bundle["entry"][5]["resource"]["identifier"][0]["value"] = "950047225"

    def busy(bundle):
        bundle["entry"][0]["resource"]["status"] = "busy"

    def lost_location(bundle):
        bundle["entry"][3]["resource"]["location"] = [{"reference": "#ailleurs"}]

    def extension_on_consultation_type(bundle):
        slot = bundle["entry"][0]["resource"]
        slot["serviceType"][0]["extension"] = slot["serviceType"][1]["extension"]

    def duplicate_entry(bundle):
        bundle["entry"].append(bundle["entry"][1])

    assert broken(finess) == {"FINESS-invariant"}
    assert broken(busy) == {"Slot.status"}
    assert broken(lost_location) == {"PractitionerRole.location"}
    assert broken(extension_on_consultation_type) == {"Slot.serviceType:TypeConsultation"}
    assert broken(duplicate_entry) == {"bdl-7"}


def test_an_answer_breaking_an_invariant_is_never_sent(sas_app, sas, directory):
    # FINESS numbers are checked when settings are read; forced here past that check.
    configure(sas_app, cpts_finess="95004722X")
    gp = directory.professional()
    directory.slot(gp)
    response = sas.search(gp["rpps"])
    assert response.status_code == 500
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "95004722X" not in response.get_data(as_text=True)
