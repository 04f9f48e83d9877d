"""The tasks of the home page and the top bar: each service's count, the counts that are
queries read together in one statement, once per request."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from services.notifications.models import InboxItem
from shared.extensions import db
from shared.timeutil import today_paris
from tests.support import factories
from tests.support.database import statements
from tests.support.notifications import inbox_item, user_id_of
from tests.support.web import log_in

TASK = re.compile(r'<span class="task-count">(\d+)</span><span>([^<]+)</span>')


def _unread_of(app, email: str) -> int:
    """Give the account one unread inbox entry; its unread entries now."""
    user_id = user_id_of(app, email)
    inbox_item(app, user_id)
    with app.app_context():
        unread = InboxItem.user_id == user_id, InboxItem.read_at.is_(None)
        return db.session.scalar(select(func.count()).where(*unread)) or 0


def test_a_coordinators_tasks_of_three_services_are_counted_in_one_statement(app, client, accounts):
    dac = accounts.create("dac")
    coordinator = accounts.create("coordinator")
    factories.discharge(client, dac, planned_discharge_date=today_paris().isoformat())
    factories.epp_referral(client, coordinator)
    factories.epp_referral(client, coordinator)
    unread = _unread_of(app, coordinator["X-Test-Email"])
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
