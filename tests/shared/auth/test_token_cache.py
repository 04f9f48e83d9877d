"""The token cache: a token is resolved from the tables once, then served from memory while its
account's `auth_version` stands; every way of ending a token (or of changing who it stands
for) is refused on the very next request, through the app that cached it or through another
app on the same database (another process)."""

from __future__ import annotations

import datetime as dt
import uuid

import time_machine
from sqlalchemy import select, text, update

from services.bootstrap import SERVICES, create_app
from shared.auth.models import ApiToken, PageSession, User
from shared.auth.service import hash_token, revoke_token
from shared.auth.sessions import SessionPolicy, close_page_session, open_page_session
from shared.auth.token_cache import EXTENSION, Resolved, TokenCache, token_cache
from shared.extensions import db
from shared.timeutil import utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.database import statements

API = "/api/orientation/cases"
ADMIN_ONLY = "/api/auth/users"
POLICY = SessionPolicy(
    lifetime=dt.timedelta(hours=12), idle=dt.timedelta(minutes=30), secret="test-secret"
)


def token_reads(seen: list[str]) -> int:
    return sum("FROM auth_tokens" in statement for statement in seen)


def version_of(app, headers) -> int:
    with app.app_context():
        return db.session.scalar(
            select(User.auth_version).where(User.id == uuid.UUID(headers["X-Test-User-Id"]))
        )


def token_of(headers) -> str:
    return headers["Authorization"].split()[1]


def test_a_token_is_read_from_the_tables_once_then_served_from_the_cache(app, client, accounts):
    headers = accounts.create("coordinator")
    with statements(app) as seen:
        assert client.get(API, headers=headers).status_code == 200
    assert token_reads(seen) == 1
    with statements(app) as seen:
        for _ in range(3):
            assert client.get(API, headers=headers).status_code == 200
    assert token_reads(seen) == 0
    # Each use reads the account's version, by primary key.
    assert sum(statement.startswith("SELECT auth_users.auth_version") for statement in seen) == 3


def test_logout_is_refused_at_the_next_request(app, client, accounts):
    headers = accounts.create("nurse")
    assert client.get(API, headers=headers).status_code == 200
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get(API, headers=headers).status_code == 401


def test_a_revocation_through_another_process_is_refused_at_the_next_request(
    app, client, settings, accounts
):
    headers = accounts.create("coordinator")
    other = accounts.create("coordinator")
    assert client.get(API, headers=headers).status_code == 200
    assert client.get(API, headers=other).status_code == 200
    # Another app on the same database stands for another process: its own, empty cache.
    elsewhere = create_app(SERVICES, settings)
    with elsewhere.app_context():
        revoke_token(token_of(headers))
        db.session.remove()
        db.engine.dispose()
    assert client.get(API, headers=headers).status_code == 401
    # The account's other tokens are resolved again, and still work.
    assert client.get(API, headers=other).status_code == 200


def test_disabling_an_account_is_refused_at_the_next_request(app, client, accounts):
    admin = accounts.create("admin")
    headers = accounts.create("coordinator")
    assert client.get(API, headers=headers).status_code == 200
    user_id = headers["X-Test-User-Id"]
    assert client.post(f"/api/auth/users/{user_id}/disable", headers=admin).status_code == 200
    assert client.get(API, headers=headers).status_code == 401


def test_the_user_disable_command_is_refused_at_the_next_request(app, client, accounts, cli_runner):
    headers = accounts.create("coordinator")
    assert client.get(API, headers=headers).status_code == 200
    result = cli_runner(["user", "disable", "--email", headers["X-Test-Email"]])
    assert result.exit_code == 0, result.output
    assert client.get(API, headers=headers).status_code == 401


def test_a_change_of_roles_applies_at_the_next_request(app, client, accounts):
    admin = accounts.create("admin")
    headers = accounts.create("admin", "coordinator")
    assert client.get(ADMIN_ONLY, headers=headers).status_code == 200
    user_id = headers["X-Test-User-Id"]
    changed = client.patch(
        f"/api/auth/users/{user_id}", json={"roles": ["coordinator"]}, headers=admin
    )
    assert changed.status_code == 200, changed.get_json()
    assert client.get(ADMIN_ONLY, headers=headers).status_code == 403
    assert client.get(API, headers=headers).status_code == 200


