"""Input that cannot be stored as text (issue 14): a NUL character, a lone surrogate, JSON
nested without end. Each is refused with the contract's French error, and nothing is stored."""

from __future__ import annotations

import json

import pytest

from tests.support import factories, payloads
from tests.support.factories import table_counts
from tests.support.web import log_in

SIGNALEMENTS = "/api/orientation/signalements"


def _raw_json(body: dict) -> bytes:
    """JSON as a client may send it: escapes (`\\u0000`, `\\ud800`) kept as written."""
    return json.dumps(body, ensure_ascii=True).encode()


def _refused(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("text", ["Dupont\x00", "\ud800", "a\udfffb"])
def test_a_patient_name_that_is_not_text_is_422_naming_the_field(app, client, accounts, text):
    headers = accounts.create("professional")
    body = payloads.signalement()
    body["patient"]["last_name"] = text
    before = table_counts(app)
    response = client.post(
        SIGNALEMENTS, data=_raw_json(body), content_type="application/json", headers=headers
    )
    error = _refused(response, 422, "validation_error")
    assert list(error["fields"]) == ["patient.last_name"]
    assert table_counts(app) == before


def test_a_nul_in_a_key_or_a_list_is_named_too(app, client, accounts):
    headers = accounts.create("professional")
    body = payloads.signalement(languages=["fr", "e\x00n"])
    body["patient"]["address"]["x\x00"] = "1"
    response = client.post(
        SIGNALEMENTS, data=_raw_json(body), content_type="application/json", headers=headers
    )
    error = _refused(response, 422, "validation_error")
    assert set(error["fields"]) == {"situation.languages.1", "patient.address.x\x00"}


def test_a_discharge_summary_with_a_nul_is_refused_and_the_case_unchanged(app, client, accounts):
    dac = accounts.create("dac")
    case = factories.discharge(client, dac)
    before = table_counts(app)
    response = client.patch(
        f"/api/orientation/discharges/{case['id']}",
        data=_raw_json({"summary": "Sortie\x00 prévue"}),
        content_type="application/json",
        headers=dac,
    )
    assert list(_refused(response, 422, "validation_error")["fields"]) == ["summary"]
    assert table_counts(app) == before
    again = client.get(f"/api/orientation/discharges/{case['id']}", headers=dac).get_json()
    assert (again["summary"], again["version"]) == (case["summary"], case["version"])


@pytest.mark.parametrize(
    "query", ["city=%00", "city=Lyon%00", "%00=1", "kind=snp&postal_code=69003%00"]
)
def test_a_query_string_with_a_nul_is_422(app, client, accounts, query):
    headers = accounts.create("coordinator")
    response = client.get(f"/api/agenda/slots?{query}", headers=headers)
    error = _refused(response, 422, "validation_error")
    assert all("caractère nul" in messages[0] for messages in error["fields"].values())


@pytest.mark.parametrize("document", ["[" * 100_000, '{"a":' * 5_000, "[" * 40 + "]" * 40])
def test_json_nested_without_end_is_400(app, client, accounts, document):
    headers = accounts.create("professional")
    before = table_counts(app)
    response = client.post(
        SIGNALEMENTS, data=document, content_type="application/json", headers=headers
    )
    assert "imbriqué" in _refused(response, 400, "bad_request")["message"]
    assert table_counts(app) == before


def test_json_that_is_not_utf8_is_400(client, accounts):
    headers = accounts.create("professional")
    response = client.post(
        SIGNALEMENTS, data=b'{"a": "\xff"}', content_type="application/json", headers=headers
    )
    _refused(response, 400, "bad_request")


def test_a_page_form_field_with_a_nul_is_refused_on_an_html_page(app, client, accounts):
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    before = table_counts(app)
    response = client.post(
        "/orientation/signalements/new",
        data={"csrf_token": token, "patient.last_name": "Dupont\x00", "situation.reason": "x"},
    )
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "Certaines données sont invalides." in response.get_data(as_text=True)
    assert table_counts(app) == before


def test_the_login_form_with_a_nul_is_refused(client):
    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"csrf_token": token, "email": "a\x00@b.fr", "password": "x"}
    )
    assert response.status_code == 422
