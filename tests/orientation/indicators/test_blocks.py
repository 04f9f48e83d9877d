"""The registry of blocks: absent code reads 0, present code is called; the agenda over HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from flask import Flask, request
from werkzeug.serving import make_server

from services.bootstrap import create_app
from services.orientation.indicators import agenda_client
from services.orientation.indicators.period import Period
from services.orientation.indicators.sources import module_source
from shared.extensions import db

ZERO = {"referrals": 0, "completed": 0}
AGENDA_PORT = 18500
DEAD_PORT = 18509  # nothing listens there


def test_a_block_whose_module_is_absent_reads_zero():
    source = module_source(
        "services.orientation.not_written_yet.indicators",
        "totals",
        "monthly",
        name="epp",
        zero=ZERO,
    )
    assert source(Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))) == (ZERO, {})


def test_a_block_whose_module_is_present_gets_the_period_dates(tmp_path, monkeypatch):
    (tmp_path / "epp_block_for_test.py").write_text(
        "def totals(start, end):\n"
        "    return {'referrals': (end - start).days, 'completed': 1}\n"
        "def monthly(start, end):\n"
        "    return [{'month': f'{start:%Y-%m}', 'referrals': 7, 'completed': 1}]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    source = module_source("epp_block_for_test", "totals", "monthly", name="epp", zero=ZERO)
    totals, monthly = source(Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)))
    assert totals == {"referrals": 30, "completed": 1}
    assert monthly == {"2026-01": {"referrals": 7, "completed": 1}}


@pytest.fixture
def agenda_service():
    """A stand-in agenda service on a real socket, answering its indicators endpoint."""
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

    server = make_server("127.0.0.1", AGENDA_PORT, stand_in)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield seen
    server.shutdown()
    thread.join()


@pytest.fixture
def orientation_alone(settings):
    """Builds the orientation service alone, told where the agenda is; engines closed after."""
    built = []

    def build(agenda_url):
        app = create_app(
            ("orientation",), dataclasses.replace(settings, service_urls={"agenda": agenda_url})
        )
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_agenda_block_comes_over_http_when_the_agenda_runs_apart(
    accounts, agenda_service, orientation_alone
):
    headers = accounts.create("reporting")
    orientation = orientation_alone(f"http://127.0.0.1:{AGENDA_PORT}")
    response = orientation.test_client().get(
        "/api/orientation/indicators",
        query_string={"from": "2026-03-01", "to": "2026-03-31"},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["agenda"]["snp_slots_booked"] == 31
    assert body["by_month"][0]["agenda"]["snp_slots_published"] == 40
    assert agenda_service == [
        {"args": {"from": "2026-03-01", "to": "2026-03-31"}, "auth": headers["Authorization"]}
    ]


def test_indicators_answer_503_when_the_agenda_is_down(accounts, orientation_alone):
    headers = accounts.create("reporting")
    orientation = orientation_alone(f"http://127.0.0.1:{DEAD_PORT}")
    response = orientation.test_client().get(
        "/api/orientation/indicators",
        query_string={"from": "2026-03-01", "to": "2026-03-31"},
        headers=headers,
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["message"] == "Le service agenda ne répond pas."


def test_the_agenda_in_process_is_called_with_start_and_end(app, tmp_path, monkeypatch):
    package = tmp_path / "agenda_for_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "service.py").write_text(
        "def agenda_indicators(*, start, end):\n"
        "    return {'agenda': {'snp_slots_published': 3}, 'by_month': "
        "[{'month': f'{start:%Y-%m}', 'snp_slots_published': 3}]}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        agenda_client, "IN_PROCESS_FUNCTION", ("agenda_for_test.service", "agenda_indicators")
    )
    with app.test_request_context():
        document = agenda_client.InProcessAgenda().fetch(
            Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
        )
    assert document["agenda"] == {"snp_slots_published": 3}
    assert document["by_month"][0]["month"] == "2026-03"
