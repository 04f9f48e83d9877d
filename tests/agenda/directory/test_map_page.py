"""The map page: a list beside the map, markers' GeoJSON, tiles allowed as images only."""

from __future__ import annotations

from services.agenda.directory import pages
from tests.support import factories
from tests.support.web import log_in


def _policy(response) -> dict[str, str]:
    directives = response.headers["Content-Security-Policy"].split(";")
    return {d.split()[0]: d.strip() for d in directives if d.strip()}


def test_the_map_lists_its_points_and_allows_the_tile_host_for_images_only(app, client, accounts):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator, last_name="Cartonom")
    factories.professional(client, coordinator, last_name="Sagefemme", profession="midwife")
    app.config["MAP_TILES_URL"] = "https://tuiles.example.test/{z}/{x}/{y}.png"
    app.config["MAP_ATTRIBUTION"] = "© Tuiles d'essai"
    log_in(client, coordinator["X-Test-Email"])
    page = client.get("/annuaire/carte?profession=gp")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'data-point="{gp["id"]}"' in html and "Sagefemme" not in html
    policy = _policy(page)
    assert policy["img-src"] == "img-src 'self' data: https://tuiles.example.test"
    elsewhere = [d for name, d in policy.items() if name != "img-src"]
    assert elsewhere and not any("tuiles.example.test" in d for d in elsewhere)
    assert policy["script-src"] == "script-src 'self'"
    other = client.get("/annuaire/")
    assert "tuiles.example.test" not in other.headers["Content-Security-Policy"]
    points = client.get("/annuaire/carte/points.geojson?profession=gp").get_json()
    assert [f["properties"]["id"] for f in points["features"]] == [gp["id"]]
    assert points["features"][0]["properties"]["label"] == "Médecin généraliste"


def test_without_leaflet_the_page_still_shows_the_list(
    app, client, accounts, monkeypatch, tmp_path
):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator)
    monkeypatch.setattr(pages, "LEAFLET_DIR", tmp_path)
    log_in(client, coordinator["X-Test-Email"])
    html = client.get("/annuaire/carte").get_data(as_text=True)
    assert "data-map-unavailable" in html and 'id="carte"' not in html
    assert f'data-point="{gp["id"]}"' in html


def test_the_map_is_for_the_coordination(client, accounts):
    nurse = accounts.create("nurse")
    log_in(client, nurse["X-Test-Email"])
    assert client.get("/annuaire/carte").status_code == 403
