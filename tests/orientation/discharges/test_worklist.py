"""The DAC worklist: discharges by planned date (Europe/Paris), what is missing, follow-ups."""

from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import event

from shared.extensions import db
from shared.timeutil import today_paris
from tests.support import factories as f
from tests.support.web import log_in

URL = "/api/orientation/discharges"


def _case(client, dac, professional_id, days, *, complete=True, state="announced"):
    today = today_paris()
    case = f.discharge(
        client,
        dac,
        *([professional_id] if professional_id else []),
        state=state,
        complete=complete,
        admission_date=(today - dt.timedelta(days=20)).isoformat(),
        planned_discharge_date=None
        if days is None
        else (today + dt.timedelta(days=days)).isoformat(),
    )
    return case["reference"]


def test_the_worklist_groups_open_discharges_by_planned_date_soonest_first(client, accounts):
    coordinator = accounts.create("coordinator")
    gp = f.professional(client, coordinator)["id"]
    dac = accounts.create("dac")
    overdue_old = _case(client, dac, gp, -5)
    overdue = _case(client, dac, gp, -1, state="ready")
    today = _case(client, dac, gp, 0, state="preparing")
    tomorrow = _case(client, dac, gp, 1)
    week_late = _case(client, dac, gp, 6)
    week_soon = _case(client, dac, gp, 2)
    later = _case(client, dac, gp, 7)
    undated = _case(client, dac, gp, None, complete=False)
    gone = _case(client, dac, gp, 0)
    gone_id = client.get(URL, headers=dac).get_json()["items"]
    gone_id = next(c["id"] for c in gone_id if c["reference"] == gone)
    client.post(f"{URL}/{gone_id}/transitions/cancel", json={}, headers=dac)

    response = client.get(f"{URL}/worklist", headers=dac)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["date"] == today_paris().isoformat()

    def refs(group):
        return [item["reference"] for item in body[group]]

    assert refs("overdue") == [overdue_old, overdue]
    assert refs("today") == [today]
    assert refs("tomorrow") == [tomorrow]
    assert refs("this_week") == [week_soon, week_late]
    assert refs("later") == [later]
    assert refs("undated") == [undated]
    assert refs("stuck_preparing") == []
    assert body["overdue"][1]["state"] == "ready"


def test_the_worklist_shows_preparations_stuck_on_missing_items(client, accounts):
    coordinator = accounts.create("coordinator")
    nurse = f.professional(client, coordinator, profession="nurse")["id"]
    dac = accounts.create("dac")
    complete = _case(client, dac, nurse, 3, state="preparing")
    no_team = _case(client, dac, None, 2, state="preparing")
    nothing = _case(client, dac, None, None, complete=False, state="preparing")

    body = client.get(f"{URL}/worklist", headers=coordinator).get_json()

    stuck = {item["reference"]: item["missing"] for item in body["stuck_preparing"]}
    assert list(stuck) == [no_team, nothing]
    assert complete not in stuck
    assert stuck[no_team] == ["au moins un professionnel de ville"]
    assert stuck[nothing] == [
        "date de sortie prévue",
        "compte rendu court",
        "ordonnance détaillée",
        "au moins un professionnel de ville",
    ]


def test_discharged_cases_wait_in_the_worklist_for_their_follow_up_call(client, accounts):
    coordinator = accounts.create("coordinator")
    gp = f.professional(client, coordinator)["id"]
    dac = accounts.create("dac")
    reference = _case(client, dac, gp, 0, state="ready")
    case_id = client.get(URL, headers=dac).get_json()["items"][0]["id"]
    client.post(
        f"{URL}/{case_id}/transitions/discharge",
        json={"actual_date": today_paris().isoformat()},
        headers=dac,
    )

    body = client.get(f"{URL}/worklist", headers=dac).get_json()
    assert [i["reference"] for i in body["to_follow_up"]] == [reference]
    assert body["today"] == []

    client.post(f"{URL}/{case_id}/transitions/follow_up", json={"outcome": "RAS."}, headers=dac)
    assert client.get(f"{URL}/worklist", headers=dac).get_json()["to_follow_up"] == []


def test_a_document_stands_for_its_text_on_the_lists_without_a_query_per_case(
    app, client, accounts
):
    coordinator = accounts.create("coordinator")
    nurse = f.professional(client, coordinator, profession="nurse")["id"]
    dac = accounts.create("dac")
    bare = _case(client, dac, nurse, 2, complete=False, state="preparing")
    summary_attached = _case(client, dac, nurse, 3, complete=False, state="preparing")
    case_id = next(
        c["id"]
        for c in client.get(URL, headers=dac).get_json()["items"]
        if c["reference"] == summary_attached
    )
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
    uploaded = client.post(
        f"{URL}/{case_id}/documents",
        data={"kind": "compte_rendu", "file": (io.BytesIO(pdf), "compte-rendu.pdf")},
        headers=dac,
    )
    assert uploaded.status_code == 201, uploaded.get_json()

    def worklist_queries() -> tuple[dict, int]:
        statements = []

        def count(*_args):
            statements.append(1)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
        try:
            body = client.get(f"{URL}/worklist", headers=dac).get_json()
        finally:
            with app.app_context():
                event.remove(db.engine, "before_cursor_execute", count)
        return body, len(statements)

    body, queries = worklist_queries()
    stuck = {item["reference"]: item["missing"] for item in body["stuck_preparing"]}
    assert stuck[bare] == ["compte rendu court", "ordonnance détaillée"]
    assert stuck[summary_attached] == ["ordonnance détaillée"]
    for n in range(3):
        _case(client, dac, nurse, 4 + n, complete=False, state="preparing")
    body, more_queries = worklist_queries()
    assert len(body["stuck_preparing"]) == 5
    assert more_queries == queries

    log_in(client, dac["X-Test-Email"])
    html = client.get("/orientation/discharges/").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-reference="([^"]+)">(.*?)</tr>', html, re.S))
    assert "compte rendu court, ordonnance détaillée" in rows[bare]
    assert "compte rendu court" not in rows[summary_attached]
    assert "ordonnance détaillée" in rows[summary_attached]
    html = client.get("/orientation/discharges/liste").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-reference="([^"]+)">(.*?)</tr>', html, re.S))
    assert "compte rendu court, ordonnance détaillée" in rows[bare]
    assert "compte rendu court" not in rows[summary_attached]
