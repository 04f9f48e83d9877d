"""Assisted teleconsultation: a nurse requests, `pair` books a GP slot, then done or no-show."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from services.agenda.bookings.models import Booking
from services.agenda.teleconsultation.models import TeleconsultationCase
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from tests.support import factories
from tests.support.agenda import in_days, paris, publish


@pytest.fixture
def team(client, accounts):
    coordinator = accounts.create("coordinator")
    nurse, nurse_headers = factories.professional_account(
        client, accounts, coordinator, profession="nurse", postal_code="69003", city="Lyon"
    )
    return {
        "coordinator": coordinator,
        "nurse": nurse,
        "nurse_headers": nurse_headers,
        "day": in_days(3),
    }


def _gp(client, team, accounts, *, postal_code="69003", city="Lyon", start="10:00"):
    gp, headers = factories.professional_account(
        client, accounts, team["coordinator"], postal_code=postal_code, city=city
    )
    slot = publish(
        client,
        team["coordinator"],
        gp["id"],
        day=team["day"],
        start=start,
        end=f"{start[:2]}:30",
        kind="teleconsultation",
    )
    assert slot.status_code == 201, slot.get_json()
    return {"gp": gp, "slot": slot.get_json(), "headers": headers}


def _request(client, team, **overrides):
    body = factories.teleconsultation_body(team["day"], **overrides)
    return client.post("/api/agenda/teleconsultations", json=body, headers=team["nurse_headers"])


def _fire(client, case, name, headers, body=None):
    return client.post(
        f"/api/agenda/teleconsultations/{case['id']}/transitions/{name}",
        json=body or {},
        headers=headers,
    )


def _pair(client, team):
    return factories.teleconsultation(client, team["nurse_headers"], team["day"], state="scheduled")


def test_nurse_gets_a_teleconsultation_with_her_paired_gp(app, client, team, accounts):
    near = _gp(client, team, accounts, start="09:00")
    paired = _gp(client, team, accounts, postal_code="38000", city="Grenoble", start="15:00")
    client.post(
        "/api/agenda/pairings",
        json={"nurse_id": team["nurse"]["id"], "gp_id": paired["gp"]["id"]},
        headers=team["coordinator"],
    )
    created = _request(client, team)
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert case["reference"].startswith("TC-")
    assert case["state"] == "requested"
    assert case["allowed_transitions"] == ["pair", "cancel"]

    response = _fire(client, case, "pair", team["nurse_headers"])
    assert response.status_code == 200, response.get_json()
    scheduled = response.get_json()
    assert scheduled["state"] == "scheduled"
    # The standing pair wins over a nearer GP with an earlier slot.
    assert scheduled["professional_id"] == paired["gp"]["id"]
    assert scheduled["slot_id"] == paired["slot"]["id"]
    assert near["slot"]["id"] != scheduled["slot_id"]
    with app.app_context():
        event = db.session.scalar(
            select(OutboxEvent).where(OutboxEvent.name == "teleconsultation.pair")
        )
        assert event.payload["professional_id"] == paired["gp"]["id"]
        assert event.payload["nurse_professional_id"] == team["nurse"]["id"]
    # The GP sees the case and the booking on their slot.
    gp_view = client.get(f"/api/agenda/teleconsultations/{case['id']}", headers=paired["headers"])
    assert gp_view.status_code == 200
    assert gp_view.get_json()["allowed_transitions"] == ["complete", "no_show"]
    history = gp_view.get_json()["history"]
    assert [(h["transition"], h["from"], h["to"]) for h in history] == [
        ("submit", None, "requested"),
        ("pair", "requested", "scheduled"),
    ]
    bookings = client.get("/api/agenda/bookings", headers=paired["headers"]).get_json()
    assert [b["teleconsultation_id"] for b in bookings["items"]] == [case["id"]]


def test_preference_order_is_preferred_then_pairs_then_distance(client, team, accounts):
    far = _gp(client, team, accounts, postal_code="38000", city="Grenoble", start="08:00")
    near = _gp(client, team, accounts, postal_code="69100", city="Villeurbanne", start="16:00")
    paired = _gp(client, team, accounts, postal_code="38000", city="Grenoble", start="12:00")
    preferred = _gp(client, team, accounts, postal_code="38000", city="Grenoble", start="17:00")
    client.post(
        "/api/agenda/pairings",
        json={"nurse_id": team["nurse"]["id"], "gp_id": paired["gp"]["id"]},
        headers=team["coordinator"],
    )

    def scheduled_gp(**overrides):
        case = _request(client, team, **overrides).get_json()
        return _fire(client, case, "pair", team["nurse_headers"]).get_json()["professional_id"]

    assert scheduled_gp(preferred_professional_id=preferred["gp"]["id"]) == preferred["gp"]["id"]
    assert scheduled_gp() == paired["gp"]["id"]
    # No pair left with a free slot: the nearest GP, although the far one is earlier.
    assert scheduled_gp() == near["gp"]["id"]
    assert scheduled_gp() == far["gp"]["id"]
    nothing = _fire(client, _request(client, team).get_json(), "pair", team["nurse_headers"])
    assert nothing.status_code == 422
    assert "window" in nothing.get_json()["error"]["fields"]


def test_no_show_frees_the_slot_and_returns_to_requested(app, client, team, accounts):
    gp = _gp(client, team, accounts)
    case = _pair(client, team)
    response = _fire(client, case, "no_show", gp["headers"], {"comment": "Patient absent."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "requested"
    assert body["slot_id"] is None
    free = client.get("/api/agenda/slots?available=true", headers=team["nurse_headers"]).get_json()
    assert [item["id"] for item in free["items"]] == [gp["slot"]["id"]]
    again = _fire(client, body, "pair", team["coordinator"])
    assert again.get_json()["state"] == "scheduled"


def test_the_next_gp_does_not_see_who_missed_it_before_nor_their_comment(client, team, accounts):
    first = _gp(client, team, accounts, start="09:00")
    second = _gp(client, team, accounts, start="14:00")
    case = _pair(client, team)
    assert case["professional_id"] == first["gp"]["id"]
    note = "Commentaire-du-premier-medecin"
    _fire(client, case, "no_show", first["headers"], {"comment": note})
    withdrawn = client.delete(
        f"/api/agenda/slots/{first['slot']['id']}", headers=team["coordinator"]
    )
    assert withdrawn.status_code == 204
    again = _fire(client, case, "pair", team["nurse_headers"]).get_json()
    assert again["professional_id"] == second["gp"]["id"]

    url = f"/api/agenda/teleconsultations/{case['id']}"
    seen = client.get(url, headers=second["headers"])
    assert seen.status_code == 200
    assert first["headers"]["X-Test-Email"] not in seen.get_data(as_text=True)
    assert note not in seen.get_data(as_text=True)
    [no_show] = [e for e in seen.get_json()["history"] if e["transition"] == "no_show"]
    assert (no_show["by"], no_show["comment"]) == (None, None)
    # The nurse who asked for it reads every entry in full.
    [no_show] = [
        e
        for e in client.get(url, headers=team["nurse_headers"]).get_json()["history"]
        if e["transition"] == "no_show"
    ]
    assert (no_show["by"], no_show["comment"]) == (first["headers"]["X-Test-Email"], note)


def test_complete_records_it_and_final_states_refuse_more(client, team, accounts):
    gp = _gp(client, team, accounts)
    case = _pair(client, team)
    done = _fire(client, case, "complete", gp["headers"])
    assert done.status_code == 200
    assert done.get_json()["completed_at"] is not None
    late = _fire(client, case, "no_show", gp["headers"])
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "invalid_transition"


def test_cancel_needs_a_reason_and_frees_the_booking(app, client, team, accounts):
    _gp(client, team, accounts)
    case = _pair(client, team)
    assert _fire(client, case, "cancel", team["nurse_headers"]).status_code == 422
    cancelled = _fire(client, case, "cancel", team["nurse_headers"], {"reason": "resolved"})
    assert cancelled.get_json()["state"] == "cancelled"
    with app.app_context():
        active = db.session.scalar(
            select(func.count(Booking.id)).where(Booking.cancelled_at.is_(None))
        )
    assert active == 0


def test_a_teleconsultation_booking_is_not_cancelled_directly(client, team, accounts):
    gp = _gp(client, team, accounts)
    _pair(client, team)
    [booking] = client.get("/api/agenda/bookings", headers=gp["headers"]).get_json()["items"]
    response = client.delete(f"/api/agenda/bookings/{booking['id']}", headers=gp["headers"])
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ((-3, -2), "La fenêtre proposée est déjà passée."),
        ((3, 2), "La fin de la fenêtre doit suivre son début."),
        ((1, 40), "La fenêtre dure 31 jours au maximum."),
    ],
)
def test_bad_windows_are_refused_and_nothing_stored(app, client, team, window, message):
    start, end = window
    response = _request(
        client,
        team,
        window={"from": paris(in_days(start), "08:00"), "to": paris(in_days(end), "08:00")},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["window.to"] == [message]
    with app.app_context():
        assert db.session.scalar(select(func.count(TeleconsultationCase.id))) == 0


def test_only_nurses_request_and_others_do_not_see_the_case(client, team, accounts):
    gp = _gp(client, team, accounts)
    pharmacist = accounts.create("professional")
    body = factories.teleconsultation_body(team["day"], reason="x")
    assert (
        client.post("/api/agenda/teleconsultations", json=body, headers=pharmacist).status_code
        == 403
    )
    case = _request(client, team).get_json()
    assert (
        client.get(f"/api/agenda/teleconsultations/{case['id']}", headers=pharmacist).status_code
        == 404
    )
    # Before pairing, the GP is not involved yet.
    assert (
        client.get(f"/api/agenda/teleconsultations/{case['id']}", headers=gp["headers"]).status_code
        == 404
    )
    assert _fire(client, case, "pair", gp["headers"]).status_code == 404
    listed = client.get("/api/agenda/teleconsultations", headers=team["coordinator"]).get_json()
    assert listed["total"] == 1


def test_a_stale_version_is_a_conflict(client, team, accounts):
    _gp(client, team, accounts)
    case = _request(client, team).get_json()
    response = client.post(
        f"/api/agenda/teleconsultations/{case['id']}/transitions/pair",
        json={},
        headers={**team["nurse_headers"], "If-Match": '"7"'},
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "version_conflict"
    assert dt.datetime.fromisoformat(case["window"]["from"]).utcoffset() is not None
