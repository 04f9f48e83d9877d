"""The readiness rules give the same answer on a loaded case and in SQL (the top bar's count)."""

from __future__ import annotations

import itertools
import uuid

from sqlalchemy import delete, select, update

from services.orientation.discharges.models import DischargeCase, DischargeProfessional
from services.orientation.discharges.readiness import ITEMS, lacks_something, missing_items
from shared.extensions import db
from tests.support import factories as f

URL = "/api/orientation/discharges"


def test_every_combination_of_missing_items_is_judged_alike_in_python_and_sql(
    app, client, accounts
):
    coordinator = accounts.create("coordinator")
    nurse = f.professional(client, coordinator, profession="nurse")["id"]
    dac = accounts.create("dac")
    combinations = list(itertools.product((False, True), repeat=len(ITEMS)))
    made = {}
    for lacking in combinations:
        case = f.discharge(client, dac, nurse)
        made[uuid.UUID(case["id"])] = lacking
    with app.app_context():
        for case_id, (no_date, no_summary, no_prescription, no_team) in made.items():
            changes = {}
            if no_date:
                changes["planned_discharge_date"] = None
            if no_summary:
                changes["summary"] = "   "  # blank counts as missing, in both forms
            if no_prescription:
                changes["prescription"] = None
            if changes:
                db.session.execute(
                    update(DischargeCase).where(DischargeCase.id == case_id).values(**changes)
                )
            if no_team:
                db.session.execute(
                    delete(DischargeProfessional).where(DischargeProfessional.case_id == case_id)
                )
        db.session.commit()
        in_sql = {
            str(i) for i in db.session.scalars(select(DischargeCase.id).where(lacks_something()))
        }
        for case in db.session.scalars(select(DischargeCase)):
            lacking = made[case.id]
            expected = [item for item, lacks in zip(ITEMS, lacking, strict=True) if lacks]
            assert missing_items(case) == expected
            assert (str(case.id) in in_sql) == bool(expected), lacking


def test_blank_texts_are_stored_as_absent_and_texts_without_surrounding_space(client, accounts):
    coordinator = accounts.create("coordinator")
    nurse = f.professional(client, coordinator, profession="nurse")["id"]
    dac = accounts.create("dac")
    created = f.discharge(
        client, dac, nurse, summary=" \n\u00a0\t", prescription="  Paracétamol 1 g x3/j.\n"
    )
    assert created["summary"] is None
    assert created["prescription"] == "Paracétamol 1 g x3/j."
    assert "compte rendu court" in created["missing"]
