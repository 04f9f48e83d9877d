"""Every bad input of a signalement or a transition: a clear French error, nothing stored."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shared.timeutil import today_paris
from tests.support import payloads
from tests.support.factories import MT, table_counts


def _post_signalement(world, body=None, **kwargs):
    if body is not None:
        kwargs["json"] = body
    return world.client.post(f"{MT}/signalements", headers=world.submitter, **kwargs)


def _refused(world, response, status: int, code: str, before: dict[str, int]) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert table_counts(world.app) == before
    return body["error"]


def _with(path: str, value, body: dict | None = None) -> dict:
    """A valid signalement with the dotted `path` set to `value` (`...` removes it)."""
    body = body or payloads.signalement()
    *parents, leaf = path.split(".")
    target = body
    for key in parents:
        target = target[key]
    if value is ...:
        del target[leaf]
    else:
        target[leaf] = value
    return body


def test_malformed_json_is_400(world):
    before = table_counts(world.app)
    response = world.client.post(
        f"{MT}/signalements",
        data='{"patient": {',
        content_type="application/json",
        headers=world.submitter,
    )
    _refused(world, response, 400, "bad_request", before)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_415(world, content_type):
    before = table_counts(world.app)
    response = world.client.post(
        f"{MT}/signalements",
        data=json.dumps(payloads.signalement()),
        content_type=content_type,
        headers=world.submitter,
    )
    _refused(world, response, 415, "unsupported_media_type", before)


def test_a_json_array_is_422(world):
    before = table_counts(world.app)
    error = _refused(world, _post_signalement(world, [1, 2]), 422, "validation_error", before)
    assert error["fields"] == {"_schema": ["Un objet JSON est attendu."]}


def test_a_body_over_one_megabyte_is_413(world):
    before = table_counts(world.app)
    body = payloads.signalement(reason="x" * (1024 * 1024 + 10))
    _refused(world, _post_signalement(world, body), 413, "payload_too_large", before)


def test_a_transition_body_over_one_megabyte_is_413(world):
    case = world.case_in("submitted")
    before = table_counts(world.app)
    response = world.fire(case["id"], "triage", body={"synthesis": "x" * (1024 * 1024 + 10)})
    _refused(world, response, 413, "payload_too_large", before)


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("extra", 1, "extra", "Champ inconnu."),
        ("patient.nickname", "Zaza", "patient.nickname", "Champ inconnu."),
        ("patient.address.floor", 3, "patient.address.floor", "Champ inconnu."),
        ("situation.score", 3, "situation.score", "Champ inconnu."),
        ("consent.signed", True, "consent.signed", "Champ inconnu."),
        ("patient", ..., "patient", "Ce champ est obligatoire."),
        ("patient.last_name", ..., "patient.last_name", "Ce champ est obligatoire."),
        ("patient.birth_date", ..., "patient.birth_date", "Ce champ est obligatoire."),
        ("patient.phone", ..., "patient.phone", "Ce champ est obligatoire."),
        ("patient.address", ..., "patient.address", "Ce champ est obligatoire."),
        ("situation.reason", ..., "situation.reason", "Ce champ est obligatoire."),
        ("situation.ald", ..., "situation.ald", "Ce champ est obligatoire."),
        ("consent", ..., "consent", "Ce champ est obligatoire."),
        ("patient.last_name", "   ", "patient.last_name", "Ce champ ne peut pas être vide."),
        (
            "patient.nir",
            "285046912300199",
            "patient.nir",
            "La clé du NIR ne correspond pas : vérifiez le numéro.",
        ),
        (
            "patient.nir",
            "2850469123",
            "patient.nir",
            "Le NIR doit comporter 15 caractères (13 chiffres et la clé).",
        ),
        (
            "patient.birth_date",
            (today_paris() + dt.timedelta(days=1)).isoformat(),
            "patient.birth_date",
            "La date ne peut pas être dans le futur.",
        ),
        (
            "patient.birth_date",
            "1899-12-31",
            "patient.birth_date",
            "La date ne peut pas être antérieure au 01/01/1900.",
        ),
        (
            "patient.birth_date",
            "14/03/1950",
            "patient.birth_date",
            "Date attendue au format AAAA-MM-JJ.",
        ),
        (
            "patient.address.postal_code",
            "6900",
            "patient.address.postal_code",
            "Le code postal doit comporter 5 chiffres.",
        ),
        (
            "patient.address.postal_code",
            "690031",
            "patient.address.postal_code",
            "Le code postal doit comporter 5 chiffres.",
        ),
        (
            "patient.address.postal_code",
            "69O03",
            "patient.address.postal_code",
            "Le code postal doit comporter 5 chiffres.",
        ),
        (
            "patient.phone",
            "12",
            "patient.phone",
            "Le numéro de téléphone doit être un numéro français valide (métropole ou "
            "outre-mer), par exemple 06 12 34 56 78 ou 0692 12 34 56.",
        ),
        (
            "patient.sex",
            "Y",
            "patient.sex",
            "Valeur inconnue : choisissez parmi F, M, X.",
        ),
        (
            "consent.patient_informed",
            False,
            "consent.patient_informed",
            "Le patient doit avoir été informé de la démarche.",
        ),
        (
            "consent.data_sharing",
            False,
            "consent.data_sharing",
            "Le patient doit consentir au partage de ses données avec la CPTS.",
        ),
        ("consent.data_sharing", ..., "consent.data_sharing", "Ce champ est obligatoire."),
        ("situation.ald", "oui", "situation.ald", "Valeur vrai/faux attendue (true ou false)."),
        (
            "situation.languages",
            ["french"],
            "situation.languages.0",
            "Code de langue ISO 639 attendu (ex. « fr »).",
        ),
    ],
)
def test_a_bad_signalement_is_422_and_names_the_field(world, path, value, field, message):
    before = table_counts(world.app)
    error = _refused(
        world, _post_signalement(world, _with(path, value)), 422, "validation_error", before
    )
    assert field in error["fields"], error
    assert message in error["fields"][field], error


def test_an_unknown_vulnerability_is_422(world):
    before = table_counts(world.app)
    body = _with("situation.vulnerabilities", ["c2s", "pauvrete"])
    error = _refused(world, _post_signalement(world, body), 422, "validation_error", before)
    assert list(error["fields"]) == ["situation.vulnerabilities.1"]
    assert error["fields"]["situation.vulnerabilities.1"][0].startswith("Valeur inconnue")


def test_several_errors_are_reported_together(world):
    before = table_counts(world.app)
    body = _with("consent.data_sharing", False, _with("patient.address.postal_code", "1"))
    error = _refused(world, _post_signalement(world, body), 422, "validation_error", before)
    assert {"consent.data_sharing", "patient.address.postal_code"} <= set(error["fields"])


@pytest.mark.parametrize("dept", ["2A", "2B"])
def test_a_corsican_nir_is_accepted(world, dept):
    nir = payloads.make_nir(dept=dept)
    assert dept in nir
    body = payloads.signalement()
    body["patient"]["nir"] = nir.lower()
    response = _post_signalement(world, body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["patient"]["nir"] == nir


def test_a_nir_with_spaces_is_normalised(world):
    nir = payloads.make_nir()
    body = payloads.signalement()
    body["patient"]["nir"] = (
        f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    )
    response = _post_signalement(world, body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["patient"]["nir"] == nir


# --- transitions ------------------------------------------------------------------------------


def test_a_transition_from_the_wrong_state_is_409_and_changes_nothing(world):
    case = world.case_in("submitted")
    before = table_counts(world.app)
    response = world.fire(case["id"], "accept")
    error = _refused(world, response, 409, "invalid_transition", before)
    assert "accepter" in error["message"]
    assert error["state"] == "submitted"


def test_a_stale_if_match_is_409_version_conflict(world):
    case = world.case_in("submitted")
    before = table_counts(world.app)
    response = world.fire(case["id"], "triage", headers={**world.coordinator, "If-Match": '"7"'})
    error = _refused(world, response, 409, "version_conflict", before)
    assert error["current_version"] == 1


def test_a_current_if_match_lets_the_transition_through(world):
    case = world.case_in("submitted")
    response = world.fire(case["id"], "triage", headers={**world.coordinator, "If-Match": '"1"'})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'


def test_a_malformed_if_match_is_422(world):
    case = world.case_in("submitted")
    before = table_counts(world.app)
    response = world.fire(case["id"], "triage", headers={**world.coordinator, "If-Match": "abc"})
    assert "If-Match" in _refused(world, response, 422, "validation_error", before)["fields"]


def test_a_role_that_may_not_act_is_403_and_changes_nothing(world):
    case = world.case_in("submitted")
    before = table_counts(world.app)
    _refused(world, world.fire(case["id"], "triage", world.submitter), 403, "forbidden", before)


def test_a_gp_accepting_a_case_proposed_to_another_gp_is_404(world):
    case = world.case_in("proposed")
    before = table_counts(world.app)
    response = world.fire(case["id"], "accept", world.other_gp_headers)
    _refused(world, response, 404, "not_found", before)


@pytest.mark.parametrize(
    ("start", "name", "body", "field"),
    [
        ("submitted", "triage", {}, "synthesis"),
        ("submitted", "triage", {"synthesis": " "}, "synthesis"),
        ("submitted", "triage", {"synthesis": "ok", "priority": 4}, "priority"),
        ("submitted", "triage", {"synthesis": "ok", "colour": "red"}, "colour"),
        ("triaged", "propose", {}, "professional_id"),
        ("triaged", "propose", {"professional_id": "not-a-uuid"}, "professional_id"),
        ("proposed", "decline", {}, "reason"),
        ("accepted", "confirm", {"declared_on": "2999-01-01"}, "declared_on"),
        ("submitted", "hold", {}, "reason"),
        ("submitted", "cancel", {"reason": "bored"}, "reason"),
        ("submitted", "cancel", {}, "reason"),
    ],
)
def test_a_bad_transition_body_is_422(world, start, name, body, field):
    case = world.case_in(start)
    before = table_counts(world.app)
    headers = world.gp_headers if name in ("accept", "confirm") else world.coordinator
    response = world.fire(case["id"], name, headers, body=body)
    assert field in _refused(world, response, 422, "validation_error", before)["fields"]


def test_a_malformed_transition_body_is_400(world):
    case = world.case_in("submitted")
    before = table_counts(world.app)
    response = world.client.post(
        f"{MT}/cases/{case['id']}/transitions/triage",
        data="{synthesis",
        content_type="application/json",
        headers=world.coordinator,
    )
    _refused(world, response, 400, "bad_request", before)


def test_a_transition_body_that_is_not_json_is_415(world):
    case = world.case_in("submitted")
    before = table_counts(world.app)
    response = world.client.post(
        f"{MT}/cases/{case['id']}/transitions/triage",
        data="synthesis=x",
        content_type="text/plain",
        headers=world.coordinator,
    )
    _refused(world, response, 415, "unsupported_media_type", before)


def test_a_transition_without_a_body_reads_as_empty(world):
    case = world.case_in("on_hold_from_submitted")
    response = world.client.post(
        f"{MT}/cases/{case['id']}/transitions/resume", headers=world.coordinator
    )
    assert response.status_code == 200
    assert response.get_json()["state"] == "submitted"


# --- issue 14: French numbering, the NIR and the commune, strict types, dates together ----------


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("0692 12 34 56", "+262692123456"),  # La Réunion
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe
        ("0696 12 34 56", "+596696123456"),  # Martinique
        ("0694 12 34 56", "+594694123456"),  # Guyane
        ("0639 01 23 45", "+262639012345"),  # Mayotte
        ("0590 12 34 56", "+590590123456"),
        ("0262 12 34 56", "+262262123456"),
    ],
)
def test_an_overseas_phone_in_national_form_is_accepted_and_stored_e164(world, phone, e164):
    response = _post_signalement(world, _with("patient.phone", phone))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["patient"]["phone"] == e164


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("patient.sex", "M", "sexe indiqué"),
        ("patient.birth_date", "1951-03-14", "l'année"),
        ("patient.birth_date", "1950-07-14", "mois de la date"),
        ("patient.nir", payloads.make_nir(month="15"), "n'existe pas"),
    ],
)
def test_a_nir_that_contradicts_the_person_is_422_on_the_nir(world, path, value, problem):
    before = table_counts(world.app)
    body = _with(path, value)
    if path != "patient.nir":
        body["patient"]["nir"] = payloads.make_nir()  # a woman born in March 1950
    error = _refused(world, _post_signalement(world, body), 422, "validation_error", before)
    assert list(error["fields"]) == ["patient.nir"]
    assert problem in error["fields"]["patient.nir"][0]


@pytest.mark.parametrize(
    ("sex", "nir"),
    [
        ("M", payloads.make_nir(sex="7")),  # provisional numbers: either sex
        ("F", payloads.make_nir(sex="8")),
        ("X", payloads.make_nir(sex="1")),  # sex not checked
        ("F", payloads.make_nir(month="99")),  # birth month unknown
        ("F", payloads.make_nir(month="31")),
    ],
)
def test_provisional_nirs_and_unknown_birth_months_are_accepted(world, sex, nir):
    body = payloads.signalement()
    body["patient"] = payloads.patient(sex=sex, nir=nir)
    response = _post_signalement(world, body)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        (
            {"postal_code": "69000", "city": "Lyon"},
            "patient.address.postal_code",
            "Ce code postal n'existe pas : vérifiez-le.",
        ),
        (
            {"postal_code": "69003", "city": "Villeurbanne"},
            "patient.address.city",
            "Cette commune ne correspond pas au code postal 69003 (Lyon 3e Arrondissement).",
        ),
    ],
)
def test_a_postal_code_must_exist_and_the_commune_belong_to_it(world, address, field, message):
    before = table_counts(world.app)
    body = _with("patient.address", {"line": "1 rue des Essais", **address})
    error = _refused(world, _post_signalement(world, body), 422, "validation_error", before)
    assert error["fields"] == {field: [message]}


@pytest.mark.parametrize(
    ("postal_code", "city"),
    [
        ("69003", "Lyon 3e"),
        ("75015", "Paris 15e"),
        ("13008", "Marseille 8e"),
        ("42000", "ST ETIENNE"),
    ],
)
def test_a_commune_typed_loosely_is_accepted_as_typed(world, postal_code, city):
    address = {"line": "1 rue des Essais", "postal_code": postal_code, "city": city}
    response = _post_signalement(world, _with("patient.address", address))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["patient"]["address"] == address


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("consent.data_sharing", "yes"),
        ("consent.data_sharing", 1),
        ("consent.patient_informed", "true"),
        ("situation.ald", "true"),
        ("situation.ald", 0),
        ("situation.needs_home_visits", "false"),
        ("patient.birth_date", "19500314"),
        ("patient.birth_date", "1950-W11-2"),
    ],
)
def test_only_json_booleans_and_iso_dates_are_read(world, path, value):
    before = table_counts(world.app)
    error = _refused(
        world, _post_signalement(world, _with(path, value)), 422, "validation_error", before
    )
    assert list(error["fields"]) == [path]


def test_confirm_dates_before_the_case_or_the_appointment_are_refused_together(world):
    case = world.case_in("proposed")
    today = today_paris()
    accepted = world.fire(
        case["id"],
        "accept",
        world.gp_headers,
        body={"appointment_date": (today + dt.timedelta(days=10)).isoformat()},
    )
    assert accepted.status_code == 200, accepted.get_json()
    before = table_counts(world.app)
    body = {
        "first_visit_date": today.isoformat(),  # before the appointment agreed
        "declared_on": (today - dt.timedelta(days=1)).isoformat(),  # before the signalement
        "colour": "red",
    }
    response = world.fire(case["id"], "confirm", world.gp_headers, body=body)
    error = _refused(world, response, 422, "validation_error", before)
    assert set(error["fields"]) == {"first_visit_date", "declared_on", "colour"}
    assert "rendez-vous convenu" in error["fields"]["first_visit_date"][0]
    assert "précéder le signalement" in error["fields"]["declared_on"][0]
