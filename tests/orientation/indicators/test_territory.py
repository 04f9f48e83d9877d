"""The territory's baseline of patients without a médecin traitant: upload (all rows or none,
French errors per line), template, and the `territory` block of the indicators document."""

from __future__ import annotations

import io

import pytest

from services.orientation.indicators.models import TerritoryBaseline
from tests.support.factories import count
from tests.support.indicators import indicators_document

URL = "/api/orientation/territory-baseline"
GOOD = (
    "\ufeffcommune_insee;month;patients_without_mt;population\n"
    "69266;2026-01;4210;152212\n"
    "69266;2026-02;4185;152212\n"
    "69383;2026-01;1000;100000\n"
    "69383;2026-02;990;\n"  # no population this month: no share for February
)


def _post(client, headers, text: str, *, as_form: bool = True):
    if as_form:
        data = {"file": (io.BytesIO(text.encode("utf-8")), "territoire.csv")}
        return client.post(URL, data=data, headers=headers, content_type="multipart/form-data")
    return client.post(URL, data=text.encode("utf-8"), headers=headers, content_type="text/csv")


@pytest.fixture
def coordinator(accounts):
    return accounts.create("coordinator")


def _document(client, accounts, start="2026-01-01", end="2026-03-31"):
    return indicators_document(client, accounts.create("reporting"), start, end)


def test_a_baseline_gives_the_territory_curve_and_share(client, accounts, coordinator):
    assert "territory" not in _document(client, accounts)
    response = _post(client, coordinator, GOOD)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"rows": 4, "communes": 2, "from": "2026-01", "to": "2026-02"}
    months = _document(client, accounts)["territory"]["patients_without_mt_by_month"]
    assert months == [
        {
            "month": "2026-01",
            "patients_without_mt": 5210,
            "communes": 2,
            "population": 252212,
            "share": round(5210 / 252212, 4),
        },
        {
            "month": "2026-02",
            "patients_without_mt": 5175,
            "communes": 2,
            "population": None,
            "share": None,
        },
    ]
    # A period that starts mid-month still shows that month; one outside shows nothing.
    february = _document(client, accounts, "2026-02-15", "2026-02-28")["territory"]
    assert [m["month"] for m in february["patients_without_mt_by_month"]] == ["2026-02"]
    assert "territory" not in _document(client, accounts, "2026-04-01", "2026-04-30")


def test_a_new_file_replaces_the_communes_and_months_it_carries(app, client, accounts, coordinator):
    assert _post(client, coordinator, GOOD).status_code == 201
    again = "commune_insee;month;patients_without_mt\n69266;2026-01;4000\n"
    assert _post(client, coordinator, again, as_form=False).status_code == 201
    assert count(app, TerritoryBaseline) == 4
    months = _document(client, accounts)["territory"]["patients_without_mt_by_month"]
    assert months[0]["patients_without_mt"] == 5000
    assert months[0]["share"] is None  # Villeurbanne's January no longer has a population


def test_bad_rows_are_refused_line_by_line_in_french_and_nothing_is_stored(
    app, client, coordinator
):
    assert _post(client, coordinator, GOOD).status_code == 201
    bad = (
        "commune_insee;month;patients_without_mt;population\n"
        "69266;2026-03;4100;152212\n"  # good, but the file is refused as a whole
        "99999;2026-03;10;\n"
        "69266;2026-13;10;\n"
        "69383;2026-03;-4;\n"
        "69383;2026-04;500;100\n"
        "69266;2026-03;4100;152212\n"
        "69266;2026-05\n"
    )
    response = _post(client, coordinator, bad)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "Le fichier contient des erreurs : rien n'a été enregistré."
    fields = error["fields"]
    assert fields["ligne 3"] == ["Code INSEE de commune inconnu : « 99999 »."]
    assert fields["ligne 4"] == ["Mois attendu au format AAAA-MM, reçu « 2026-13 »."]
    assert "nombre entier positif ou nul" in fields["ligne 5"][0]
    assert fields["ligne 6"] == ["Le nombre de patients dépasse la population de la commune."]
    assert fields["ligne 7"] == ["La commune et le mois figurent déjà ligne 2."]
    assert fields["ligne 8"] == ["4 colonnes attendues, 2 trouvées."]
    assert "ligne 2" not in fields
    assert count(app, TerritoryBaseline) == 4  # the earlier file, untouched


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("insee;mois;patients\n69266;2026-01;3\n", "La première ligne doit être"),
        ("", "Le fichier est vide."),
        ("commune_insee;month;patients_without_mt\n", "aucune ligne de données"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused(app, client, coordinator, text, message):
    response = _post(client, coordinator, text)
    assert response.status_code == 422
    assert message in response.get_json()["error"]["fields"]["file"][0]
    assert count(app, TerritoryBaseline) == 0


def test_the_template_is_a_valid_file(client, coordinator):
    response = client.get(f"{URL}/template", headers=coordinator)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.get_data().startswith("\ufeff".encode())
    assert _post(client, coordinator, response.get_data().decode("utf-8")).status_code == 201


@pytest.mark.parametrize("role", ["reporting", "gp", "professional"])
def test_only_admin_and_coordinator_upload(client, accounts, role):
    response = _post(client, accounts.create(role), GOOD)
    assert response.status_code == 403


def test_admin_may_upload(client, accounts):
    assert _post(client, accounts.create("admin"), GOOD).status_code == 201
