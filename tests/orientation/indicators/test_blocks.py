"""The agenda block: in process when the agenda runs here, over HTTP when it runs apart."""

from __future__ import annotations

import pytest
from flask import Flask, request

from tests.support.agenda import in_days, publish
from tests.support.factories import professional
from tests.support.servers import free_port, serve_wsgi

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def agenda_service():
    """A stand-in agenda service on a real socket, answering its indicators endpoint: its
    base URL, and the requests it saw."""
    seen: list[dict] = []
    stand_in = Flask("agenda-stand-in")

    @stand_in.get("/api/agenda/indicators")
    def indicators():
        seen.append({"args": request.args.to_dict(), "auth": request.headers.get("Authorization")})
        return {
            "agenda": {
                "snp_slots_published": 40,
                "snp_slots_booked": 31,
                "teleconsultations_completed": 6,
            },
            "by_month": [
                {
                    "month": "2026-03",
                    "snp_slots_published": 40,
                    "snp_slots_booked": 31,
                    "teleconsultations_completed": 6,
                }
            ],
        }

    with serve_wsgi(stand_in) as url:
        yield url, seen


def _indicators(app, headers, period):
    response = app.test_client().get(
        "/api/orientation/indicators", query_string=period, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_agenda_block_comes_over_http_when_the_agenda_runs_apart(
    accounts, agenda_service, service_app
):
    url, seen = agenda_service
    headers = accounts.create("reporting")
    orientation = service_app("orientation", service_urls={"agenda": url})
    body = _indicators(orientation, headers, MARCH)
    assert body["agenda"]["snp_slots_booked"] == 31
    assert body["by_month"][0]["agenda"]["snp_slots_published"] == 40
    assert seen == [{"args": MARCH, "auth": headers["Authorization"]}]


def test_indicators_answer_503_when_the_agenda_is_down(accounts, service_app):
    headers = accounts.create("reporting")
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    orientation = service_app("orientation", service_urls={"agenda": dead})
    response = orientation.test_client().get(
        "/api/orientation/indicators", query_string=MARCH, headers=headers
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["message"] == "Le service agenda ne répond pas."


def test_the_agenda_block_is_counted_in_process_when_the_agenda_runs_here(app, client, accounts):
    coordinator = accounts.create("coordinator")
    gp = professional(client, coordinator)
    day = in_days(3)
    for start, end in (("09:00", "09:20"), ("09:20", "09:40")):
        published = publish(client, coordinator, gp["id"], day=day, start=start, end=end)
        assert published.status_code == 201, published.get_json()
    month = {"from": f"{day:%Y-%m}-01", "to": day.isoformat()}
    body = _indicators(app, accounts.create("reporting"), month)
    assert body["agenda"] == {
        "snp_slots_published": 2,
        "snp_slots_booked": 0,
        "teleconsultations_completed": 0,
        "professionals_publishing": 1,
        "professionals_booking": 0,
    }
    assert body["by_month"][0]["agenda"]["snp_slots_published"] == 2
