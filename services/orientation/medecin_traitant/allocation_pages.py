"""The coordinator's allocation page: the optimal preview grouped by GP, each line kept,
removed or given to another GP of the case's candidates, then every proposal sent at once."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from flask import Flask, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.orientation.medecin_traitant.allocation import REASON_LABELS
from services.orientation.medecin_traitant.allocation_reads import preview
from services.orientation.medecin_traitant.allocation_service import (
    declare_interest,
    gp_name,
    propose_all,
    waiting_near_gp,
)
from services.orientation.medecin_traitant.pages import blueprint
from shared.auth.roles import COORDINATOR, GP
from shared.timeutil import today_paris
from shared.web.case_pages import page_principal
from shared.web.pages import page
from shared.web.registry import ORIENTATION, add_nav_link

FIELD_PREFIX = "gp-"


def register_allocation_pages(app: Flask) -> None:
    """The pages' links in the top bar (their routes are on the MT blueprint)."""
    add_nav_link(
        app, "Répartition du mois", f"{blueprint.name}.allocation", COORDINATOR, group=ORIENTATION
    )
    add_nav_link(
        app, "Patients près de mon cabinet", f"{blueprint.name}.waiting_near", GP, group=ORIENTATION
    )


@blueprint.get("/repartition")
@page(COORDINATOR)
def allocation() -> ResponseReturnValue:
    """The optimal allocation of every patient waiting for a GP, grouped by GP."""
    # References, communes and ages only: no identity shown, so nothing to audit here.
    found = preview()
    by_gp: dict[Any, list[Any]] = defaultdict(list)
    for line in found.allocation.assignments:
        by_gp[line.candidate.gp].append(line)
    groups = sorted(by_gp.items(), key=lambda item: gp_name(found.gps[item[0]]))
    return render_template(
        "medecin_traitant/allocation.html",
        found=found,
        groups=groups,
        gp_name=gp_name,
        reasons=REASON_LABELS,
        today=today_paris(),
        field_prefix=FIELD_PREFIX,
    )


@blueprint.post("/repartition")
@page(COORDINATOR)
def send_allocation() -> ResponseReturnValue:
    """Propose each kept line (each its own transaction); what failed is listed per case."""
    choices = []
    for key, value in request.form.items():
        if key.startswith(FIELD_PREFIX) and value.strip():
            try:
                choices.append(
                    {
                        "case_id": uuid.UUID(key.removeprefix(FIELD_PREFIX)),
                        "professional_id": uuid.UUID(value),
                    }
                )
            except ValueError:
                continue
    result = propose_all(choices, page_principal())
    return render_template("medecin_traitant/allocation_sent.html", result=result)


@blueprint.get("/patients-proches")
@page(COORDINATOR, GP)
def waiting_near() -> ResponseReturnValue:
    """« Patients en attente près de mon cabinet »: no identity for the GP; the coordinator
    picks the GP (`?professional_id=`)."""
    principal = page_principal()
    chosen = request.args.get("professional_id") or principal.professional_id
    try:
        professional_id = uuid.UUID(str(chosen)) if chosen else None
    except ValueError:
        professional_id = None
    patients = waiting_near_gp(professional_id, principal) if professional_id else []
    return render_template(
        "medecin_traitant/waiting_near.html",
        patients=patients,
        professional_id=professional_id,
        is_coordinator=principal.has(COORDINATOR),
        notified=request.args.get("notified"),
    )


@blueprint.post("/patients-proches/<uuid:case_id>")
@page(GP)
def take_one(case_id: uuid.UUID) -> ResponseReturnValue:
    """« Je peux en prendre »: the coordination is told."""
    declare_interest(case_id, page_principal())
    return redirect(url_for(".waiting_near", notified=1), code=303)
