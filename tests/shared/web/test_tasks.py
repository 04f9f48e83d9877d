"""The tasks of the home page and the top bar: each service's count, the counts that are
queries read together in one statement, once per request."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select

from services.notifications.models import InboxItem
from shared.auth.models import User
from shared.db import unit_of_work
from shared.extensions import db
from shared.timeutil import today_paris
from tests.support import factories
from tests.support.web import log_in

TASK = re.compile(r'<span class="task-count">(\d+)</span><span>([^<]+)</span>')


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    sent: list[str] = []

    def capture(_conn, _cursor, statement, _parameters, _context, _executemany):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def _unread_item_for(app, email: str) -> int:
    """Give the account one unread inbox entry; its unread entries now."""
    with app.app_context(), unit_of_work():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        db.session.add(
            InboxItem(
                id=uuid.uuid4(),
                user_id=user_id,
                event_name="medecin_traitant.propose",
                reference="MT-2026-000001",
                title="Proposition de patient",
                body="Un patient vous est proposé.",
                link="http://localhost/orientation/proposals",
            )
        )
    with app.app_context():
        query = select(func.count()).where(
            InboxItem.user_id == user_id, InboxItem.read_at.is_(None)
        )
        return db.session.scalar(query) or 0


def test_a_coordinators_tasks_of_three_services_are_counted_in_one_statement(app, client, accounts):
    dac = accounts.create("dac")
    coordinator = accounts.create("coordinator")
    factories.discharge(client, dac, planned_discharge_date=today_paris().isoformat())
    factories.epp_referral(client, coordinator)
    factories.epp_referral(client, coordinator)
    unread = _unread_item_for(app, coordinator["X-Test-Email"])
    log_in(client, coordinator["X-Test-Email"])

    with statements(app) as sent:
        html = client.get("/").get_data(as_text=True)

    tasks = {label: int(count) for count, label in TASK.findall(html)}
    assert tasks["Sorties prévues aujourd&#39;hui ou en retard"] == 1
    assert tasks["Demandes d&#39;EPP à attribuer"] == 2
    assert tasks["Notifications non lues"] == unread >= 1
    assert f"{sum(tasks.values())} tâches" in html  # the top bar's total
    # The home page lists the tasks and the top bar adds them up: one statement counts the
    # discharges, the referrals and the inbox, once.
    counting = [s for s in sent if "notifications_inbox" in s]
    assert len(counting) == 1
    assert "orientation_sh_cases" in counting[0]
    assert "orientation_epp_referrals" in counting[0]
