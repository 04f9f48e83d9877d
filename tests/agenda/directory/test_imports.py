"""Imports: the Annuaire Santé extract (CLI and API) and the CPTS's own list (CSV/XLSX)."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bench.directory_extract import extract_lines, rpps, write_extract
from services.agenda.directory.imports import EXTRACT_HEADER
from services.agenda.directory.models import PracticeSite, Professional
from shared.extensions import db
from shared.validators import USUAL_PHONE_FORM
from tests.support import payloads
from tests.support.factories import table_counts
from tests.support.phones import through_phonenumbers, validated

URL = "/api/agenda/professionals/import"
LIST_HEADER = (
    "rpps;nom;prenom;profession;adresse;code_postal;commune;telephone;mssante;"
    "accepte_nouveaux_patients;places_par_mois;langues;visites_a_domicile;teleconsultation;"
    "qualifications"
)


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Professional)) or 0,
            db.session.scalar(select(func.count()).select_from(PracticeSite)) or 0,
        )


def extract_bytes(lines: int) -> bytes:
    return "".join(extract_lines(lines)).encode("utf-8")


def upload(client, headers, data: bytes, query: str, filename: str = "extract.txt"):
    response = client.post(
        f"{URL}?{query}",
        data={"file": (io.BytesIO(data), filename)},
        headers=headers,
        content_type="multipart/form-data",
    )
    # The test client spools a body over 500 KB to a temporary file it leaves open.
    response.request.input_stream.close()
    return response


def test_a_100000_line_extract_imports_the_territory_once_and_again_changes_nothing(
    app, cli_runner, tmp_path
):
    path = write_extract(tmp_path / "ps-libreacces-personne-activite.txt", 100_000)
    args = ["directory", "import", str(path), "--format", "rpps", "--departement", "77"]
    first = cli_runner(args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["created"] > 5_000
    assert report["skipped"] > 60_000
    assert 100 < report["rejected_total"] < 400
    reasons = {r["reason"].split(" :")[0] for r in report["rejected"]}
    assert reasons == {"Numéro RPPS invalide", "Ligne mal formée"}
    professionals, sites = counts(app)
    assert professionals == report["created"]
    assert sites > professionals  # several sites per professional, one entry per RPPS
    with app.app_context():
        located = db.session.scalar(
            select(func.count()).select_from(Professional).where(Professional.insee.not_like("77%"))
        )
        assert located == 0
    again = json.loads(cli_runner(args).stdout)
    assert (again["created"], again["updated"]) == (0, 0)
    assert again["unchanged"] == report["created"]
    assert counts(app) == (professionals, sites)


def test_a_reimport_keeps_availability_and_merges_new_sites(app, client, accounts):
    coordinator = accounts.create("coordinator")
    data = extract_bytes(600)
    assert upload(client, coordinator, data, "format=rpps&departement=77").status_code == 200
    with app.app_context():
        gp = db.session.scalars(select(Professional).where(Professional.profession == "gp")).first()
        gp_id, gp_rpps = gp.id, gp.rpps
    client.patch(
        f"/api/agenda/professionals/{gp_id}",
        json={"new_patient_capacity": 7, "accepts_new_patients": True},
        headers=coordinator,
    )
    again = upload(client, coordinator, data, "format=rpps&departement=77").get_json()
    assert again["created"] == 0 and again["updated"] == 0
    entry = client.get(f"/api/agenda/professionals/{gp_id}", headers=coordinator).get_json()
    assert entry["new_patient_capacity"] == 7
    assert entry["rpps"] == gp_rpps


def test_filters_by_profession_and_maps_sm54_to_gp(client, accounts):
    coordinator = accounts.create("coordinator")
    report = upload(
        client,
        coordinator,
        extract_bytes(3000),
        "format=rpps&departement=77&professions=gp,midwife",
    ).get_json()
    assert report["created"] > 0
    found = client.get("/api/agenda/professionals?per_page=100", headers=coordinator).get_json()
    assert {p["profession"] for p in found["items"]} == {"gp", "midwife"}


def test_a_dry_run_reports_and_stores_nothing(app, client, accounts):
    coordinator = accounts.create("coordinator")
    before = table_counts(app)
    report = upload(
        client, coordinator, extract_bytes(2000), "format=rpps&dry_run=true&departement=77"
    )
    assert report.status_code == 200
    assert report.get_json()["created"] > 0
    assert table_counts(app) == before


def test_an_extract_with_a_wrong_header_is_422_naming_the_first_missing_column(
    app, client, accounts
):
    coordinator = accounts.create("coordinator")
    header = "|".join(n for n in EXTRACT_HEADER if n != "Code profession") + "|\n"
    response = upload(client, coordinator, header.encode(), "format=rpps")
    assert response.status_code == 422
    assert "Code profession" in response.get_json()["error"]["message"]


def test_a_binary_file_is_415_and_an_oversized_upload_413(app, client, accounts):
    coordinator = accounts.create("coordinator")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
    assert upload(client, coordinator, png, "format=rpps").status_code == 415
    assert upload(client, coordinator, png, "format=xlsx", "liste.xlsx").status_code == 415
    # The 1 GB limit, scaled down for the test (the check reads only Content-Length).
    app.config["DIRECTORY_IMPORT_MAX_BYTES"] = 100 * 1024
    huge = upload(client, coordinator, extract_bytes(1_000), "format=rpps")
    assert huge.status_code == 413
    assert huge.get_json()["error"]["code"] == "payload_too_large"


def test_the_cli_refuses_unknown_filters(cli_runner, tmp_path):
    path = write_extract(tmp_path / "e.txt", 10)
    result = cli_runner(
        ["directory", "import", str(path), "--format", "rpps", "--communes", "99999"]
    )
    assert result.exit_code == 2
    assert "99999" in result.output


def csv_list(*rows: str) -> bytes:
    return ("\ufeff" + "\n".join([LIST_HEADER, *rows]) + "\n").encode("utf-8")


def test_the_cpts_list_is_imported_all_or_nothing_with_a_french_report(app, client, accounts):
    coordinator = accounts.create("coordinator")
    good = f"{payloads.make_rpps()};Listenom;Ana;midwife;;77000;Melun;;;oui;4;fr,es;non;non;etp"
    bad = f"{payloads.make_rpps()};Autre;Bo;sorcier;;77000;Melun;;;peut-être;600;fr;non;non;ipa"
    before = table_counts(app)
    refused = upload(client, coordinator, csv_list(good, bad), "format=csv", "liste.csv")
    assert refused.status_code == 422
    fields = refused.get_json()["error"]["fields"]
    assert list(fields) == ["ligne 3"]
    text = " ".join(fields["ligne 3"])
    assert "profession" in text and "places_par_mois" in text
    assert "accepte_nouveaux_patients" in text
    assert table_counts(app) == before
    accepted = upload(client, coordinator, csv_list(good), "format=csv", "liste.csv")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["created"] == 1
    midwife = client.get("/api/agenda/professionals?q=listenom", headers=coordinator).get_json()
    entry = midwife["items"][0]
    assert (entry["new_patient_capacity"], entry["cpts_member"], entry["insee"]) == (
        4,
        True,
        "77288",
    )
    again = upload(client, coordinator, csv_list(good), "format=csv", "liste.csv").get_json()
    assert (again["created"], again["unchanged"]) == (0, 1)


def test_the_xlsx_template_round_trips(client, accounts):
    coordinator = accounts.create("coordinator")
    template = client.get(f"{URL}/template.xlsx", headers=coordinator)
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.data)).active
    assert [c.value for c in sheet[1]] == LIST_HEADER.split(";")
    workbook = Workbook()
    workbook.active.append(LIST_HEADER.split(";"))
    workbook.active.append(
        [payloads.make_rpps(), "Classeur", "Io", "nurse", "", "77000", "Melun", "", "", "non", 0]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, coordinator, buffer.getvalue(), "format=xlsx", "liste.xlsx")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 1


@pytest.mark.parametrize("role", ["gp", "nurse", "reporting"])
def test_only_the_coordination_imports(client, accounts, role):
    response = upload(client, accounts.create(role), extract_bytes(5), "format=rpps")
    assert response.status_code == 403


def test_generated_rpps_numbers_are_valid():
    assert all(len(rpps(n)) == 11 for n in (1, 99_999_999))


def test_the_generated_extract_has_varied_phones_read_as_phonenumbers_reads_them():
    column = EXTRACT_HEADER.index("Téléphone (coord. structure)")
    phones = [
        cells[column]
        for cells in (line.split("|") for line in extract_lines(5000))
        if len(cells) > column
    ][1:]
    given = [phone for phone in phones if phone]
    assert 0.7 * len(phones) < len(given) < 0.9 * len(phones)  # some sites have no phone
    assert len(set(given)) > 0.8 * len(given)  # not one number repeated
    assert any(" " in p for p in given) and any("." in p for p in given)
    assert any(p.startswith("+33") for p in given)
    usual = [phone for phone in given if USUAL_PHONE_FORM.fullmatch(phone)]
    assert len(usual) > 0.95 * len(given)  # most take the fast path
    read = [validated(p) for p in given]
    assert read == [through_phonenumbers(p) for p in given]
    assert any(e164 and e164.startswith("+262") for e164 in read)  # overseas numbers
    assert 0 < read.count(None) < 0.03 * len(given)  # a few invalid ones


def test_the_generated_extract_varies_names_and_addresses():
    rows = [line.split("|") for line in extract_lines(2000)][1:]
    rows = [cells for cells in rows if len(cells) > len(EXTRACT_HEADER)]

    def distinct(column: str) -> int:
        return len({cells[EXTRACT_HEADER.index(column)] for cells in rows})

    assert distinct("Nom d'exercice") > 50
    assert distinct("Prénom d'exercice") > 30
    assert distinct("Libellé Voie (coord. structure)") > 20
    assert distinct("Numéro Voie (coord. structure)") > 100
