"""GP suggestions for a case: ranking, exclusions, and what may be proposed."""

from __future__ import annotations

import uuid

import pytest

from tests.support import payloads
from tests.support.factories import MT


def _case(world, **situation):
    body = payloads.signalement(**situation)
    body["patient"]["address"] = {"line": "3 rue Test", "postal_code": "69003", "city": "Lyon"}
    case = world.submit(body)
    assert world.fire(case["id"], "triage").status_code == 200
    return case


def _suggest(world, case, limit=None):
    query = f"?limit={limit}" if limit else ""
    response = world.client.get(
        f"{MT}/cases/{case['id']}/suggestions{query}", headers=world.coordinator
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _ids(suggestions) -> list[str]:
    return [s["professional"]["id"] for s in suggestions]


def test_nearer_gps_come_first(only_new_gps):
    world = only_new_gps
    far = world.add_professional(postal_code="38000", city="Grenoble")
    mid = world.add_professional(postal_code="69500", city="Bron")
    near = world.add_professional(postal_code="69003", city="Lyon")
    found = _suggest(world, _case(world))
    assert _ids(found) == [near["id"], mid["id"], far["id"]]
    distances = [s["distance_km"] for s in found]
    assert distances == sorted(distances)
    assert distances[2] > 80
    assert found[0]["reasons"][0].startswith("À ")
    assert found[0]["reasons"][-1] == "5 place(s) disponible(s) ce mois-ci"
    assert found[0]["score"] > found[1]["score"] > found[2]["score"]


def test_limit_keeps_the_best(only_new_gps):
    world = only_new_gps
    near = world.add_professional(postal_code="69003", city="Lyon")
    world.add_professional(postal_code="38000", city="Grenoble")
    assert _ids(_suggest(world, _case(world), limit=1)) == [near["id"]]


def test_a_shared_language_outweighs_a_few_kilometres(only_new_gps):
    world = only_new_gps
    near = world.add_professional(postal_code="69003", city="Lyon", languages=["fr"])
    speaks = world.add_professional(
        postal_code="69100", city="Villeurbanne", languages=["fr", "ar"]
    )
    found = _suggest(world, _case(world, languages=["ar", "fr"]))
    assert _ids(found) == [speaks["id"], near["id"]]
    assert "Parle arabe" in found[0]["reasons"]


def test_home_visits_count_when_the_patient_needs_them(only_new_gps):
    world = only_new_gps
    office_only = world.add_professional(postal_code="69003", city="Lyon", home_visits=False)
    visits = world.add_professional(postal_code="69500", city="Bron", home_visits=True)
    found = _suggest(world, _case(world, needs_home_visits=True))
    assert _ids(found) == [visits["id"], office_only["id"]]
    assert "Effectue des visites à domicile" in found[0]["reasons"]
    assert "N'effectue pas de visites à domicile" in found[1]["reasons"]
    # Without the need, distance decides again.
    assert _ids(_suggest(world, _case(world, needs_home_visits=False))) == [
        office_only["id"],
        visits["id"],
    ]


def test_gps_not_accepting_new_patients_or_not_gps_are_never_suggested(only_new_gps):
    world = only_new_gps
    closed = world.add_professional(accepts_new_patients=False)
    nurse = world.add_professional(profession="nurse")
    open_ = world.add_professional(postal_code="38000", city="Grenoble")
    found = _ids(_suggest(world, _case(world)))
    assert found == [open_["id"]]
    assert closed["id"] not in found and nurse["id"] not in found


def test_a_gp_at_capacity_this_month_is_not_suggested_nor_proposable(only_new_gps):
    world = only_new_gps
    small = world.add_professional(new_patient_capacity=1)
    first = _case(world)
    assert _ids(_suggest(world, first)) == [small["id"]]
    world.fire(first["id"], "propose", body={"professional_id": small["id"]})
    assert world.fire(first["id"], "accept").status_code == 200
    second = _case(world)
    assert _suggest(world, second) == []
    response = world.fire(second["id"], "propose", body={"professional_id": small["id"]})
    assert response.status_code == 422
    assert "capacité" in response.get_json()["error"]["fields"]["professional_id"][0]


def test_remaining_places_shrink_as_cases_are_accepted(only_new_gps):
    world = only_new_gps
    gp = world.add_professional(new_patient_capacity=3)
    first = _case(world)
    world.fire(first["id"], "propose", body={"professional_id": gp["id"]})
    world.fire(first["id"], "accept")
    found = _suggest(world, _case(world))
    assert found[0]["reasons"][-1] == "2 place(s) disponible(s) ce mois-ci"


@pytest.mark.parametrize("how", ["decline", "expire"])
def test_a_gp_who_declined_or_let_the_case_expire_is_never_suggested_again(only_new_gps, app, how):
    world = only_new_gps
    first_choice = world.add_professional(postal_code="69003", city="Lyon")
    second_choice = world.add_professional(postal_code="69500", city="Bron")
    case = _case(world)
    assert _ids(_suggest(world, case)) == [first_choice["id"], second_choice["id"]]
    world.fire(case["id"], "propose", body={"professional_id": first_choice["id"]})
    if how == "decline":
        assert world.fire(case["id"], "decline").status_code == 200
    else:
        from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
        from shared.auth.principal import SYSTEM
        from shared.cases.service import fire_transition

        with app.app_context():
            fire_transition(
                MEDECIN_TRAITANT,
                case_id=uuid.UUID(case["id"]),
                name="expire",
                body={},
                principal=SYSTEM,
                if_match=None,
            )
    assert _ids(_suggest(world, case)) == [second_choice["id"]]
    # Still suggested for other patients.
    assert first_choice["id"] in _ids(_suggest(world, _case(world)))


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("nurse", "Ce professionnel n'est pas médecin généraliste."),
        ("unknown", "Ce professionnel n'existe pas dans l'annuaire."),
        ("closed", "Ce médecin n'accepte pas de nouveaux patients."),
        ("declined", "Ce médecin a déjà refusé ce patient ou laissé expirer la proposition."),
    ],
)
def test_proposing_someone_who_cannot_take_the_patient_is_422(world, kind, message):
    case = _case(world)
    if kind == "nurse":
        target = world.add_professional(profession="nurse")["id"]
    elif kind == "unknown":
        target = str(uuid.uuid4())
    elif kind == "closed":
        target = world.add_professional(accepts_new_patients=False)["id"]
    else:
        world.fire(case["id"], "propose")
        world.fire(case["id"], "decline", world.gp_headers)
        target = world.gp["id"]
    response = world.fire(case["id"], "propose", body={"professional_id": target})
    body = response.get_json()
    assert response.status_code == 422, body
    assert body["error"]["fields"] == {"professional_id": [message]}
    assert world.get(case["id"]).get_json()["state"] == "triaged"


def test_suggestions_of_an_unknown_case_are_404(world):
    response = world.client.get(f"{MT}/cases/{uuid.uuid4()}/suggestions", headers=world.coordinator)
    assert response.status_code == 404


@pytest.mark.parametrize("limit", ["0", "51", "x"])
def test_a_bad_limit_is_422(world, limit):
    case = _case(world)
    response = world.client.get(
        f"{MT}/cases/{case['id']}/suggestions?limit={limit}", headers=world.coordinator
    )
    assert response.status_code == 422
