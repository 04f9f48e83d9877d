"""Contacts where they are needed: who reported the patient (name and phone), what the GP's
proposal card says, and any eligible GP proposable from the case page, not only the top five."""

from __future__ import annotations

import re
from html import unescape

from tests.support import factories, payloads
from tests.support.web import log_in


def test_the_case_page_names_the_referring_professional_and_their_phone(client, accounts):
    coordinator = accounts.create("coordinator")
    entry, nurse = factories.professional_account(
        client,
        accounts,
        coordinator,
        profession="nurse",
        last_name="Signaleuse",
        first_name="Alix",
        phone="0472000001",
    )
    case = factories.signalement(client, nurse)
    log_in(client, coordinator["X-Test-Email"])
    html = client.get(f"/orientation/cases/{case['id']}").text
    block = re.search(r'data-testid="referrer">(.*?)</dl>', html, re.S).group(1)
    assert "Alix Signaleuse" in block
    assert 'href="tel:0472000001"' in block
    assert "infirmier" in block


def test_the_gp_proposal_card_shows_the_message_the_ald_and_the_languages(client, accounts):
    coordinator = accounts.create("coordinator")
    gp, gp_account = factories.professional_account(client, accounts, coordinator)
    body = payloads.signalement()
    body["situation"].update(ald=True, ald_label="Diabète de type 2", languages=["fr", "ar"])
    case = factories.signalement(client, accounts.create("professional"), body)
    case = factories.fire(client, case, "triage", coordinator, {"synthesis": "Isolée."})
    factories.fire(
        client,
        case,
        "propose",
        coordinator,
        {"professional_id": gp["id"], "comment": "Patiente suivie par l'infirmière du quartier."},
    )
    log_in(client, gp_account["X-Test-Email"])
    html = unescape(client.get("/orientation/proposals").text)
    card = html[html.index(f'data-reference="{case["reference"]}"') :]
    assert "Patiente suivie par l'infirmière du quartier." in card
    assert "Diabète de type 2" in card
    assert "arabe" in card.lower()


def test_the_coordinator_finds_and_proposes_a_gp_beyond_the_top_five(client, accounts):
    coordinator = accounts.create("coordinator")
    for number in range(5):
        factories.professional(client, coordinator, last_name=f"Aaron{number}")
    far = factories.professional(client, coordinator, last_name="Zébulon")
    full = factories.professional(
        client, coordinator, last_name="Zébulonne", accepts_new_patients=False
    )
    case = factories.signalement(client, accounts.create("professional"))
    case = factories.fire(client, case, "triage", coordinator, {"synthesis": "Isolée."})
    token = log_in(client, coordinator["X-Test-Email"])
    page = client.get(f"/orientation/cases/{case['id']}").text
    assert "data-gp-search" in page
    assert far["id"] not in page
    found = client.get(f"/orientation/cases/{case['id']}?medecin=zebulon").text
    assert f'value="{far["id"]}"' in found
    assert full["id"] not in found  # not accepting new patients: never offered
    nothing = client.get(f"/orientation/cases/{case['id']}?medecin=personne").text
    assert 'data-testid="gp-search-empty"' in nothing
    proposed = client.post(
        f"/orientation/cases/{case['id']}/transitions/propose",
        data={"csrf_token": token, "version": "2", "professional_ids": far["id"]},
    )
    assert proposed.status_code == 303
    api = client.get(f"/api/orientation/cases/{case['id']}", headers=coordinator).get_json()
    assert api["state"] == "proposed"
    assert client.get(f"/orientation/cases/{case['id']}?medecin={'x' * 101}").status_code == 422
