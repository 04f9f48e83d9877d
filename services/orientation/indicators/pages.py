"""The indicators page: figures and server-drawn SVG charts for a period, CSV/XLSX downloads."""

from __future__ import annotations

import datetime as dt

from flask import Flask, Response, current_app, render_template, request
from werkzeug.datastructures import MultiDict

from services.orientation.indicators import exports, report, service
from services.orientation.indicators.charts import (
    charts,
    month_label,
    number,
    percent,
    territory_months,
)
from services.orientation.indicators.definitions import BY_KEY
from services.orientation.indicators.schemas import IndicatorsQuerySchema, ReportQuerySchema
from shared.auth.roles import ADMIN, COORDINATOR, REPORTING
from shared.errors import ValidationFailed
from shared.http.parsing import load
from shared.periods import Period
from shared.timeutil import today_paris
from shared.web.forms import Field, FormState
from shared.web.pages import page, page_blueprint
from shared.web.registry import TERRITORY, add_nav_link

blueprint = page_blueprint(
    "orientation_indicator_pages", __name__, url_prefix="/indicators", templates="../templates"
)
ROLES = (REPORTING, COORDINATOR, ADMIN)
PERIOD_FIELDS = (
    Field("from", "Du", "date", required=True),
    Field("to", "Au", "date", required=True, hint="Inclus."),
)


def register_pages(app: Flask) -> None:
    """Mount the page and its link in the top bar."""
    app.register_blueprint(blueprint)
    app.add_template_filter(number, "fr_number")
    app.add_template_filter(percent, "fr_percent")
    app.add_template_filter(month_label, "fr_month")
    add_nav_link(
        app, "Indicateurs", f"{blueprint.name}.indicators", *ROLES, order=80, group=TERRITORY
    )


def default_period(today: dt.date) -> dict[str, str]:
    """The last twelve months, from the first day of the month eleven months ago."""
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return {"from": first.isoformat(), "to": today.isoformat()}


def presets(today: dt.date, current: dict[str, str]) -> list[dict[str, object]]:
    """The period presets of the page: the last twelve months (the default), the current and
    the previous calendar years, and the ACI year (the calendar year: the ACI contract counts
    from 1 January to 31 December, reported the following spring)."""
    year = today.year
    found = [
        ("12 derniers mois", default_period(today)),
        (f"Année {year}", {"from": f"{year}-01-01", "to": today.isoformat()}),
        (f"Année ACI {year - 1}", {"from": f"{year - 1}-01-01", "to": f"{year - 1}-12-31"}),
    ]
    return [{"label": label, "query": query, "current": query == current} for label, query in found]


def _args(extra: dict[str, str]) -> tuple[MultiDict, dict]:
    raw = {k: v for k, v in request.args.items() if k in ("from", "to") and v.strip()}
    values = MultiDict(raw or default_period(today_paris()))
    return values, load(IndicatorsQuerySchema(), {**values.to_dict(), **extra})


@blueprint.get("/")
@page(*ROLES)
def indicators():
    """Figures of the period (never a patient), monthly charts, download links."""
    try:
        values, args = _args({})
    except ValidationFailed as error:
        values = MultiDict(request.args)
        form = FormState.failed(PERIOD_FIELDS, values, error.fields)
        return (
            render_template(
                "indicators/page.html",
                form=form,
                document=None,
                definitions={},
                presets=presets(today_paris(), {}),
            ),
            422,
        )
    document = service.indicators(Period(args["start"], args["end"]))
    return render_template(
        "indicators/page.html",
        form=FormState.blank(PERIOD_FIELDS, values),
        document=document,
        charts=charts(document),
        territory=territory_months(document),
        presets=presets(today_paris(), values.to_dict()),
        report_years=(today_paris().year - 1, today_paris().year),
        definitions=BY_KEY,
        query=values.to_dict(),
    )


@blueprint.get("/rapport.pdf")
@page(*ROLES)
def annual_report():
    """The annual report PDF, as the API's `/indicators/report?year=` (audited)."""
    args = load(ReportQuerySchema(), request.args.to_dict())
    content = report.report_pdf(args["year"])
    service.record_export("report", report.year_period(args["year"]))
    return Response(
        content,
        mimetype=report.PDF_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="rapport_annuel_{args["year"]}.pdf"'
        },
    )


@blueprint.get("/export.<any(csv, xlsx):fmt>")
@page(*ROLES)
def export(fmt: str):
    """The same file as the API's `format=csv|xlsx` (recorded in the audit trail)."""
    _values, args = _args({"format": fmt, "public": request.args.get("public", "false")})
    period = Period(args["start"], args["end"])
    settings = current_app.config["RELAIS_SETTINGS"]
    threshold = settings.publication_threshold if args["public"] else None
    content, media_type, name = exports.indicators_file(
        service.indicators(period), period, fmt=args["format"], threshold=threshold
    )
    service.record_export("indicators", period)
    return Response(
        content,
        mimetype=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
