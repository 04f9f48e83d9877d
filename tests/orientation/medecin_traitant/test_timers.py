"""Unanswered proposals: a reminder to the GP after 7 days, expiry back to triage after 14."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import event, select

from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.timers import sweep_proposals
from shared import db as shared_db
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from tests.support.factories import World
from tests.support.notifications import configure


def _events(app, name: str) -> list[OutboxEvent]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == name)))


def _proposed_at(app, case: dict) -> dt.datetime:
    with app.app_context():
        return db.session.get(MedecinTraitantCase, uuid.UUID(case["id"])).proposed_at


def _sweep(app, at: dt.datetime):
    with app.app_context():
        return sweep_proposals(now=at)


def test_a_proposal_unanswered_for_7_days_reminds_the_gp_once(app, client, accounts):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.case_in("proposed")
    proposed_at = _proposed_at(app, case)

    assert _sweep(app, proposed_at + dt.timedelta(days=6, hours=23)).reminded == 0
    assert _sweep(app, proposed_at + dt.timedelta(days=7, minutes=1)).reminded == 1
    assert _sweep(app, proposed_at + dt.timedelta(days=8)).reminded == 0

    [reminder] = _events(app, "medecin_traitant.reminder")
    assert reminder.reference == case["reference"]
    assert reminder.payload["professional_ids"] == [world.gp["id"]]
    state = client.get(f"/api/orientation/cases/{case['id']}", headers=world.coordinator)
    assert state.get_json()["state"] == "proposed"


def test_a_proposal_unanswered_for_14_days_expires_back_to_triage_without_that_gp(
    app, client, accounts
):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.case_in("proposed")
    proposed_at = _proposed_at(app, case)

    assert _sweep(app, proposed_at + dt.timedelta(days=13, hours=23)).expired == 0
    assert _sweep(app, proposed_at + dt.timedelta(days=14, minutes=1)).expired == 1
    assert _sweep(app, proposed_at + dt.timedelta(days=15)).expired == 0

    body = client.get(f"/api/orientation/cases/{case['id']}", headers=world.coordinator).get_json()
    assert body["state"] == "triaged"
    assert body["history"][-1]["transition"] == "expire"
    assert body["history"][-1]["by"] == "system@relais"
    [expired] = _events(app, "medecin_traitant.expire")
    assert expired.payload["professional_ids"] == [world.gp["id"]]
    suggestions = client.get(
        f"/api/orientation/cases/{case['id']}/suggestions", headers=world.coordinator
    ).get_json()
    assert world.gp["id"] not in [s["professional"]["id"] for s in suggestions]


@pytest.mark.postgres_only
def test_the_sweep_commits_only_inside_units_of_work(app, client, accounts):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.case_in("proposed")
    later = _proposed_at(app, case) + dt.timedelta(days=14, minutes=1)
    outside: list[bool] = []

    def on_commit(session):
        outside.append(not shared_db._write_intent.get())

    with app.app_context():
        event.listen(db.session, "before_commit", on_commit)
        try:
            assert sweep_proposals(now=later).expired == 1
        finally:
            event.remove(db.session, "before_commit", on_commit)

    assert outside and not any(outside)


def test_an_answered_proposal_neither_reminds_nor_expires(app, client, accounts):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.case_in("proposed")
    proposed_at = _proposed_at(app, case)
    world.fired(case, "accept", world.gp_headers, {})

    result = _sweep(app, proposed_at + dt.timedelta(days=30))

    assert (result.reminded, result.expired) == (0, 0)


def test_durations_come_from_the_settings(app, client, accounts):
    configure(app, proposal_reminder_days=2, proposal_expiry_days=3)
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.case_in("proposed")
    proposed_at = _proposed_at(app, case)

    assert _sweep(app, proposed_at + dt.timedelta(days=2, minutes=1)).reminded == 1
    assert _sweep(app, proposed_at + dt.timedelta(days=3, minutes=1)).expired == 1


@pytest.mark.postgres_only
def test_sweeps_running_at_once_fire_each_timer_once(app, client, accounts):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    cases = [world.case_in("proposed") for _ in range(3)]
    later = _proposed_at(app, cases[-1]) + dt.timedelta(days=7, minutes=1)
    much_later = later + dt.timedelta(days=7)
    _concurrently(4, lambda: _sweep(app, later))
    _concurrently(4, lambda: _sweep(app, much_later))

    assert len(_events(app, "medecin_traitant.reminder")) == 3
    assert len(_events(app, "medecin_traitant.expire")) == 3


def _concurrently(count: int, work) -> None:
    barrier = threading.Barrier(count)

    def run():
        barrier.wait()
        work()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
