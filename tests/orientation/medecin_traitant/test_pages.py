"""Médecin-traitant pages through Flask's test client: forms, board, case page, stale edits."""

from __future__ import annotations

import re
from html import unescape

from tests.support import factories, payloads
from tests.support.factories import World
from tests.support.web import error_summary, log_in

VALID_FORM = {
    "patient.last_name": "Testnom",
    "patient.first_name": "Prénomtest",
    "patient.birth_date": "1948-05-02",
    "patient.sex": "F",
    "patient.phone": "06 12 34 56 78",
    "patient.address.line": "3 rue des Essais",
    "patient.address.postal_code": "69003",
    "patient.address.city": "Lyon",
    "situation.ald": "on",
    "situation.vulnerabilities": ["isolement", "c2s"],
    "situation.languages": ["fr"],
    "situation.reason": "Médecin parti à la retraite.",
    "consent.patient_informed": "on",
    "consent.data_sharing": "on",
}


def test_signalement_form_has_the_contract_labels(client, accounts):
    log_in(client, accounts.create("professional")["X-Test-Email"])
    html = client.get("/orientation/signalements/new").get_data(as_text=True)
    for label in (
        "Nom",
        "Prénom",
        "Date de naissance",
        "Sexe",
        "Téléphone",
        "Adresse",
        "Code postal",
        "Commune",
        "Motif",
    ):
        assert re.search(rf'<label for="[^"]+">{label}</label>', html), label
    assert "informé que la CPTS va l&#39;aider à trouver un médecin traitant" in html
    assert "données soient partagées avec la CPTS" in html


