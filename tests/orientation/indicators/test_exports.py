"""CSV and XLSX exports, parsed back; the publication threshold; the audit of exports."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from shared.audit.models import AuditEntry
from shared.extensions import db
from tests.support import payloads
from tests.support.factories import utc

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
SIGNALEMENTS = "Patients sans médecin traitant : signalements reçus"
ORIENTED = "Patients orientés vers un médecin traitant"
EPP_REFERRALS = "EPP : orientations reçues"


@pytest.fixture
def reporting(accounts):
    return accounts.create("reporting")


@pytest.fixture
def march_cases(world):
    """Three signalements in Villeurbanne (below the threshold), six in Lyon 3e, one oriented."""
    for _ in range(3):
        body = payloads.signalement()
        body["patient"]["address"] |= {"postal_code": "69100", "city": "Villeurbanne"}
        world.case_then("submitted", utc(2026, 3, 2, 9), body=body)
    for _ in range(5):
        world.case_then("submitted", utc(2026, 3, 3, 9))
    world.case_then("oriented", utc(2026, 3, 3, 9), utc(2026, 3, 20, 9))


def _csv_rows(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_csv_export_is_utf8_with_bom_semicolons_and_a_dated_file_name(
    client, reporting, march_cases
):
    response = client.get(
        "/api/orientation/indicators", query_string={**MARCH, "format": "csv"}, headers=reporting
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert 'filename="indicateurs_2026-03-01_2026-03-31.csv"' in disposition
    rows = _csv_rows(response)
    header, march, total = rows[0], rows[1], rows[-1]
    assert header[:3] == ["Mois", "Du", "Au"]
    assert march[0] == "2026-03" and total[0] == "Total"
    figures = dict(zip(header, march, strict=True))
    assert figures[SIGNALEMENTS] == "9"
    assert figures[ORIENTED] == "1"
    assert figures[EPP_REFERRALS] == "0"
    # Every figure of the months has a French header, the new blocks' included.
    assert not [name for name in header if "." in name or "_" in name]
    for name in (
        "EPP : patientes orientées",
        "Professionnels publiant des créneaux",
        "Professionnels réservant des créneaux",
        "Infirmiers ayant fait une téléconsultation assistée",
        "Médecins ayant fait une téléconsultation assistée",
    ):
        assert name in header


def test_public_csv_masks_figures_below_the_threshold(client, reporting, march_cases):
    response = client.get(
        "/api/orientation/indicators",
        query_string={**MARCH, "format": "csv", "public": "true"},
        headers=reporting,
    )
    assert "_public.csv" in response.headers["Content-Disposition"]
    header, march = _csv_rows(response)[:2]
    figures = dict(zip(header, march, strict=True))
    assert figures[SIGNALEMENTS] == "9"
    assert figures[ORIENTED] == "< 5"
    assert figures[EPP_REFERRALS] == "0"  # zero reveals nobody: shown as is


def test_the_json_stays_exact_even_with_public(client, reporting, march_cases):
    body = client.get(
        "/api/orientation/indicators", query_string={**MARCH, "public": "true"}, headers=reporting
    ).get_json()
    assert body["medecin_traitant"]["oriented"] == 1
    communes = {row["insee"]: row for row in body["medecin_traitant"]["by_commune"]}
    assert communes["69266"]["signalements"] == 3


def test_xlsx_export_has_months_and_communes_and_masks_when_public(client, reporting, march_cases):
    exact = client.get(
        "/api/orientation/indicators", query_string={**MARCH, "format": "xlsx"}, headers=reporting
    )
    assert exact.status_code == 200
    assert (
        'filename="indicateurs_2026-03-01_2026-03-31.xlsx"' in exact.headers["Content-Disposition"]
    )
    workbook = openpyxl.load_workbook(io.BytesIO(exact.get_data()))
    assert workbook.sheetnames == ["par mois", "par commune", "Définitions"]
    months = list(workbook["par mois"].values)
    march = dict(zip(months[0], months[1], strict=True))
    assert march[SIGNALEMENTS] == 9  # a number, not text
    assert march["Mois"] == "2026-03"
    communes = list(workbook["par commune"].values)
    assert communes[0][:4] == ("Code INSEE", "Commune", "Code postal", "Signalements")
    communes = {row[0]: row for row in communes[1:]}
    assert communes["69266"][3] == 3
    definitions = list(workbook["Définitions"].values)
    assert definitions[0] == ("Indicateur", "Définition")
    defined = {row[0]: row[1] for row in definitions[1:]}
    # Every column of the months is defined in the sheet.
    assert set(months[0][3:]) <= set(defined)
    assert "veille" in defined["Sorties prêtes avant la sortie"]

    public = client.get(
        "/api/orientation/indicators",
        query_string={**MARCH, "format": "xlsx", "public": "true"},
        headers=reporting,
    )
    workbook = openpyxl.load_workbook(io.BytesIO(public.get_data()))
    communes = {row[0]: row for row in list(workbook["par commune"].values)[1:]}
    assert communes["69266"][3] == "< 5"
    assert communes["69383"][3] == 6


def test_file_exports_are_recorded_in_the_audit_trail_and_json_reads_are_not(
    app, client, reporting
):
    client.get("/api/orientation/indicators", query_string=MARCH, headers=reporting)
    client.get(
        "/api/orientation/indicators", query_string={**MARCH, "format": "csv"}, headers=reporting
    )
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "export"))
        assert [e.reference for e in entries] == ["indicators:2026-03-01/2026-03-31"]


def test_definitions_give_each_figure_of_the_document_in_french(client, reporting):
    response = client.get("/api/orientation/indicators/definitions", headers=reporting)
    assert response.status_code == 200
    body = response.get_json()
    keys = {item["key"] for item in body["items"]}
    document = client.get(
        "/api/orientation/indicators", query_string=MARCH, headers=reporting
    ).get_json()
    monthly = {
        f"{block}.{figure}"
        for block, figures in document["by_month"][0].items()
        if isinstance(figures, dict)
        for figure in figures
    }
    assert monthly <= keys
    for key in ("directory.volunteer_gps", "teleconsultation.nurses", "epp.patients_oriented"):
        assert key in keys
    assert all(item["definition"] and item["label"] for item in body["items"])
    assert "Paris" in body["period_rule"]


def test_definitions_are_not_for_everyone(client, accounts):
    response = client.get(
        "/api/orientation/indicators/definitions", headers=accounts.create("professional")
    )
    assert response.status_code == 403
