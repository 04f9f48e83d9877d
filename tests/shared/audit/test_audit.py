"""The audit trail: every read and change of patient data, readable by the admin only."""

from __future__ import annotations

from sqlalchemy import select

from shared.audit.models import AuditEntry
from shared.extensions import db
from tests.conftest import TEST_PASSWORD

AUDIT = "/api/orientation/audit"


def _entries(app, reference):
    with app.app_context():
        return [
            (e.action, e.user_email)
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.reference == reference).order_by(AuditEntry.at)
            )
        ]


def test_create_read_and_transitions_are_recorded(world, app):
    case = world.submit()
    submitter = world.submitter["X-Test-Email"]
    coordinator = world.coordinator["X-Test-Email"]
    world.get(case["id"])
    world.fire(case["id"], "triage")
    world.client.get("/api/orientation/cases", headers=world.coordinator)
    world.client.get(f"/api/orientation/cases/{case['id']}/suggestions", headers=world.coordinator)
    assert _entries(app, case["reference"]) == [
        ("create", submitter),
        ("read", coordinator),
        ("transition", coordinator),
        ("read", coordinator),
        ("read", coordinator),
    ]


def test_refused_requests_leave_no_audit_entry(world, app):
    case = world.submit()
    world.fire(case["id"], "accept")  # 409
    world.get(case["id"], world.other_gp_headers)  # 404
    assert _entries(app, case["reference"]) == [("create", world.submitter["X-Test-Email"])]


def test_the_admin_reads_the_trail_filtered_by_reference(world, accounts):
    case = world.submit()
    world.fire(case["id"], "triage")
    admin = accounts.create("admin")
    response = world.client.get(f"{AUDIT}?reference={case['reference']}", headers=admin)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2
    assert [item["action"] for item in body["items"]] == ["transition", "create"]
    assert body["items"][0]["user"] == world.coordinator["X-Test-Email"]
    assert body["items"][0]["ip"] == "127.0.0.1"
    assert set(body["items"][0]) == {"at", "user", "action", "reference", "ip"}


def test_logins_are_recorded(client, accounts, app):
    accounts.create("admin", email="boss@relais.test")
    token = client.post(
        "/api/auth/token", json={"email": "boss@relais.test", "password": TEST_PASSWORD}
    ).get_json()["token"]
    items = client.get(
        f"{AUDIT}?user=boss@relais.test", headers={"Authorization": f"Bearer {token}"}
    ).get_json()["items"]
    assert [item["action"] for item in items] == ["login"]


def test_only_the_admin_reads_the_trail(world, accounts):
    for role in ("coordinator", "reporting", "professional", "dac"):
        assert world.client.get(AUDIT, headers=accounts.create(role)).status_code == 403
    assert world.client.get(AUDIT).status_code == 401


def test_the_trail_has_no_write_endpoint(world, accounts):
    admin = accounts.create("admin")
    for method in ("post", "put", "patch", "delete"):
        response = getattr(world.client, method)(AUDIT, json={}, headers=admin)
        assert response.status_code == 405