def test_invalid_signalement_shows_french_errors_next_to_fields_and_stores_nothing(
    client, accounts
):
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    form = {**VALID_FORM, "patient.address.postal_code": "6900", "csrf_token": token}
    del form["patient.last_name"]
    del form["consent.data_sharing"]
    response = client.post("/orientation/signalements/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-patient-last-name-error"' in html
    assert 'aria-describedby="f-patient-last-name-error"' in html
    assert "Ce champ est obligatoire." in html
    assert "Le patient doit consentir au partage de ses données avec la CPTS." in html
    assert 'id="f-patient-address-postal-code-error"' in html
    assert 'value="Prénomtest"' in html  # what was typed is kept
    board = client.get("/orientation/cases").get_data(as_text=True)
    assert "Aucun dossier ne correspond." in board


def test_valid_signalement_shows_its_reference(client, accounts):
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    response = client.post(
        "/orientation/signalements/new", data={**VALID_FORM, "csrf_token": token}
    )
    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"])
    html = confirmation.get_data(as_text=True)
    assert re.search(r"MT-\d{4}-\d{6}", html)
    assert confirmation.headers["Cache-Control"] == "no-store"


def test_duplicate_signalement_names_the_open_case(client, accounts):
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    client.post("/orientation/signalements/new", data={**VALID_FORM, "csrf_token": token})
    again = client.post("/orientation/signalements/new", data={**VALID_FORM, "csrf_token": token})
    assert again.status_code == 409
    assert re.search(r"Un dossier ouvert existe déjà pour ce patient : MT-", again.text)


def test_duplicate_signalement_of_another_professional_names_no_case(client, accounts):
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    client.post("/orientation/signalements/new", data={**VALID_FORM, "csrf_token": token})
    token = log_in(client, accounts.create("nurse")["X-Test-Email"])
    again = client.post("/orientation/signalements/new", data={**VALID_FORM, "csrf_token": token})
    assert again.status_code == 409
    assert "La CPTS suit déjà ce patient. La coordination a été prévenue" in unescape(again.text)
    assert "MT-" not in again.text


def test_professional_sees_only_what_they_submitted_on_the_board(client, accounts):
    mine = accounts.create("professional")
    other = accounts.create("professional")
    own = factories.signalement(client, mine)
    foreign = factories.signalement(client, other)
    log_in(client, mine["X-Test-Email"])
    html = client.get("/orientation/cases").get_data(as_text=True)
    assert own["reference"] in html
    assert foreign["reference"] not in html
    assert "Mes signalements" in html
    assert client.get(f"/orientation/cases/{foreign['id']}").status_code == 404


def test_board_counts_cases_per_state_and_filters_by_priority(client, accounts):
    coordinator = accounts.create("coordinator")
    submitter = accounts.create("professional")
    urgent = factories.signalement(client, submitter)
    calm_body = payloads.signalement(ald=False, vulnerabilities=[])
    payloads.changed_patient(calm_body["patient"], birth_date="1990-01-01")
    calm = factories.signalement(client, submitter, calm_body)
    log_in(client, coordinator["X-Test-Email"])
    html = client.get("/orientation/cases").get_data(as_text=True)
    assert 'data-state-count="submitted">2<' in html
    assert html.index(urgent["reference"]) < html.index(calm["reference"])
    filtered = client.get("/orientation/cases?priority=3").get_data(as_text=True)
    assert calm["reference"] in filtered
    assert urgent["reference"] not in filtered


def test_board_search_by_surname_is_posted_and_keeps_the_name_out_of_every_url(client, accounts):
    coordinator = accounts.create("coordinator")
    submitter = accounts.create("professional")
    wanted_body = payloads.signalement()
    wanted_body["patient"]["last_name"] = "Cherchenom"
    wanted = factories.signalement(client, submitter, wanted_body)
    other = factories.signalement(client, submitter)
    token = log_in(client, coordinator["X-Test-Email"])
    board = client.get("/orientation/cases").get_data(as_text=True)
    # the board's own search form (the top bar's search box is the cross-case one, /recherche)
    search_form = re.search(r'<form[^>]*class="filters" role="search"[^>]*>', board).group(0)
    assert 'method="post"' in search_form
    found = client.post("/orientation/cases", data={"csrf_token": token, "q": "cherche"})
    assert found.status_code == 200
    html = found.get_data(as_text=True)
    assert wanted["reference"] in html
    assert other["reference"] not in html
    urls = re.findall(r'(?:href|action)="([^"]*)"', html)
    assert urls
    assert not [url for url in urls if "?" in url and "cherche" in unescape(url).lower()]
    ignored = client.get("/orientation/cases?q=Cherchenom")  # a GET never searches by name
    assert other["reference"] in ignored.text
    by_reference = client.post(
        "/orientation/cases", data={"csrf_token": token, "q": other["reference"]}
    )
    assert other["reference"] in by_reference.text
    assert wanted["reference"] not in by_reference.text


def test_board_search_without_the_csrf_token_is_refused(client, accounts):
    log_in(client, accounts.create("coordinator")["X-Test-Email"])
    assert client.post("/orientation/cases", data={"q": "Nom"}).status_code == 400


def test_coordinator_triages_and_proposes_from_the_case_page(client, accounts):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator)
    case = factories.signalement(client, accounts.create("professional"))
    token = log_in(client, coordinator["X-Test-Email"])
    page = client.get(f"/orientation/cases/{case['id']}").get_data(as_text=True)
    assert set(re.findall(r'data-transition="(\w+)"', page)) == {"triage", "hold", "cancel"}
    url = f"/orientation/cases/{case['id']}/transitions"
    refused = client.post(f"{url}/triage", data={"csrf_token": token, "version": "1"})
    assert refused.status_code == 422
    assert 'id="triage-f-synthesis-error"' in refused.text
    done = client.post(
        f"{url}/triage",
        data={"csrf_token": token, "version": "1", "synthesis": "Patiente isolée."},
    )
    assert done.status_code == 303
    page = client.get(f"/orientation/cases/{case['id']}").get_data(as_text=True)
    assert "Action « analyser » enregistrée." in page
    assert gp["last_name"] in page
    assert "km du domicile du patient" in page
    proposed = client.post(
        f"{url}/propose",
        data={"csrf_token": token, "version": "2", "professional_ids": gp["id"]},
    )
    assert proposed.status_code == 303
    state = client.get(f"/api/orientation/cases/{case['id']}", headers=coordinator).get_json()
    assert state["state"] == "proposed"


