"""The coordinator's allocation page: the optimal preview grouped by GP, each line kept,
removed or given to another GP of the case's candidates, then every proposal sent at once."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue

from services.orientation.medecin_traitant.allocation import REASON_LABELS
from services.orientation.medecin_traitant.allocation_reads import preview
from services.orientation.medecin_traitant.allocation_service import gp_name, propose_all
from services.orientation.medecin_traitant.pages import blueprint
from shared.auth.roles import COORDINATOR
from shared.timeutil import today_paris
from shared.web.case_pages import page_principal
from shared.web.pages import page
from shared.web.registry import add_nav_link

FIELD_PREFIX = "gp-"


def register_allocation_pages(app: Flask) -> None:
    """The page's link in the coordinator's top bar (its routes are on the MT blueprint)."""
    add_nav_link(app, "Répartition du mois", f"{blueprint.name}.allocation", COORDINATOR)


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
