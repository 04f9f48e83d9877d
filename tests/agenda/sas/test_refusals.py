"""Requests the endpoint cannot execute: a FHIR OperationOutcome with the right 4xx, in French,
and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from services.agenda.sas.schemas import IDNPS_SYSTEM, PRACTITIONER_PARAMETER
from shared.timeutil import utcnow
from tests.support.notifications import configure
from tests.support.sas import TOKEN, identifiers, instant, window

RPPS = "10002909371"


def _outcome(response, status: int) -> list[dict]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"], outcome
    assert set(outcome) == {"resourceType", "issue"}
    OperationOutcome.model_validate(outcome)
    return outcome["issue"]


def _without(params, name):
    return [(key, value) for key, value in params if key != name]


def _replacing(params, name, *values):
    return _without(params, name) + [(name, value) for value in values]


def test_missing_start_bound_is_400(sas):
    lower, _upper = window()
    for params in (
        _replacing(sas.query(RPPS), "start", lower),
        _without(sas.query(RPPS), "start"),
        _replacing(sas.query(RPPS), "start", lower, lower),
    ):
        [issue] = _outcome(sas.get(params), 400)
        assert issue["diagnostics"].startswith("start : ")
        assert issue["severity"] == "error"
    [issue] = _outcome(sas.get(_without(sas.query(RPPS), "start")), 400)
    assert issue["code"] == "required"


def test_more_than_25_identifiers_is_400_and_25_is_fine(sas):
    numbers = [f"1000000{n:04d}" for n in range(26)]
    [issue] = _outcome(sas.search(*numbers), 400)
    assert "25 identifiants au plus" in issue["diagnostics"]
    assert sas.search(*numbers[:25]).status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        f"8{RPPS}",  # no system
        f"urn:oid:1.2.250.1.71.4.2.2|8{RPPS}",  # the structures' system
        f"http://rpps.example|8{RPPS}",
        f"{IDNPS_SYSTEM}|{RPPS}",  # RPPS without the 8
        f"{IDNPS_SYSTEM}|8123",
        f"{identifiers(RPPS)},8{RPPS}",  # the second one without system
        "",
    ],
)
def test_an_identifier_without_the_idnps_system_or_shape_is_400(sas, value):
    params = _replacing(sas.query(RPPS), PRACTITIONER_PARAMETER, value)
    [issue] = _outcome(sas.get(params), 400)
    assert issue["diagnostics"].startswith(PRACTITIONER_PARAMETER)


def test_a_window_over_7_days_or_reversed_is_400(sas):
    start = utcnow()
    over = window(7 * 24 + 1, start=start)
    [issue] = _outcome(sas.search(RPPS, bounds=over), 400)
    assert "7 jours" in issue["diagnostics"]
    assert sas.search(RPPS, bounds=window(7 * 24, start=start)).status_code == 200
    lower, upper = window(24, start=start)
    reversed_ = (f"ge{upper[2:]}", f"le{lower[2:]}")
    [issue] = _outcome(sas.search(RPPS, bounds=reversed_), 400)
    assert "précède" in issue["diagnostics"]


@pytest.mark.parametrize(
    "bound",
    [
        "ge2024-13-12T16:20:00.000+02:00",  # month 13
        "ge2024-06-31T16:20:00.000+02:00",  # 31 June
        "ge2024-06-12T25:20:00.000+02:00",
        "ge2024-06-12",  # a day, not an instant
        "ge12/06/2024 16:20",
        "eq2024-06-12T16:20:00.000+02:00",  # not a bound
        "2024-06-12T16:20:00.000+02:00",  # no prefix
        "gedemain",
    ],
)
def test_a_malformed_date_is_400(sas, bound):
    _lower, upper = window()
    [issue] = _outcome(sas.get(_replacing(sas.query(RPPS), "start", bound, upper)), 400)
    assert issue["diagnostics"].startswith("start : ")


def test_status_other_than_free_is_400(sas):
    # Booked slots are nobody's business here: no search of busy slots.
    for status in ("busy", "free,busy"):
        [issue] = _outcome(sas.get(_replacing(sas.query(RPPS), "status", status)), 400)
        assert issue["diagnostics"].startswith("status : ")
    issues = _outcome(sas.get(_without(sas.query(RPPS), "status")), 400)
    assert [i["code"] for i in issues] == ["required"]


def test_the_schedule_and_actor_includes_are_required_and_unknown_chains_refused(sas):
    for includes in ((), ("Slot:schedule",), ("Schedule:actor",)):
        [issue] = _outcome(sas.search(RPPS, includes=includes), 400)
        assert issue["diagnostics"].startswith("_include : ")
    params = sas.query(RPPS) + [("_include", "Slot:patient")]
    [issue] = _outcome(sas.get(params), 400)
    assert issue["diagnostics"].startswith("_include : ")


def test_a_parameter_given_twice_is_400(sas):
    params = sas.query(RPPS) + [("status", "free")]
    [issue] = _outcome(sas.get(params), 400)
    assert issue["diagnostics"] == "status : paramètre répété."


def test_several_problems_are_several_issues(sas):
    params = [("start", "ge-hier"), (PRACTITIONER_PARAMETER, "x"), ("status", "busy")]
    issues = _outcome(sas.get(params), 400)
    named = {issue["diagnostics"].split(" : ")[0] for issue in issues}
    assert named == {"start", PRACTITIONER_PARAMETER, "status", "_include"}


def test_unknown_parameters_are_ignored_and_left_out_of_the_self_link(sas):
    params = sas.query(RPPS) + [("_count", "10"), ("patient", "x")]
    response = sas.get(params)
    assert response.status_code == 200
    url = response.get_json()["link"][0]["url"]
    assert "_count" not in url
    assert "patient" not in url
    assert "status=free" in url


def test_with_prefer_strict_unknown_parameters_are_400(sas):
    params = sas.query(RPPS) + [("_count", "10")]
    [issue] = _outcome(sas.get(params, headers={"Prefer": "handling=strict"}), 400)
    assert issue["code"] == "not-supported"
    assert "_count" in issue["diagnostics"]
    assert sas.get(sas.query(RPPS), headers={"Prefer": "handling=strict"}).status_code == 200


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_a_missing_or_wrong_token_is_401(sas, token):
    issues = _outcome(sas.get(sas.query(RPPS), token=token), 401)
    assert issues[0]["code"] == "login"


def test_a_relais_account_token_is_not_the_sas_token(sas, accounts):
    headers = accounts.create("coordinator")
    response = sas.client.get("/fhir/sas/Slot", query_string=sas.query(RPPS), headers=headers)
    _outcome(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="sas"'


def test_the_token_is_checked_before_the_parameters(sas):
    _outcome(sas.get([("start", "nonsense")], token=None), 401)


def test_xml_is_not_served(sas):
    _outcome(sas.get(sas.query(RPPS), headers={"Accept": "application/fhir+xml"}), 406)
    _outcome(sas.get(sas.query(RPPS) + [("_format", "xml")]), 406)
    for accepted in ("application/json+fhir", "application/json", "*/*"):
        assert sas.get(sas.query(RPPS), headers={"Accept": accepted}).status_code == 200


def test_other_methods_and_resources_answer_an_operation_outcome(sas):
    client = sas.client
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/fhir/sas/Slot", json={})
        _outcome(response, 405)
        assert response.headers["Allow"] == "GET, HEAD"
    _outcome(client.get("/fhir/sas/Patient"), 404)
    _outcome(client.get("/fhir/sas/Slot/abc"), 404)


def test_without_the_cpts_identity_the_endpoint_is_unavailable(sas_app, sas):
    configure(sas_app, cpts_finess=None)
    [issue] = _outcome(sas.search(RPPS), 503)
    assert "CPTS_FINESS" in issue["diagnostics"]


def test_a_plus_sent_unencoded_is_read_as_the_offset(sas):
    lower = utcnow()
    upper = lower + dt.timedelta(hours=24)
    # The raw query string, as a client that forgets to encode "+" sends it.
    query = "&".join(
        f"{key}={value}"
        for key, value in sas.query(RPPS, bounds=(f"ge{instant(lower)}", f"le{instant(upper)}"))
    )
    assert "+0" in query
    response = sas.client.get(
        f"/fhir/sas/Slot?{query}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200, response.get_json()
