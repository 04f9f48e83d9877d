"""Assisted teleconsultation pages: a nurse requests, pairs and cancels from her list."""

from __future__ import annotations

import re

from services.agenda.teleconsultation.models import TeleconsultationCase
from tests.agenda.pages.test_views import PATIENT_FORM
from tests.support import factories
from tests.support.agenda import in_days, publish
from tests.support.web import log_in


def _nurse(client, accounts):
    coordinator = accounts.create("coordinator")
    _, nurse = factories.professional_account(client, accounts, coordinator, profession="nurse")
    return coordinator, nurse


def _form(token, day, **overrides):
    return {
        **PATIENT_FORM,
        "csrf_token": token,
        "reason": "Plaie chronique à réévaluer.",
        "window.from_date": day,
        "window.from_time": "08:00",
        "window.to_date": day,
        "window.to_time": "18:00",
        **overrides,
    }


def test_request_form_errors_are_next_to_fields_and_nothing_is_stored(client, accounts, app):
    _, nurse = _nurse(client, accounts)
    token = log_in(client, nurse["X-Test-Email"])
    day = in_days(2).isoformat()
    response = client.post(
        "/agenda/teleconsultations/new",
        data=_form(token, day, **{"window.from_time": "8h", "window.to_time": "07:00"}),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-window-from-time-error"' in html
    assert "Heure attendue au format HH:MM." in html
    reversed_window = client.post(
        "/agenda/teleconsultations/new",
        data=_form(token, day, **{"window.to_time": "07:00"}),
    )
    assert reversed_window.status_code == 422
    assert "La fin de la fenêtre doit suivre son début." in reversed_window.get_data(as_text=True)
    both = client.post(
        "/agenda/teleconsultations/new",
        data=_form(token, day, reason="", **{"window.from_time": "8h"}),
    )
    assert both.status_code == 422
    assert 'id="f-window-from-time-error"' in both.text
    assert 'id="f-reason-error"' in both.text
    assert factories.count(app, TeleconsultationCase) == 0


def test_a_window_starting_at_a_time_the_spring_change_skips_is_refused(client, accounts, app):
    _, nurse = _nurse(client, accounts)
    token = log_in(client, nurse["X-Test-Email"])
    response = client.post(
        "/agenda/teleconsultations/new",
        data=_form(token, "2027-03-28", **{"window.from_time": "02:15"}),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-window-from-time-error"' in html
    assert "L&#39;heure 02:15 n&#39;existe pas le 28/03/2027" in html
    assert factories.count(app, TeleconsultationCase) == 0


def test_nurse_requests_pairs_then_cancels_from_her_list(client, accounts, app):
    coordinator, nurse = _nurse(client, accounts)
    gp = factories.professional(client, coordinator)
    day = in_days(2)
    slot = publish(client, coordinator, gp["id"], day=day, kind="teleconsultation")
    assert slot.status_code == 201
    token = log_in(client, nurse["X-Test-Email"])
    assert "Demander une téléconsultation" in client.get("/agenda/teleconsultations").get_data(
        as_text=True
    )
    response = client.post("/agenda/teleconsultations/new", data=_form(token, day.isoformat()))
    assert response.status_code == 303
    assert "Téléconsultations à programmer" in client.get("/").get_data(as_text=True)
    html = client.get("/agenda/teleconsultations").get_data(as_text=True)
    case_id = re.search(r"/agenda/teleconsultations/([0-9a-f-]+)/transitions/pair", html).group(1)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    paired = client.post(
        f"/agenda/teleconsultations/{case_id}/transitions/pair",
        data={"csrf_token": token, "version": version},
    )
    assert paired.status_code == 303
    html = client.get("/agenda/teleconsultations").get_data(as_text=True)
    assert "programmée" in html
    assert 'data-transition="cancel"' in html
    no_reason = client.post(
        f"/agenda/teleconsultations/{case_id}/transitions/cancel",
        data={"csrf_token": token, "version": int(version) + 1},
    )
    assert no_reason.status_code == 422
    cancelled = client.post(
        f"/agenda/teleconsultations/{case_id}/transitions/cancel",
        data={"csrf_token": token, "version": int(version) + 1, "reason": "resolved"},
    )
    assert cancelled.status_code == 303
    assert "Le problème est résolu" in client.get("/agenda/teleconsultations").get_data(
        as_text=True
    )


def test_only_nurses_request_teleconsultations(client, accounts):
    log_in(client, accounts.create("professional")["X-Test-Email"])
    assert client.get("/agenda/teleconsultations/new").status_code == 403
    assert client.get("/agenda/teleconsultations").status_code == 200
