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
    assert html.count('<svg class="chart-svg"') == 4
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
