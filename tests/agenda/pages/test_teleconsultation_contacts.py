"""Once paired, the nurse and the GP of a teleconsultation see who the other is and how to
reach them, and share a video link (https only)."""

from __future__ import annotations

from services.agenda.teleconsultation.models import TeleconsultationCase
from tests.support import factories
from tests.support.agenda import in_days, publish
from tests.support.web import log_in

URL = "/api/agenda/teleconsultations"


def _paired(client, accounts):
    coordinator = accounts.create("coordinator")
    nurse_entry, nurse = factories.professional_account(
        client,
        accounts,
        coordinator,
        profession="nurse",
        last_name="Soignante",
        first_name="Maëlle",
        phone="0478000002",
    )
    gp_entry, gp = factories.professional_account(
        client, accounts, coordinator, last_name="Visioniste", phone="0478000003"
    )
    day = in_days(2)
    slot = publish(client, coordinator, gp_entry["id"], day=day, kind="teleconsultation")
    assert slot.status_code == 201
    case = factories.teleconsultation(client, nurse, day, state="scheduled")
    return coordinator, nurse, gp, case


def _card(html: str, reference: str) -> str:
    start = html.index(f'data-reference="{reference}"')
    return html[start : html.index("</li>", start)]


def test_the_nurse_and_the_gp_each_see_who_the_other_is(client, accounts):
    _, nurse, gp, case = _paired(client, accounts)
    log_in(client, nurse["X-Test-Email"])
    card = _card(client.get("/agenda/teleconsultations").text, case["reference"])
    assert "Dr Camille Visioniste" in card
    assert 'href="tel:0478000003"' in card
    log_in(client, gp["X-Test-Email"])
    card = _card(client.get("/agenda/teleconsultations").text, case["reference"])
    assert "Maëlle Soignante" in card
    assert 'href="tel:0478000002"' in card


def test_a_video_link_must_be_https_and_both_sides_see_it(client, accounts, app):
    _, nurse, gp, case = _paired(client, accounts)
    token = log_in(client, gp["X-Test-Email"])
    action = f"/agenda/teleconsultations/{case['id']}/video"
    version = str(case["version"])
    for bad in ("http://visio.example.org/salle", "javascript:alert(1)", "https://", "salle 12"):
        refused = client.post(
            action, data={"csrf_token": token, "version": version, "video_url": bad}
        )
        assert refused.status_code == 422, bad
        assert "Adresse https:// complète attendue" in refused.text
    refused_api = client.patch(
        f"{URL}/{case['id']}", json={"video_url": "ftp://visio.example.org"}, headers=gp
    )
    assert refused_api.status_code == 422
    assert refused_api.get_json()["error"]["fields"]["video_url"]
    assert factories.count(app, TeleconsultationCase) == 1
    assert client.get(f"{URL}/{case['id']}", headers=gp).get_json()["video_url"] is None

    saved = client.post(
        action,
        data={
            "csrf_token": token,
            "version": version,
            "video_url": "https://visio.example.org/r/42",
        },
    )
    assert saved.status_code == 303
    log_in(client, nurse["X-Test-Email"])
    card = _card(client.get("/agenda/teleconsultations").text, case["reference"])
    assert 'href="https://visio.example.org/r/42"' in card
    api = client.get(f"{URL}/{case['id']}", headers=nurse).get_json()
    assert api["video_url"] == "https://visio.example.org/r/42"
    assert api["version"] == case["version"] + 1
    removed = client.patch(
        f"{URL}/{case['id']}",
        json={"video_url": None},
        headers={**nurse, "If-Match": f'"{api["version"]}"'},
    )
    assert removed.status_code == 200
    assert removed.get_json()["video_url"] is None


def test_someone_else_cannot_set_the_video_link(client, accounts):
    coordinator, _, _, case = _paired(client, accounts)
    _, other_nurse = factories.professional_account(
        client, accounts, coordinator, profession="nurse"
    )
    response = client.patch(
        f"{URL}/{case['id']}",
        json={"video_url": "https://visio.example.org/x"},
        headers=other_nurse,
    )
    assert response.status_code == 404
    by_coordinator = client.patch(
        f"{URL}/{case['id']}",
        json={"video_url": "https://visio.example.org/x"},
        headers=coordinator,
    )
    assert by_coordinator.status_code == 200
