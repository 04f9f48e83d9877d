"""The import upload page: a dry run previews the report and stores nothing; then import."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.support import payloads
from tests.support.web import log_in

HEADER = (
    "rpps;nom;prenom;profession;adresse;code_postal;commune;telephone;mssante;"
    "accepte_nouveaux_patients;places_par_mois;langues;visites_a_domicile;teleconsultation;"
    "qualifications"
)


def _list(*rows: str) -> bytes:
    return ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _post(client, token: str, data: bytes, action: str):
    return client.post(
        "/annuaire/import",
        data={
            "csrf_token": token,
            "format": "csv",
            "action": action,
            "file": (io.BytesIO(data), "liste.csv"),
        },
        content_type="multipart/form-data",
    )


def test_preview_then_import_the_cpts_list(client, accounts):
    coordinator = accounts.create("coordinator")
    token = log_in(client, coordinator["X-Test-Email"])
    assert "Vérifier sans importer" in client.get("/annuaire/import").get_data(as_text=True)
    row = f"{payloads.make_rpps()};Aperçunom;Ana;midwife;;69003;Lyon;;;oui;4;fr;non;non;etp"
    preview = _post(client, token, _list(row), "preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert 'data-import-report="dry-run"' in html and '<dd data-count="created">1</dd>' in html
    found = client.get("/api/agenda/professionals?q=apercunom", headers=coordinator).get_json()
    assert found["total"] == 0
    done = _post(client, token, _list(row), "import")
    assert 'data-import-report="done"' in done.get_data(as_text=True)
    found = client.get("/api/agenda/professionals?q=apercunom", headers=coordinator).get_json()
    assert found["total"] == 1


def test_a_refused_list_names_its_line_in_french(client, accounts):
    coordinator = accounts.create("coordinator")
    token = log_in(client, coordinator["X-Test-Email"])
    bad = f"{payloads.make_rpps()};Refusnom;Bo;sorcier;;69003;Lyon;;;oui;4;fr;non;non;"
    refused = _post(client, token, _list(bad), "import")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Le fichier est refusé" in html and "ligne 2" in html
    found = client.get("/api/agenda/professionals?q=refusnom", headers=coordinator).get_json()
    assert found["total"] == 0


def test_the_upload_page_is_for_the_coordination(client, accounts):
    gp = accounts.create("gp")
    log_in(client, gp["X-Test-Email"])
    assert client.get("/annuaire/import").status_code == 403


def test_the_page_takes_a_list_larger_than_a_json_body(app, client, accounts):
    """The pages' CSRF check reads the form: the import's own limit applies before it."""
    coordinator = accounts.create("coordinator")
    token = log_in(client, coordinator["X-Test-Email"])
    rows = [
        f"{payloads.make_rpps()};Grandnom{n};Ana;nurse;;69003;Lyon;;;oui;4;fr;non;non;"
        for n in range(20_000)
    ]
    data = _list(*rows)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    fields = {"csrf_token": token, "format": "csv", "action": "preview"}
    boundary, body = encode_multipart({**fields, "file": FileStorage(io.BytesIO(data), "l.csv")})
    preview = client.post(
        "/annuaire/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert preview.status_code == 200
    assert 'data-import-report="dry-run"' in preview.get_data(as_text=True)
