"""The indicators page: figures and server-drawn SVG charts for a period, CSV/XLSX downloads."""

from __future__ import annotations

import datetime as dt

from flask import Flask, Response, current_app, render_template, request
from werkzeug.datastructures import MultiDict

from services.orientation.indicators import exports, service
from services.orientation.indicators.charts import charts
from services.orientation.indicators.definitions import BY_KEY
from services.orientation.indicators.schemas import IndicatorsQuerySchema
from shared.auth.roles import ADMIN, COORDINATOR, REPORTING
from shared.errors import ValidationFailed
from shared.http.parsing import load
from shared.periods import Period
from shared.timeutil import today_paris
from shared.web.forms import Field, FormState
from shared.web.pages import page, page_blueprint
from shared.web.registry import add_nav_link

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
    add_nav_link(app, "Indicateurs", f"{blueprint.name}.indicators", *ROLES, order=80)


def default_period(today: dt.date) -> dict[str, str]:
    """The last twelve months, from the first day of the month eleven months ago."""
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return {"from": first.isoformat(), "to": today.isoformat()}


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
            render_template("indicators/page.html", form=form, document=None, definitions={}),
            422,
        )
    document = service.indicators(Period(args["start"], args["end"]))
    return render_template(
        "indicators/page.html",
        form=FormState.blank(PERIOD_FIELDS, values),
        document=document,
        charts=charts(document),
        definitions=BY_KEY,
        query=values.to_dict(),
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