def test_a_stale_page_does_not_overwrite_a_newer_state(client, accounts):
    coordinator = accounts.create("coordinator")
    case = factories.signalement(client, accounts.create("professional"))
    token = log_in(client, coordinator["X-Test-Email"])
    # Someone else triages the case after our page was loaded at version 1.
    client.post(
        f"/api/orientation/cases/{case['id']}/transitions/triage",
        json={"synthesis": "Synthèse de la collègue."},
        headers=coordinator,
    )
    response = client.post(
        f"/orientation/cases/{case['id']}/transitions/hold",
        data={"csrf_token": token, "version": "1", "reason": "En attente de papiers."},
    )
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "modifié par quelqu'un d'autre" in html
    assert "Synthèse de la collègue." in html
    state = client.get(f"/api/orientation/cases/{case['id']}", headers=coordinator).get_json()
    assert state["state"] == "triaged"
    assert state["version"] == 2


def test_patient_text_is_escaped_on_every_page(client, accounts):
    coordinator = accounts.create("coordinator")
    body = payloads.signalement(reason="<script>alert('x')</script>")
    body["patient"]["last_name"] = "<img src=x onerror=alert(1)>"
    case = factories.signalement(client, accounts.create("professional"), body)
    log_in(client, coordinator["X-Test-Email"])
    for url in ("/orientation/cases", f"/orientation/cases/{case['id']}"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    case_html = client.get(f"/orientation/cases/{case['id']}").get_data(as_text=True)
    assert "<script>alert" not in case_html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in case_html


def _proposed_to_a_logged_in_gp(client, accounts):
    """A case proposed to a GP now logged in: (case, the coordinator's headers, CSRF token)."""
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.case_in("proposed")
    return case, world.coordinator, log_in(client, world.gp_headers["X-Test-Email"])


def test_gp_answers_a_proposal_from_the_proposals_page(client, accounts):
    case, coordinator, token = _proposed_to_a_logged_in_gp(client, accounts)
    home = client.get("/").get_data(as_text=True)
    assert "1 tâche" in home
    assert "Propositions de patients à examiner" in home
    page = client.get("/orientation/proposals").get_data(as_text=True)
    assert case["reference"] in page
    response = client.post(
        f"/orientation/cases/{case['id']}/transitions/accept",
        data={"csrf_token": token, "version": "3", "appointment_date": "2026-12-01"},
    )
    assert response.status_code == 303
    state = client.get(f"/api/orientation/cases/{case['id']}", headers=coordinator).get_json()
    assert state["state"] == "accepted"
    assert state["appointment_date"] == "2026-12-01"


def test_gp_who_declines_goes_back_to_the_proposals(client, accounts):
    case, coordinator, token = _proposed_to_a_logged_in_gp(client, accounts)
    response = client.post(
        f"/orientation/cases/{case['id']}/transitions/decline",
        data={"csrf_token": token, "version": "3", "reason": "Patientèle complète."},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/orientation/proposals"
    state = client.get(f"/api/orientation/cases/{case['id']}", headers=coordinator).get_json()
    assert state["state"] == "triaged"


def test_page_reads_are_in_the_audit_trail(client, accounts):
    admin = accounts.create("admin")
    case = factories.signalement(client, accounts.create("professional"))
    coordinator = accounts.create("coordinator")
    log_in(client, coordinator["X-Test-Email"])
    client.get(f"/orientation/cases/{case['id']}")
    trail = client.get(
        f"/api/orientation/audit?reference={case['reference']}", headers=admin
    ).get_json()
    readers = {(e["user"], e["action"]) for e in trail["items"]}
    assert (coordinator["X-Test-Email"], "read") in readers


def test_submitter_cancels_from_the_case_page_with_a_reason(client, accounts):
    submitter = accounts.create("professional")
    case = factories.signalement(client, submitter)
    token = log_in(client, submitter["X-Test-Email"])
    page = client.get(f"/orientation/cases/{case['id']}").get_data(as_text=True)
    assert re.findall(r'data-transition="(\w+)"', page) == ["cancel"]
    response = client.post(
        f"/orientation/cases/{case['id']}/transitions/cancel",
        data={"csrf_token": token, "version": "1", "reason": "found_gp"},
    )
    assert response.status_code == 303
    page = unescape(client.get(f"/orientation/cases/{case['id']}").get_data(as_text=True))
    assert "Le patient a trouvé un médecin traitant" in page
    assert "Ce dossier est clos." in page


def test_other_services_can_add_entries_to_the_case_timeline(app, client, accounts):
    from shared.timeutil import utcnow
    from shared.web.registry import TimelineEntry, add_timeline_source

    seen = []

    def notifications_sent(reference):
        seen.append(reference)
        return [TimelineEntry(at=utcnow(), title="E-mail envoyé au médecin proposé")]

    add_timeline_source(app, notifications_sent)
    coordinator = accounts.create("coordinator")
    case = factories.signalement(client, accounts.create("professional"))
    log_in(client, coordinator["X-Test-Email"])
    page = client.get(f"/orientation/cases/{case['id']}").get_data(as_text=True)
    assert "E-mail envoyé au médecin proposé" in page
    assert seen == [case["reference"]]


def test_gp_answering_a_proposal_withdrawn_meanwhile_is_told_so(client, accounts):
    case, coordinator, token = _proposed_to_a_logged_in_gp(client, accounts)
    url = f"/api/orientation/cases/{case['id']}/transitions"
    client.get("/orientation/proposals")
    # The coordinator declines on the GP's behalf while the GP's page is open.
    client.post(f"{url}/decline", json={"reason": "Injoignable."}, headers=coordinator)
    response = client.post(
        f"/orientation/cases/{case['id']}/transitions/accept",
        data={"csrf_token": token, "version": "3"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/orientation/proposals"
    page = unescape(client.get("/orientation/proposals").get_data(as_text=True))
    assert "Cette proposition a été refusée : elle ne vous est plus adressée." in page
    state = client.get(f"/api/orientation/cases/{case['id']}", headers=coordinator).get_json()
    assert state["state"] == "triaged"


def test_the_empty_signalement_form_names_and_links_every_error(client, accounts):
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    response = client.post("/orientation/signalements/new", data={"csrf_token": token})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    items = error_summary(html)
    assert items
    for item in items:  # "<a href="#f-…">Label : message</a>", never a bare message
        assert re.fullmatch(r'<a href="#f-[a-z-]+">[^<:]+ : [^<]+</a>', item), item
    for field_id, label in (
        ("f-patient-last-name", "Nom"),
        ("f-patient-address-postal-code", "Code postal"),
        ("f-patient-address-city", "Commune"),
        ("f-situation-reason", "Motif"),
    ):
        assert f'<a href="#{field_id}">{label} : Ce champ est obligatoire.</a>' in items
        assert f'id="{field_id}-error"' in html  # highlighted next to the field too
    assert any(item.startswith('<a href="#f-consent-data-sharing">') for item in items)


def test_an_overseas_patient_is_signalled_and_shown_in_national_form(client, accounts):
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    form = {
        **VALID_FORM,
        "csrf_token": token,
        "patient.phone": "0692 12 34 56",
        "patient.address.postal_code": "97400",
        "patient.address.city": "St-Denis",
    }
    response = client.post("/orientation/signalements/new", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    case_id = response.headers["Location"].rsplit("/", 1)[1]
    html = client.get(f"/orientation/cases/{case_id}").get_data(as_text=True)
    assert "0692 12 34 56" in html
