"""The top bar per role: grouped by job, the role's own job first, at most six entries."""

from __future__ import annotations

import uuid

import pytest

from shared.auth.principal import Principal
from shared.auth.roles import ALL_ROLES
from shared.web.registry import account_links_for, nav_groups_for

FIRST = {
    "gp": "Orientation",
    "coordinator": "Orientation",
    "nurse": "Agenda",
    "dac": "Sorties",
    "midwife": "EPP",
    "reporting": "Territoire",
}


def _principal(role: str) -> Principal:
    return Principal(user_id=uuid.uuid4(), email=f"{role}@relais.test", roles=frozenset({role}))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_role_gets_at_most_six_entries_its_own_job_first(app, role):
    with app.test_request_context():
        groups = nav_groups_for(_principal(role))
        account = [link.label for link in account_links_for(_principal(role))]
    # "À faire" (the home page) is the first entry, then one per job.
    assert 1 + len(groups) <= 6, [group.label for group in groups]
    if role in FIRST:
        assert groups[0].label == FIRST[role]
    assert "Notifications" in account and "Mon compte" in account
    labels = [link.label for group in groups for link in group.links] + account
    assert len(labels) == len(set(labels))


def test_the_coordinators_jobs_and_the_gps(app):
    with app.test_request_context():
        coordinator = [group.label for group in nav_groups_for(_principal("coordinator"))]
        gp = {
            group.label: [link.label for link in group.links]
            for group in nav_groups_for(_principal("gp"))
        }
        admin = [link.label for link in account_links_for(_principal("admin"))]
    assert coordinator == ["Orientation", "Agenda", "Sorties", "EPP", "Territoire"]
    assert "Propositions reçues" in gp["Orientation"]
    assert "Mes créneaux" in gp["Agenda"] and "Ma disponibilité" in gp["Agenda"]
    assert {"Comptes", "Demandes d'accès"} <= set(admin)
