"""`GET /api/orientation/search`: what a term finds, across every case type, and for whom."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from services.orientation.discharges.service import DISCHARGE
from services.orientation.epp.service import EPP
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from services.orientation.search.reads import orientation_case_types
from shared.audit.models import AuditEntry
from shared.extensions import db
from tests.support import factories, payloads
from tests.support.web import log_in

SEARCH = "/api/orientation/search"


def found(client, headers, q: str) -> set[str]:
    response = client.get(SEARCH, query_string={"q": q}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {item["reference"] for item in response.get_json()["items"]}


@pytest.fixture
def people(client, accounts):
    """A coordinator, the professional who signalled the cases, and another professional."""
    return {
        "coordinator": accounts.create("coordinator"),
        "submitter": accounts.create("professional"),
        "other": accounts.create("professional"),
    }


@pytest.fixture
def cases(client, people):
    """Médecin-traitant cases of patients whose names test the rules."""
    submitter = people["submitter"]
    made = {
        "levy": factories.signalement(
            client, submitter, last_name="Lévy-Durand", first_name="Zoé", phone="0698765432"
        ),
        "gros": factories.signalement(client, submitter, last_name="Gros", first_name="Paul"),
        "paulin": factories.signalement(client, submitter, last_name="Paulin", first_name="Marc"),
        "wild": factories.signalement(client, submitter, last_name="Cent", first_name="Pierre"),
    }
    return made


CORRECTNESS = [
    # (term, cases it finds among `cases`)
    ("levy", {"levy"}),
    ("LÉVY", {"levy"}),
    ("lévy durand", {"levy"}),
    ("zoe levy", {"levy"}),
    ("Zoé  Lévy-Durand", {"levy"}),
    ("gros paul", {"gros"}),
    ("paul gros", {"gros"}),
    ("paul", {"gros", "paulin"}),
    ("gros pierre", set()),
    ("%%", set()),
    ("_e", set()),
    ("c_nt", set()),
    ("06 98 76 54 32", {"levy"}),
    ("+33698765432", {"levy"}),
    ("0698765433", set()),
]


@pytest.mark.parametrize(("q", "expected"), CORRECTNESS)
def test_names_in_any_order_without_case_or_accents_and_phones(client, people, cases, q, expected):
    references = {cases[name]["reference"] for name in expected}
    mine = {case["reference"] for case in cases.values()}
    assert found(client, people["coordinator"], q) & mine == references


def test_a_reference_whole_or_in_part_and_its_digits(client, people, cases):
    reference = cases["gros"]["reference"]  # MT-2026-000123
    digits = reference.rsplit("-", 1)[1]
    mine = {case["reference"] for case in cases.values()}
    assert found(client, people["coordinator"], reference) == {reference}
    assert found(client, people["coordinator"], reference.lower()) == {reference}
    assert reference in found(client, people["coordinator"], digits)
    assert found(client, people["coordinator"], reference.rsplit("-", 1)[0]) >= mine


def test_a_whole_nir_through_its_keyed_hash_and_only_whole(client, people, cases):
    nir = cases["paulin"]["patient"]["nir"]
    spaced = " ".join([nir[:1], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]])
    assert found(client, people["coordinator"], nir) == {cases["paulin"]["reference"]}
    assert found(client, people["coordinator"], spaced) == {cases["paulin"]["reference"]}
    assert found(client, people["coordinator"], nir[:13]) == set()


def test_only_cases_the_caller_may_see(client, people, cases):
    assert found(client, people["submitter"], "levy") == {cases["levy"]["reference"]}
    assert found(client, people["other"], "levy") == set()
    assert found(client, people["other"], cases["levy"]["reference"]) == set()
    assert found(client, people["other"], cases["levy"]["patient"]["nir"]) == set()


def test_every_case_type_open_and_closed_and_each_callers_share(client, accounts, people):
    coordinator = people["coordinator"]
    dac = accounts.create("dac")
    nurse, nurse_headers = factories.professional_account(
        client, accounts, coordinator, profession="nurse"
    )
    patient = {"last_name": "Würtz", "first_name": "Noël", "birth_date": "1961-05-02", "sex": "M"}
    mt = factories.signalement(client, people["submitter"], **patient)
    mt = factories.fire(client, mt, "cancel", coordinator, {"reason": "duplicate"})
    discharge = factories.discharge(
        client, dac, patient=payloads.patient(**patient), complete=False
    )
    epp = factories.epp_referral(client, coordinator)
    tc = factories.teleconsultation(
        client,
        nurse_headers,
        dt.date.today() + dt.timedelta(days=2),
        patient=payloads.patient(**patient),
    )
    response = client.get(SEARCH, query_string={"q": "noel wurtz"}, headers=coordinator)
    items = {item["reference"]: item for item in response.get_json()["items"]}
    assert set(items) == {mt["reference"], discharge["reference"], tc["reference"]}
    assert items[mt["reference"]]["state"] == "cancelled"
    assert items[mt["reference"]]["closed"] is True
    assert {item["kind"] for item in items.values()} == {
        "medecin_traitant",
        "sortie_hospitalisation",
        "teleconsultation",
    }
    assert set(items[tc["reference"]]["patient"]) == {"last_name", "first_name", "birth_date"}
    assert items[tc["reference"]]["patient"]["last_name"] == "Würtz"
    assert found(client, dac, "noel wurtz") == {discharge["reference"]}
    assert found(client, nurse_headers, "noel wurtz") == {tc["reference"]}
    assert found(client, coordinator, epp["reference"]) == {epp["reference"]}
    assert nurse["profession"] == "nurse"


@pytest.mark.parametrize("q", ["a", " a ", "x" * 201, ""])
def test_one_character_or_over_200_is_a_422_in_french(client, people, q):
    response = client.get(SEARCH, query_string={"q": q}, headers=people["coordinator"])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert "caractère" in error["fields"]["q"][0]


def test_without_q_is_a_422_and_without_a_token_a_401(client, people):
    response = client.get(SEARCH, headers=people["coordinator"])
    assert response.status_code == 422
    assert "q" in response.get_json()["error"]["fields"]
    assert client.get(SEARCH, query_string={"q": "levy"}).status_code == 401


def test_each_case_listed_is_an_audited_read(app, client, people, cases):
    found(client, people["coordinator"], "levy")
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.reference == cases["levy"]["reference"], AuditEntry.action == "read"
            )
        ).all()
    assert [entry.user_email for entry in reads] == [people["coordinator"]["X-Test-Email"]]


def test_each_case_shown_of_either_service_is_read_once_in_the_audit(app, client, accounts, people):
    coordinator = people["coordinator"]
    _nurse, nurse_headers = factories.professional_account(
        client, accounts, coordinator, profession="nurse"
    )
    patient = {"last_name": "Quémener", "first_name": "Aël", "birth_date": "1970-03-04"}
    mt = factories.signalement(client, people["submitter"], **patient)
    tc = factories.teleconsultation(
        client,
        nurse_headers,
        dt.date.today() + dt.timedelta(days=2),
        patient=payloads.patient(**patient),
    )
    with app.app_context():
        before = db.session.scalar(select(func.max(AuditEntry.seq)))

    assert found(client, coordinator, "ael quemener") == {mt["reference"], tc["reference"]}

    with app.app_context():
        reads = db.session.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
    assert sorted((entry.action, entry.reference) for entry in reads) == sorted(
        [("read", mt["reference"]), ("read", tc["reference"])]
    )
    assert {entry.user_email for entry in reads} == {coordinator["X-Test-Email"]}


def test_the_results_page_and_the_patient_page(app, client, people, cases):
    log_in(client, people["coordinator"]["X-Test-Email"])
    html = client.get("/recherche", query_string={"q": "levy"}).get_data(as_text=True)
    assert cases["levy"]["reference"] in html
    assert "Lévy-Durand" in html
    assert cases["gros"]["reference"] not in html
    page = client.get("/recherche", query_string={"q": "l"})
    assert page.status_code == 422
    assert "Saisissez au moins 2 caractères" in page.get_data(as_text=True)
    # The same patient signalled again (cancelled first): the patient page shows both.
    first = factories.fire(
        client, cases["levy"], "cancel", people["coordinator"], {"reason": "duplicate"}
    )
    again = factories.signalement(
        client,
        people["submitter"],
        last_name="Levi-Durand",
        first_name="Zoé",
        nir=cases["levy"]["patient"]["nir"],
    )
    response = client.get(
        SEARCH, query_string={"q": first["reference"]}, headers=people["coordinator"]
    )
    patient_id = response.get_json()["items"][0]["patient_id"]
    html = client.get(f"/orientation/patients/{patient_id}").get_data(as_text=True)
    assert first["reference"] in html and again["reference"] in html
    assert cases["gros"]["reference"] not in html
    other = app.test_client()  # the other professional sees none of them
    log_in(other, people["other"]["X-Test-Email"])
    assert other.get(f"/orientation/patients/{patient_id}").status_code == 404
    assert other.get("/orientation/patients/not-a-hash").status_code == 404


def test_the_header_has_a_search_box_on_every_page(client, people):
    log_in(client, people["coordinator"]["X-Test-Email"])
    for url in ("/", "/recherche"):
        html = client.get(url).get_data(as_text=True)
        assert 'role="search"' in html and 'name="q"' in html


def test_cases_from_before_the_phone_hash_get_it_at_the_next_key_rotation(
    app, client, people, cases
):
    from services.orientation.medecin_traitant.models import MedecinTraitantCase
    from shared.key_rotation import rotate_keys

    with app.app_context():
        db.session.execute(db.update(MedecinTraitantCase).values(patient_phone_hash=None))
        db.session.commit()
    assert found(client, people["coordinator"], "0698765432") == set()
    with app.app_context():
        rotate_keys()
    assert found(client, people["coordinator"], "0698765432") == {cases["levy"]["reference"]}


def test_the_search_reads_each_orientation_case_type_from_the_registry_with_its_page(app):
    searched = orientation_case_types()
    # The agenda's teleconsultations, registered in the same process, come through agenda_part.
    assert {t.kind for t in searched} == {MEDECIN_TRAITANT.kind, DISCHARGE.kind, EPP.kind}
    for case_type in searched:
        assert case_type.page is not None, case_type.kind
        assert case_type.page[0] in app.view_functions, case_type.page
