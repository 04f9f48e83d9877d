"""The indicators page: roles, period picker errors, server-drawn SVG charts, downloads."""

from __future__ import annotations

from tests.support import factories
from tests.support.web import log_in


def test_indicators_page_draws_svg_charts_of_the_period(client, accounts):
    factories.signalement(client, accounts.create("professional"))
    log_in(client, accounts.create("reporting")["X-Test-Email"])
    response = client.get("/indicators/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert html.count('<svg class="chart-svg"') == 5
    assert 'data-chart="mt"' in html
    assert "Signalements : 1</title>" in html
    assert "<script" not in html.split("</head>")[1]  # no charting script
    assert "/indicators/export.csv?from=" in html


def test_bad_period_is_a_french_field_error(client, accounts):
    log_in(client, accounts.create("coordinator")["X-Test-Email"])
    response = client.get("/indicators/", query_string={"from": "2026-05-01", "to": "2026-01-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-from-error"' in html
    assert "La date de début doit précéder" in html


def test_downloads_are_the_api_files(client, accounts):
    log_in(client, accounts.create("admin")["X-Test-Email"])
    period = {"from": "2026-01-01", "to": "2026-03-31"}
    csv = client.get("/indicators/export.csv", query_string=period)
    assert csv.status_code == 200
    assert csv.headers["Content-Disposition"].endswith('2026-01-01_2026-03-31.csv"')
    xlsx = client.get("/indicators/export.xlsx", query_string=period)
    assert xlsx.data[:2] == b"PK"


def test_indicators_page_is_not_for_clinical_roles(client, accounts):
    log_in(client, accounts.create("gp")["X-Test-Email"])
    assert client.get("/indicators/").status_code == 403
    assert client.get("/indicators/export.csv").status_code == 403


def test_each_figure_has_an_accessible_definition_and_the_presets_are_offered(client, accounts):
    log_in(client, accounts.create("reporting")["X-Test-Email"])
    html = client.get("/indicators/").get_data(as_text=True)
    assert html.count('<details class="definition">') == 19
    assert "Définition : Prêtes avant la sortie" in html
    assert "au plus tard la veille de la sortie" in html
    # Last twelve months by default, then the calendar year and the ACI year.
    assert "12 derniers mois</a>" in html
    assert 'aria-current="true">12 derniers mois' in html
    assert "Année ACI" in html


def test_territory_table_and_chart_appear_with_a_baseline(client, accounts):
    coordinator = accounts.create("coordinator")
    today = factories.today_paris()
    month = f"{today:%Y-%m}"
    text = f"commune_insee;month;patients_without_mt;population\n69266;{month};12345;152212\n"
    response = client.post(
        "/api/orientation/territory-baseline",
        data=text.encode(),
        headers=coordinator,
        content_type="text/csv",
    )
    assert response.status_code == 201, response.get_json()
    log_in(client, coordinator["X-Test-Email"])
    html = client.get("/indicators/").get_data(as_text=True)
    assert 'data-chart="territory"' in html
    assert "12\u202f345" in html  # Babel's narrow no-break space: never wraps
    assert "8,1\u202f%" in html  # 12,345 / 152,212, a narrow no-break space before %
