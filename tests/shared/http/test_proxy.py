"""Behind the gateway the caller's address comes from X-Forwarded-For, and only then."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from services.bootstrap import SERVICES, create_app
from shared.audit.models import AuditEntry
from shared.auth.models import LoginFailure
from shared.extensions import db
from tests.support import payloads

GATEWAY = {"REMOTE_ADDR": "10.0.0.2"}


@pytest.fixture
def proxied_app(app, settings):
    """The same database as `app` (emptied by it afterwards), behind one trusted proxy."""
    proxied = create_app(SERVICES, dataclasses.replace(settings, proxy_hops=1))
    yield proxied
    with proxied.app_context():
        db.engine.dispose()


def _failed_login_ip(app) -> str:
    response = app.test_client().post(
        "/api/auth/token",
        json={"email": "nobody@relais.test", "password": "not the password"},
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base=GATEWAY,
    )
    assert response.status_code == 401
    with app.app_context():
        return db.session.scalar(select(LoginFailure.ip).order_by(LoginFailure.id.desc()))


def test_behind_the_gateway_a_failed_login_is_counted_for_the_real_caller(proxied_app):
    assert _failed_login_ip(proxied_app) == "203.0.113.7"


def test_without_a_proxy_a_forged_forwarded_header_is_ignored(app):
    assert _failed_login_ip(app) == "10.0.0.2"


def test_behind_the_gateway_the_audit_trail_records_the_real_caller(proxied_app, accounts):
    headers = accounts.create("professional")
    response = proxied_app.test_client().post(
        "/api/orientation/signalements",
        json=payloads.signalement(),
        headers={**headers, "X-Forwarded-For": "198.51.100.4"},
        environ_base=GATEWAY,
    )
    assert response.status_code == 201, response.get_json()
    with proxied_app.app_context():
        ips = set(db.session.scalars(select(AuditEntry.ip).where(AuditEntry.action == "create")))
    assert ips == {"198.51.100.4"}
