"""`/recherche?q=`: the results of the header's search box; `/orientation/patients/<id>`: every
case of one patient. Both show only the cases the user may see."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue

from services.orientation.search import reads
from shared.cases.search import parse_terms
from shared.errors import ValidationFailed
from shared.web.case_pages import page_principal
from shared.web.pages import page, page_blueprint
from shared.web.registry import set_search_page

blueprint = page_blueprint(
    "orientation_search_pages", __name__, url_prefix="", templates="../templates"
)
# French names of the case types, by kind (the agenda's teleconsultations included).
KIND_LABELS = {
    "medecin_traitant": "Médecin traitant",
    "sortie_hospitalisation": "Sortie d'hospitalisation",
    "epp": "Entretien prénatal précoce",
    "teleconsultation": "Téléconsultation",
}


def register_pages(app: Flask) -> None:
    """Mount the pages; the header's search box sends its `q` to the results page."""
    app.register_blueprint(blueprint)
    set_search_page(app, f"{blueprint.name}.results")


@blueprint.get("/recherche")
@page()
def results() -> ResponseReturnValue:
    """Every case the term finds, with its patient's page; the form alone without a term."""
    principal = page_principal()
    q = request.args.get("q", "")
    if not q:
        return render_template(
            "search/results.html", q="", items=None, error=None, kinds=KIND_LABELS
        )
    try:
        terms = parse_terms(q)
    except ValidationFailed as error:
        message = error.fields["q"][0]
        return render_template(
            "search/results.html", q=q, items=None, error=message, kinds=KIND_LABELS
        ), 422
    items = reads.search(terms, principal)
    return render_template("search/results.html", q=q, items=items, error=None, kinds=KIND_LABELS)


@blueprint.get("/orientation/patients/<keyed_hash:patient_id>")
@page()
def patient_page(patient_id: str) -> ResponseReturnValue:
    """All the cases of one patient that the user may see, open ones first; 404 when none."""
    principal = page_principal()
    try:
        items = reads.patient_cases(patient_id, principal)
    except ValidationFailed:
        items = []
    if not items:
        return render_template(
            "web/error.html",
            status=404,
            message="Aucun dossier de ce patient ne vous est accessible.",
        ), 404
    items.sort(key=lambda item: item["closed"])
    return render_template(
        "search/patient.html", items=items, patient=items[0]["patient"], kinds=KIND_LABELS
    )
