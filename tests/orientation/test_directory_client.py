"""The HTTP client orientation uses to read the agenda's directory: retries, clear 503s."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.orientation.directory_client import HttpDirectory
from shared.errors import ServiceUnavailable

PORT = 18720


class _Agenda:
    """A stand-in HTTP peer answering a scripted list of statuses, recording what it got."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[dict[str, str]] = []


@pytest.fixture
def agenda() -> Iterator[_Agenda]:
    state = _Agenda()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            state.requests.append(dict(self.headers))
            status = state.statuses.pop(0) if state.statuses else 200
            body = {"items": [{"id": "x"}], "total": 1} if status == 200 else {"error": {}}
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_a_transient_503_is_retried_and_the_call_succeeds(agenda):
    agenda.statuses = [503, 503]
    client = HttpDirectory(f"http://127.0.0.1:{PORT}", "jeton", request_id="demande-7")
    assert client.professionals(profession="gp") == [{"id": "x"}]
    assert len(agenda.requests) == 3
    assert {r["X-Request-Id"] for r in agenda.requests} == {"demande-7"}
    assert {r["Authorization"] for r in agenda.requests} == {"Bearer jeton"}


def test_a_peer_that_keeps_failing_gives_service_unavailable(agenda):
    agenda.statuses = [503] * 10
    client = HttpDirectory(f"http://127.0.0.1:{PORT}", "jeton")
    with pytest.raises(ServiceUnavailable):
        client.professionals()
    assert len(agenda.requests) == 4  # the first try and three retries


def test_an_unexpected_client_error_from_the_peer_is_a_503_not_a_500(agenda):
    agenda.statuses = [401]
    client = HttpDirectory(f"http://127.0.0.1:{PORT}", "jeton")
    with pytest.raises(ServiceUnavailable):
        client.professionals()
    assert len(agenda.requests) == 1  # a 4xx is not retried
