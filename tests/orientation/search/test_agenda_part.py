"""The agenda's part of a search when the agenda runs apart: the caller's token and term go
over HTTP, and a failure is a clear 503, not a 500."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from services.orientation.search.agenda_part import _over_http
from shared.auth.principal import Principal
from shared.cases.search import parse_terms, patient_terms
from shared.errors import ServiceUnavailable

ITEM = {"reference": "TC-2026-000001", "kind": "teleconsultation", "updated_at": "2026-12-05"}


@pytest.fixture
def agenda() -> Iterator[tuple[str, list[dict], list[int]]]:
    requests: list[dict] = []
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urlparse(self.path)
            requests.append({"path": url.path, "query": parse_qs(url.query), **self.headers})
            status = statuses.pop(0) if statuses else 200
            payload = json.dumps({"items": [ITEM]} if status == 200 else {"error": {}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests, statuses
    server.shutdown()
    server.server_close()


def _principal() -> Principal:
    return Principal(
        user_id=uuid.uuid4(), email="c@relais.test", roles=frozenset({"coordinator"}), token="t1"
    )


def test_the_term_and_the_callers_token_go_to_the_agenda(app, agenda):
    base, requests, _statuses = agenda
    with app.test_request_context():
        assert _over_http(base, parse_terms("lévy"), _principal()) == [ITEM]
        key = "a" * 64
        assert _over_http(base, patient_terms(key), _principal()) == [ITEM]
    assert requests[0]["path"] == "/api/agenda/teleconsultations/search"
    assert requests[0]["query"] == {"q": ["lévy"]}
    assert requests[0]["Authorization"] == "Bearer t1"
    assert requests[1]["query"] == {"patient": [key]}


def test_an_agenda_failure_is_a_french_503(app, agenda):
    base, _requests, statuses = agenda
    statuses.append(500)
    with app.test_request_context(), pytest.raises(ServiceUnavailable) as error:
        _over_http(base, parse_terms("levy"), _principal())
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
