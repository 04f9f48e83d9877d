"""The HTTP client orientation uses to read the agenda's directory: retries, clear 503s."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.orientation.directory_client import HttpDirectory
from shared.errors import ServiceUnavailable
from tests.support.servers import ScriptedPeer, scripted_peer


@pytest.fixture
def agenda() -> Iterator[ScriptedPeer]:
    with scripted_peer({"items": [{"id": "x"}], "total": 1}) as peer:
        yield peer


def test_a_transient_503_is_retried_and_the_call_succeeds(agenda):
    agenda.statuses = [503, 503]
    client = HttpDirectory(agenda.url, "jeton", request_id="demande-7")
    assert client.professionals(profession="gp") == [{"id": "x"}]
    assert len(agenda.requests) == 3
    assert {r["X-Request-Id"] for r in agenda.requests} == {"demande-7"}
    assert {r["Authorization"] for r in agenda.requests} == {"Bearer jeton"}


def test_a_peer_that_keeps_failing_gives_service_unavailable(agenda):
    agenda.statuses = [503] * 10
    client = HttpDirectory(agenda.url, "jeton")
    with pytest.raises(ServiceUnavailable):
        client.professionals()
    assert len(agenda.requests) == 4  # the first try and three retries


def test_an_unexpected_client_error_from_the_peer_is_a_503_not_a_500(agenda):
    agenda.statuses = [401]
    client = HttpDirectory(agenda.url, "jeton")
    with pytest.raises(ServiceUnavailable):
        client.professionals()
    assert len(agenda.requests) == 1  # a 4xx is not retried