def test_sql_written_by_hand_is_seen_at_the_next_request(app, client, accounts):
    """An administrator revoking a token in psql during an incident: the triggers move the
    version whoever writes."""
    first, second, third = (accounts.create("coordinator") for _ in range(3))
    for headers in (first, second, third):
        assert client.get(API, headers=headers).status_code == 200
    with app.app_context():
        db.session.execute(
            text("UPDATE auth_tokens SET revoked_at = :now WHERE token_hash = :hash"),
            {"now": utcnow(), "hash": hash_token(token_of(first))},
        )
        db.session.execute(
            text("UPDATE auth_tokens SET expires_at = :past WHERE token_hash = :hash"),
            {"past": utcnow() - dt.timedelta(seconds=1), "hash": hash_token(token_of(second))},
        )
        db.session.execute(
            text("DELETE FROM auth_tokens WHERE token_hash = :hash"),
            {"hash": hash_token(token_of(third))},
        )
        db.session.commit()
    for headers in (first, second, third):
        assert client.get(API, headers=headers).status_code == 401


def test_a_token_is_never_served_past_its_expiry(app, client, accounts):
    headers = accounts.create("coordinator")
    soon = utcnow() + dt.timedelta(seconds=30)
    with app.app_context():
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == hash_token(token_of(headers)))
            .values(expires_at=soon)
        )
        db.session.commit()
    assert client.get(API, headers=headers).status_code == 200
    with time_machine.travel(soon + dt.timedelta(seconds=1)):
        assert client.get(API, headers=headers).status_code == 401


def test_a_closed_page_session_stops_its_delegate_token_at_once(app, client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    with app.app_context():
        session_id, principal = open_page_session(
            email=email, password=TEST_PASSWORD, ip="192.0.2.7", policy=POLICY
        )
    delegate = {"Authorization": f"Bearer {principal.token}"}
    assert client.get(API, headers=delegate).status_code == 200
    with app.app_context():
        close_page_session(session_id)
    assert client.get(API, headers=delegate).status_code == 401


def test_a_delegate_token_is_never_served_past_its_session_s_idle_end(app, client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    with app.app_context():
        _session_id, principal = open_page_session(
            email=email, password=TEST_PASSWORD, ip="192.0.2.7", policy=POLICY
        )
        idle_end = db.session.scalar(select(PageSession.idle_expires_at))
    delegate = {"Authorization": f"Bearer {principal.token}"}
    assert client.get(API, headers=delegate).status_code == 200
    with time_machine.travel(idle_end + dt.timedelta(seconds=1)):
        assert client.get(API, headers=delegate).status_code == 401


def test_what_ends_no_token_leaves_the_version_alone(app, client, accounts):
    """A login, a new token, a page session opened, its idle end pushed back by activity: the
    cache keeps serving."""
    headers = accounts.create("coordinator")
    before = version_of(app, headers)
    with app.app_context():
        open_page_session(
            email=headers["X-Test-Email"], password=TEST_PASSWORD, ip="192.0.2.7", policy=POLICY
        )
    token = client.post(
        "/api/auth/token", json={"email": headers["X-Test-Email"], "password": TEST_PASSWORD}
    )
    assert token.status_code == 200, token.get_json()
    with app.app_context():
        page_session = db.session.scalars(select(PageSession)).one()
        page_session.idle_expires_at += POLICY.idle
        db.session.commit()
    assert version_of(app, headers) == before


def test_the_cache_keeps_at_most_its_capacity(app):
    cache = TokenCache(capacity=4)
    until = utcnow() + dt.timedelta(minutes=1)
    with app.app_context():
        app.extensions[EXTENSION] = cache
        assert token_cache() is cache
        for n in range(9):
            cache.put(
                f"hash-{n}",
                Resolved(principal=None, user_id=uuid.uuid4(), version=0, until=until),  # type: ignore[arg-type]
            )
    assert len(cache) <= 4
    assert cache.get("hash-8", utcnow()) is not None
    assert cache.get("hash-0", utcnow()) is None
