"""The agenda's part of a search when the agenda runs apart: the caller's token and term go
over HTTP, and a failure is a clear 503, not a 500."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from services.orientation.search.agenda_part import _over_http
from shared.auth.principal import Principal
from shared.cases.search import parse_terms, patient_terms
from shared.errors import ServiceUnavailable
from tests.support.servers import ScriptedPeer, scripted_peer

ITEM = {"reference": "TC-2026-000001", "kind": "teleconsultation", "updated_at": "2026-12-05"}


@pytest.fixture
def agenda() -> Iterator[ScriptedPeer]:
    with scripted_peer({"items": [ITEM]}) as peer:
        yield peer


def _principal() -> Principal:
    return Principal(
        user_id=uuid.uuid4(), email="c@relais.test", roles=frozenset({"coordinator"}), token="t1"
    )


def test_the_term_and_the_callers_token_go_to_the_agenda(app, agenda):
    with app.test_request_context():
        assert _over_http(agenda.url, parse_terms("lévy"), _principal()) == [ITEM]
        key = "a" * 64
        assert _over_http(agenda.url, patient_terms(key), _principal()) == [ITEM]
    assert agenda.requests[0]["path"] == "/api/agenda/teleconsultations/search"
    assert agenda.requests[0]["query"] == {"q": ["lévy"]}
    assert agenda.requests[0]["Authorization"] == "Bearer t1"
    assert agenda.requests[1]["query"] == {"patient": [key]}


def test_an_agenda_failure_is_a_french_503(app, agenda):
    agenda.statuses.append(500)
    with app.test_request_context(), pytest.raises(ServiceUnavailable) as error:
        _over_http(agenda.url, parse_terms("levy"), _principal())
    assert error.value.status == 503
    assert "téléconsultations" in error.value.message


def test_the_agenda_endpoint_refuses_a_malformed_patient(client, accounts):
    response = client.get(
        "/api/agenda/teleconsultations/search",
        query_string={"patient": "nope"},
        headers=accounts.create("coordinator"),
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["patient"] == ["Identifiant de patient invalide."]
