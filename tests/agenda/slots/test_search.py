"""The pharmacist at the counter: free slots between two times, by kind, near a commune."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.support import factories
from tests.support.agenda import booking_body, in_days, paris, publish


@pytest.fixture
def agenda(client, accounts):
    coordinator = accounts.create("coordinator")
    lyon = factories.professional(client, coordinator, postal_code="69003", city="Lyon")
    villeurbanne = factories.professional(
        client, coordinator, postal_code="69100", city="Villeurbanne"
    )
    grenoble = factories.professional(client, coordinator, postal_code="38000", city="Grenoble")
    day = in_days(2)
    slots = {
        "lyon_late": publish(client, coordinator, lyon["id"], day=day, start="16:00", end="16:20"),
        "villeurbanne_early": publish(
            client, coordinator, villeurbanne["id"], day=day, start="09:00", end="09:20"
        ),
        "grenoble_early": publish(
            client, coordinator, grenoble["id"], day=day, start="08:00", end="08:20"
        ),
        "lyon_tele": publish(
            client,
            coordinator,
            lyon["id"],
            day=day,
            start="11:00",
            end="11:20",
            kind="teleconsultation",
        ),
        "lyon_next_week": publish(
            client, coordinator, lyon["id"], day=in_days(9), start="09:00", end="09:20"
        ),
    }
    assert all(r.status_code == 201 for r in slots.values())
    return {
        "day": day,
        "slots": {name: r.get_json()["id"] for name, r in slots.items()},
        "pharmacist": accounts.create("professional"),
        "ids": {"lyon": lyon["id"], "villeurbanne": villeurbanne["id"]},
    }


def _search(client, headers, **params):
    response = client.get(f"/api/agenda/slots?{urlencode(params)}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_free_snp_slots_near_lyon_today_soonest_first(client, agenda):
    day = agenda["day"]
    found = _search(
        client,
        agenda["pharmacist"],
        **{
            "from": paris(day, "00:00"),
            "to": paris(day, "23:59"),
            "kind": "snp",
            "postal_code": "69003",
            "city": "Lyon",
            "radius_km": 10,
            "available": "true",
        },
    )
    slots = agenda["slots"]
    assert [item["id"] for item in found["items"]] == [
        slots["villeurbanne_early"],
        slots["lyon_late"],
    ]
    assert found["items"][0]["professional"]["city"] == "Villeurbanne"
    assert 0 < found["items"][0]["distance_km"] < 10
    assert found["items"][1]["distance_km"] == 0.0


def test_a_commune_name_alone_is_enough(client, agenda):
    found = _search(client, agenda["pharmacist"], city="Grenoble", radius_km=5, available="true")
    assert [item["id"] for item in found["items"]] == [agenda["slots"]["grenoble_early"]]


def test_booked_slots_leave_the_free_list(client, agenda, accounts):
    slots = agenda["slots"]
    booked = client.post(
        f"/api/agenda/slots/{slots['villeurbanne_early']}/booking",
        json=booking_body(),
        headers=agenda["pharmacist"],
    )
    assert booked.status_code == 201
    free = _search(client, agenda["pharmacist"], kind="snp", city="Lyon", available="true")
    assert slots["villeurbanne_early"] not in [item["id"] for item in free["items"]]
    taken = _search(client, agenda["pharmacist"], available="false")
    assert [item["id"] for item in taken["items"]] == [slots["villeurbanne_early"]]
    assert taken["items"][0]["available"] is False


def test_kind_filter_and_unencoded_offsets(client, agenda):
    day = agenda["day"]
    url = (
        f"/api/agenda/slots?kind=teleconsultation&from={paris(day, '00:00')}"
        f"&to={paris(day, '23:00')}"
    )  # "+01:00" sent without encoding arrives as " 01:00"
    response = client.get(url, headers=agenda["pharmacist"])
    assert response.status_code == 200, response.get_json()
    assert [i["id"] for i in response.get_json()["items"]] == [agenda["slots"]["lyon_tele"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"city": "Nullepartville"}, "city"),
        ({"kind": "urgence"}, "kind"),
        ({"radius_km": "-3", "city": "Lyon"}, "radius_km"),
        ({"from": "demain"}, "from"),
    ],
)
def test_bad_search_input_is_a_french_422(client, agenda, params, field):
    response = client.get(f"/api/agenda/slots?{urlencode(params)}", headers=agenda["pharmacist"])
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_reporting_cannot_browse_slots(client, agenda, accounts):
    assert client.get("/api/agenda/slots", headers=accounts.create("reporting")).status_code == 403


def test_among_slots_starting_together_the_nearest_comes_first(client, accounts):
    coordinator = accounts.create("coordinator")
    far = factories.professional(client, coordinator, postal_code="69500", city="Bron")
    near = factories.professional(client, coordinator, postal_code="69003", city="Lyon")
    day = in_days(2)
    far_slot = publish(client, coordinator, far["id"], day=day).get_json()
    near_slot = publish(client, coordinator, near["id"], day=day).get_json()
    found = _search(client, coordinator, postal_code="69003", city="Lyon", available="true")
    assert [item["id"] for item in found["items"]] == [near_slot["id"], far_slot["id"]]
