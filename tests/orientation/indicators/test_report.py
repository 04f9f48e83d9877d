"""The annual report PDF: generated from HTML by WeasyPrint, parsed back with pdftotext."""

from __future__ import annotations

import subprocess

import pytest

from services.orientation.indicators.report import ACTIONS
from shared.timeutil import today_paris
from tests.support import factories
from tests.support.web import log_in

URL = "/api/orientation/indicators/report"


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_report_has_a_cover_each_action_its_figures_and_the_definitions(
    client, accounts, tmp_path
):
    coordinator = accounts.create("coordinator")
    for capacity in (500, 500, 234):
        factories.professional(client, coordinator, new_patient_capacity=capacity)
    factories.signalement(client, accounts.create("professional"))
    year = today_paris().year
    baseline = f"commune_insee;month;patients_without_mt;population\n69266;{year}-01;4321;152212\n"
    assert (
        client.post(
            "/api/orientation/territory-baseline",
            data=baseline.encode(),
            headers=coordinator,
            content_type="text/csv",
        ).status_code
        == 201
    )
    response = client.get(URL, query_string={"year": year}, headers=accounts.create("reporting"))
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    assert f'rapport_annuel_{year}.pdf"' in response.headers["Content-Disposition"]
    assert response.data[:5] == b"%PDF-"
    text = _text(response.data, tmp_path)
    flat = " ".join(text.split())
    assert f"Rapport annuel {year}" in flat
    for action in ACTIONS:
        assert action["title"] in flat, action["title"]
    for label in (
        "Médecins généralistes volontaires",
        "Places mensuelles des médecins volontaires",
        "Patients sans médecin traitant : signalements reçus",
        "Professionnels publiant des créneaux",
        "Infirmiers ayant fait une téléconsultation assistée",
        "EPP : patientes orientées",
        "Sorties prêtes avant la sortie",
        "Définitions",
        "Mois par mois",
    ):
        assert label in flat, label
    assert "1 234" in text.replace("\u202f", " ")  # the volunteers' places, French format
    assert "4 321" in text.replace("\u202f", " ")  # the territory's baseline
    assert "au plus tard la veille de la sortie" in flat


@pytest.mark.parametrize("year", ["1999", "deux-mille", ""])
def test_a_bad_year_is_refused_in_french(client, accounts, year):
    response = client.get(URL, query_string={"year": year}, headers=accounts.create("reporting"))
    assert response.status_code == 422
    assert "year" in response.get_json()["error"]["fields"]


def test_the_report_is_not_for_clinical_roles(client, accounts):
    response = client.get(URL, query_string={"year": 2026}, headers=accounts.create("gp"))
    assert response.status_code == 403


def test_the_page_links_to_the_report(client, accounts):
    log_in(client, accounts.create("reporting")["X-Test-Email"])
    html = client.get("/indicators/").get_data(as_text=True)
    year = today_paris().year
    assert f"/indicators/rapport.pdf?year={year}" in html
    response = client.get("/indicators/rapport.pdf", query_string={"year": year})
    assert response.status_code == 200
    assert response.data[:5] == b"%PDF-"
