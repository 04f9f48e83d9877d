"""EPP pages through Flask's test client: referral form, lists, assignment, midwife's answer."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from services.orientation.epp.models import EppReferral
from shared.timeutil import today_paris
from tests.support import factories as f
from tests.support.web import error_summary, log_in

VALID_FORM = {
    "patient.last_name": "Enceintenom",
    "patient.first_name": "Prénomtest",
    "patient.birth_date": "1994-05-02",
    "patient.sex": "F",
    "patient.phone": "06 12 34 56 78",
    "patient.address.line": "3 rue des Essais",
    "patient.address.postal_code": "69003",
    "patient.address.city": "Lyon",
    "pregnancy.weeks": "10",
}


def _version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def _refused_form(client, accounts, app, *, missing: str, **changes: str) -> str:
    """Post the referral form with `missing` left out: 422, nothing stored; returns the page."""
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    form = {**VALID_FORM, "csrf_token": token, **changes}
    del form[missing]
    response = client.post("/orientation/epp/new", data=form)
    assert response.status_code == 422
    assert f.count(app, EppReferral) == 0
    return response.get_data(as_text=True)


def test_invalid_referral_shows_french_errors_and_stores_nothing(client, accounts, app):
    html = _refused_form(
        client, accounts, app, missing="patient.first_name", **{"pregnancy.weeks": "60"}
    )
    assert 'id="f-patient-first-name-error"' in html
    assert 'id="f-pregnancy-weeks-error"' in html
    assert "semaines de grossesse" in html


def test_a_referral_without_pregnancy_dates_links_the_error_to_the_pregnancy_fields(
    client, accounts, app
):
    html = _refused_form(
        client, accounts, app, missing="pregnancy.weeks", **{"patient.phone": "12"}
    )
    items = error_summary(html)
    assert any(
        i.startswith('<a href="#f-pregnancy-weeks">Semaines de grossesse : Ind') for i in items
    )
    assert any(item.startswith('<a href="#f-patient-phone">Téléphone : ') for item in items)
    assert all(item.startswith('<a href="#f-') for item in items)  # each names its field
    assert 'id="f-pregnancy-weeks-error"' in html


def test_referral_from_the_form_then_duplicate_is_refused(client, accounts, app):
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    form = {**VALID_FORM, "csrf_token": token, "notes": "<img src=x onerror=alert(1)>"}
    response = client.post("/orientation/epp/new", data=form)
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    again = client.post("/orientation/epp/new", data=form)
    assert again.status_code == 409
    assert "EPP-" in again.text
    assert f.count(app, EppReferral) == 1


def test_duplicate_referral_of_another_professional_names_no_referral(client, accounts):
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    assert (
        client.post("/orientation/epp/new", data={**VALID_FORM, "csrf_token": token}).status_code
        == 303
    )
    token = log_in(client, accounts.create("midwife")["X-Test-Email"])
    again = client.post("/orientation/epp/new", data={**VALID_FORM, "csrf_token": token})
    assert again.status_code == 409
    assert "La CPTS suit déjà cette patiente. La coordination a été prévenue" in unescape(
        again.text
    )
    assert "EPP-" not in again.text


def test_coordinator_sees_late_flag_and_assigns_with_suggestions(client, accounts):
    coordinator = accounts.create("coordinator")
    midwife = f.professional(client, coordinator, profession="midwife")
    start = today_paris() - dt.timedelta(weeks=20)
    late = f.epp_referral(
        client, coordinator, weeks=None, pregnancy={"start_date": start.isoformat()}
    )
    token = log_in(client, coordinator["X-Test-Email"])
    html = client.get("/orientation/epp/").get_data(as_text=True)
    assert 'data-testid="late"' in html
    assert "Demandes d&#39;EPP à attribuer" in client.get("/").get_data(as_text=True)
    page = client.get(f"/orientation/epp/{late['id']}").get_data(as_text=True)
    assert midwife["id"] in page
    assert "place(s) disponible(s) ce mois-ci" in page
    missing = client.post(
        f"/orientation/epp/{late['id']}/transitions/assign",
        data={"csrf_token": token, "version": _version(page)},
    )
    assert missing.status_code == 422
    assert "Ce champ est obligatoire." in missing.get_data(as_text=True)
    done = client.post(
        f"/orientation/epp/{late['id']}/transitions/assign",
        data={"csrf_token": token, "version": _version(page), "professional_id": midwife["id"]},
    )
    assert done.status_code == 303
    body = client.get(f"/api/orientation/epp-referrals/{late['id']}", headers=coordinator)
    assert body.get_json()["state"] == "assigned"


def test_midwife_answers_then_completes_and_stale_pages_are_refused(client, accounts):
    coordinator = accounts.create("coordinator")
    midwife, midwife_headers = f.professional_account(
        client, accounts, coordinator, profession="midwife"
    )
    referral = f.epp_referral(
        client,
        coordinator,
        state="assigned",
        coordinator=coordinator,
        midwife=(midwife, midwife_headers),
    )
    token = log_in(client, midwife_headers["X-Test-Email"])
    assert "Demandes d&#39;EPP à accepter ou refuser" in client.get("/").get_data(as_text=True)
    listing = client.get("/orientation/epp/").get_data(as_text=True)
    assert "À accepter ou refuser (1)" in listing
    page = client.get(f"/orientation/epp/{referral['id']}").get_data(as_text=True)
    version = _version(page)
    declined = client.post(
        f"/orientation/epp/{referral['id']}/transitions/decline",
        data={"csrf_token": token, "version": version},
    )
    assert declined.status_code == 422
    assert 'id="decline-f-reason-error"' in declined.get_data(as_text=True)
    accepted = client.post(
        f"/orientation/epp/{referral['id']}/transitions/accept",
        data={"csrf_token": token, "version": version},
    )
    assert accepted.status_code == 303
    stale = client.post(
        f"/orientation/epp/{referral['id']}/transitions/complete",
        data={"csrf_token": token, "version": version, "epp_date": today_paris().isoformat()},
    )
    assert stale.status_code == 409
    assert "modifiée par quelqu&#39;un d&#39;autre" in stale.get_data(as_text=True)
    completed = client.post(
        f"/orientation/epp/{referral['id']}/transitions/complete",
        data={
            "csrf_token": token,
            "version": int(version) + 1,
            "epp_date": today_paris().isoformat(),
        },
    )
    assert completed.status_code == 303
    body = client.get(f"/api/orientation/epp-referrals/{referral['id']}", headers=coordinator)
    assert body.get_json()["state"] == "completed"


def test_a_referral_is_not_shown_to_another_professional(client, accounts):
    referral = f.epp_referral(client, accounts.create("professional"))
    log_in(client, accounts.create("professional")["X-Test-Email"])
    assert client.get(f"/orientation/epp/{referral['id']}").status_code == 404


def test_epp_pages_are_not_for_dac(client, accounts):
    log_in(client, accounts.create("dac")["X-Test-Email"])
    assert client.get("/orientation/epp/").status_code == 403
    assert client.get("/orientation/epp/new").status_code == 403
