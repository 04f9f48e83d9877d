"""Waiting-list import: CSV `;` or XLSX, all or nothing, duplicates reported and skipped."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from services.orientation.medecin_traitant.intake.waiting_list import COLUMNS
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.audit.models import AuditEntry
from shared.extensions import db
from tests.support.factories import MT
from tests.support.web import log_in

IMPORT = f"{MT}/signalements/import"
HEADER = ";".join(COLUMNS)


def row(n: int, **overrides: str) -> dict[str, str]:
    values = {
        "nom": f"Listenom{n}",
        "prenom": f"Listeprenom{n}",
        "date_naissance": "14/03/1950",
        "sexe": "F",
        "nir": "",
        "telephone": "06 12 34 56 78",
        "adresse": f"{n} rue des Essais",
        "code_postal": "69003",
        "commune": "Lyon",
        "ald": "oui",
        "ald_libelle": "Diabète",
        "fragilites": "isolement,c2s",
        "mobilite_reduite": "non",
        "visites_a_domicile": "non",
        "langues": "fr",
        "motif": "Médecin parti à la retraite",
        "recu_le": "15/01/2026",
        "synthese": "",
    }
    values.update(overrides)
    return values


def csv_file(rows: list[dict[str, str]], encoding: str = "utf-8-sig") -> bytes:
    lines = [HEADER] + [";".join(r[c] for c in COLUMNS) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, data: bytes, headers, *, dry_run: bool = False, name: str = "liste.csv"):
    url = IMPORT + ("?dry_run=true" if dry_run else "")
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), name)})
    return client.post(
        url,
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def count(app, model=MedecinTraitantCase, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_dry_run_reports_and_stores_nothing_then_the_import_keeps_the_dates(world, app):
    data = csv_file([row(1), row(2, synthese="Appelée : isolée, diabète suivi."), row(3)])
    checked = upload(world.client, data, world.coordinator, dry_run=True)
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json() == {"created": 3, "duplicates": [], "rejected": []}
    assert count(app) == 0
    done = upload(world.client, data, world.coordinator)
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["created"] == 3
    items = world.client.get(f"{MT}/cases", headers=world.coordinator).get_json()["items"]
    assert {c["source"] for c in items} == {"import"}
    assert {c["created_at"][:10] for c in items} == {"2026-01-15"}
    states = sorted(c["state"] for c in items)
    assert states == ["submitted", "submitted", "triaged"]
    triaged = next(c for c in items if c["state"] == "triaged")
    assert triaged["synthesis"] == "Appelée : isolée, diabète suivi."
    assert count(app, AuditEntry, AuditEntry.action == "create") == 3


def test_duplicates_of_open_cases_and_within_the_file_are_reported_and_skipped(world, app):
    existing = world.submit()
    patient = existing["patient"]
    known = row(
        1,
        nom=patient["last_name"],
        prenom=patient["first_name"],
        date_naissance=patient["birth_date"],
        nir=patient["nir"],
    )
    data = csv_file([known, row(2), row(2, telephone="0698765432"), row(3)])
    response = upload(world.client, data, world.coordinator)
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["created"] == 2
    assert report["duplicates"] == [
        {"line": 2, "reference": existing["reference"]},
        {"line": 4, "reference": None, "same_as_line": 3},
    ]
    assert count(app) == 3


def test_one_bad_row_among_5000_stores_nothing_and_says_why_in_french(world, app):
    rows = [row(n) for n in range(5000)]
    rows[4321] = row(4321, code_postal="6900", ald="peut-être")
    response = upload(world.client, csv_file(rows), world.coordinator)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"ligne 4323"}
    reasons = " ".join(error["fields"]["ligne 4323"])
    assert "code_postal" in reasons and "ald" in reasons
    assert "rien n'a été importé" in error["message"]
    assert count(app) == 0


def test_a_windows_1252_csv_is_read_without_mojibake(world, app):
    data = csv_file([row(1, nom="Lefèvre", motif="Médecin parti, aidée par sa fille")], "cp1252")
    response = upload(world.client, data, world.coordinator)
    assert response.status_code == 201, response.get_json()
    [case] = world.client.get(f"{MT}/cases", headers=world.coordinator).get_json()["items"]
    assert case["patient"]["last_name"] == "Lefèvre"
    assert case["situation"]["reason"] == "Médecin parti, aidée par sa fille"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"nom,prenom\r\nA,B\r\n", "point-virgule"),
        (HEADER.replace("motif", "raison").encode() + b"\r\n", "colonnes manquantes : motif"),
        (b"\x81\x8d;\x90\r\n", "Encodage du fichier non reconnu"),
        (b"PK\x03\x04 not really a workbook", "Classeur XLSX illisible"),
    ],
)
def test_unreadable_files_are_refused_clearly(world, app, data, expected):
    response = upload(world.client, data, world.coordinator)
    assert response.status_code == 422
    assert expected in response.get_json()["error"]["fields"]["file"][0]
    assert count(app) == 0


def test_a_50000_row_file_is_refused_with_a_clear_message_and_nothing_stored(world, app):
    short = {**row(0), "adresse": "1 r", "motif": "Aucun", "ald_libelle": "", "fragilites": ""}
    line = ";".join(short[c] for c in COLUMNS)
    data = ("\r\n".join([HEADER] + [line] * 50_000)).encode()
    response = upload(world.client, data, world.coordinator)
    assert response.status_code == 422
    message = response.get_json()["error"]["fields"]["file"][0]
    assert "plus de 10000 lignes" in message
    assert count(app) == 0


def test_an_xlsx_is_read_as_values_never_formulas(world, app):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    values = row(1)
    sheet.append([values[c] for c in COLUMNS])
    sheet["P2"] = '=HYPERLINK("http://evil.example","x")'  # motif: a formula, no cached value
    second = row(2)
    sheet.append([second[c] for c in COLUMNS])
    sheet["F3"] = 612345678  # a phone stored as a number loses its leading zero
    sheet["H3"] = 69003
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(world.client, buffer.getvalue(), world.coordinator, name="liste.xlsx")
    # The formula was never computed: the cell has no value, so line 2 lacks its reason.
    assert response.status_code == 422
    assert "motif" in " ".join(response.get_json()["error"]["fields"]["ligne 2"])
    assert "ligne 3" not in response.get_json()["error"]["fields"]
    assert count(app) == 0


def test_the_template_is_an_xlsx_with_the_contract_columns(world, accounts):
    response = world.client.get(f"{IMPORT}/template.xlsx", headers=world.coordinator)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    refused = world.client.get(f"{IMPORT}/template.xlsx", headers=accounts.create("professional"))
    assert refused.status_code == 403


def test_only_the_coordinator_may_import(world, accounts):
    for role in ("professional", "partner", "dac", "admin"):
        response = upload(world.client, csv_file([row(1)]), accounts.create(role))
        assert response.status_code == 403


def test_the_page_checks_then_imports(world, app):
    token = log_in(world.client, world.coordinator["X-Test-Email"])
    page = world.client.get("/orientation/import")
    assert page.status_code == 200
    data = csv_file([row(1), row(2)])
    checked = world.client.post(
        "/orientation/import",
        data={"csrf_token": token, "mode": "check", "file": (io.BytesIO(data), "liste.csv")},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200
    assert "rien n&#39;a été enregistré" in checked.get_data(as_text=True)
    assert count(app) == 0
    bad = world.client.post(
        "/orientation/import",
        data={
            "csrf_token": token,
            "mode": "import",
            "file": (io.BytesIO(csv_file([row(1, sexe="Z")])), "liste.csv"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "Ligne 2" in bad.get_data(as_text=True)
    done = world.client.post(
        "/orientation/import",
        data={"csrf_token": token, "mode": "import", "file": (io.BytesIO(data), "liste.csv")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 200
    assert "2 dossiers créés" in done.get_data(as_text=True)
    assert count(app) == 2


def test_the_cli_imports_all_or_nothing(world, app, cli_runner, tmp_path):
    good = tmp_path / "liste.csv"
    good.write_bytes(csv_file([row(1), row(2)]))
    dry = cli_runner(["orientation", "import", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["created"] == 2
    assert count(app) == 0
    bad = tmp_path / "mauvaise.csv"
    bad.write_bytes(csv_file([row(3), row(4, date_naissance="31/02/1950")]))
    refused = cli_runner(["orientation", "import", str(bad)])
    assert refused.exit_code == 2
    assert "ligne 3" in refused.output
    assert count(app) == 0
    done = cli_runner(["orientation", "import", str(good)])
    assert done.exit_code == 0, done.output
    assert count(app) == 2


def test_the_page_takes_a_list_larger_than_a_json_body(world, app):
    """The pages' CSRF check reads the form: the upload's own limit applies before it."""
    token = log_in(world.client, world.coordinator["X-Test-Email"])
    rows = [row(n) for n in range(9_000)]
    data = csv_file(rows)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": token, "mode": "check", "file": FileStorage(io.BytesIO(data), "liste.csv")}
    )
    checked = world.client.post(
        "/orientation/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert checked.status_code == 200
    assert "rien n&#39;a été enregistré" in checked.get_data(as_text=True)
    assert count(app) == 0
