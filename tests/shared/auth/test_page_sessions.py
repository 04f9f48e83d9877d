"""Page sessions live on the server, apart from API tokens, and end when they should: at logout,
when the account is disabled, after SESSION_IDLE_MINUTES without a request and
SESSION_ABSOLUTE_HOURS after the login."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.auth.models import PageSession
from shared.auth.service import disable_user, resolve_token
from shared.auth.sessions import (
    SessionPolicy,
    close_page_session,
    delegate_token,
    open_page_session,
    resolve_page_session,
)
from shared.errors import Unauthenticated
from shared.extensions import db
from shared.timeutil import utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.clock import pass_time
from tests.support.discharge_epp import directory_entry
from tests.support.servers import serve_wsgi
from tests.support.web import log_in

CASES_PAGE = "/orientation/cases"
DIRECTORY = "/api/agenda/professionals"
API = "/api/orientation/cases"
POLICY = SessionPolicy(
    lifetime=dt.timedelta(hours=12), idle=dt.timedelta(minutes=1), secret="test-secret"
)


def _session_cookie(client) -> str:
    cookie = client.get_cookie("relais_session")
    assert cookie is not None
    return cookie.value


def _open(app, accounts, *, policy: SessionPolicy = POLICY, now: dt.datetime) -> str:
    email = accounts.create("coordinator")["X-Test-Email"]
    with app.app_context():
        session_id, _principal = open_page_session(
            email=email, password=TEST_PASSWORD, ip="192.0.2.7", policy=policy, now=now
        )
    return session_id


# -- The cookie is not a bearer token ---------------------------------------------------------


def test_the_session_cookie_content_is_not_accepted_as_a_bearer_token(app, client, accounts):
    log_in(client, accounts.create("coordinator")["X-Test-Email"])
    assert client.get(CASES_PAGE).status_code == 200
    serializer = app.session_interface.get_signing_serializer(app)
    content = serializer.loads(_session_cookie(client))
    values = [value for value in content.values() if isinstance(value, str)]
    assert values, content
    for value in values:
        response = client.get(API, headers={"Authorization": f"Bearer {value}"})
        assert response.status_code == 401, f"{value!r} opened the API"


def test_only_a_hash_of_the_session_id_is_stored(app, client, accounts):
    log_in(client, accounts.create("coordinator")["X-Test-Email"])
    serializer = app.session_interface.get_signing_serializer(app)
    session_id = serializer.loads(_session_cookie(client))["sid"]
    with app.app_context():
        stored = db.session.scalars(db.select(PageSession.session_hash)).all()
    assert len(stored) == 1
    assert session_id not in stored[0]


def test_the_delegate_token_works_only_while_its_session_lives(app, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    with app.app_context():
        session_id, principal = open_page_session(
            email=email, password=TEST_PASSWORD, ip="192.0.2.7", policy=POLICY
        )
        assert principal.token is not None
        assert session_id not in principal.token
        assert resolve_token(principal.token).email == email
        close_page_session(session_id)
        with pytest.raises(Unauthenticated):
            resolve_token(principal.token)


def test_the_delegate_token_dies_with_an_idle_session(app, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    with app.app_context():
        _session_id, principal = open_page_session(
            email=email, password=TEST_PASSWORD, ip="192.0.2.7", policy=POLICY
        )
    pass_time(app, PageSession, 95)
    with app.app_context(), pytest.raises(Unauthenticated):
        resolve_token(principal.token)


def test_pages_call_a_service_deployed_apart_with_the_sessions_delegate_token(
    service_app, settings, accounts
):
    agenda = service_app("agenda")
    coordinator = accounts.create("coordinator")
    entry = directory_entry(agenda.test_client(), coordinator, last_name="Delegat")
    with serve_wsgi(agenda) as agenda_url:
        orientation = service_app("orientation", service_urls={"agenda": agenda_url})
        client = orientation.test_client()
        token = log_in(client, coordinator["X-Test-Email"])
        page = client.get("/orientation/discharges/new")
        assert page.status_code == 200
        assert entry["last_name"] in page.get_data(as_text=True)
        session_id = orientation.session_interface.get_signing_serializer(orientation).loads(
            _session_cookie(client)
        )["sid"]
        delegate = {
            "Authorization": f"Bearer {delegate_token(session_id, secret=settings.secret_key)}"
        }
        assert agenda.test_client().get(DIRECTORY, headers=delegate).status_code == 200
        client.post("/logout", data={"csrf_token": token})
        assert agenda.test_client().get(DIRECTORY, headers=delegate).status_code == 401


# -- Logout and disabling end the session at once ---------------------------------------------


def test_logout_ends_the_session_even_for_a_copy_of_the_cookie(app, client, accounts):
    token = log_in(client, accounts.create("coordinator")["X-Test-Email"])
    stolen = app.test_client()
    stolen.set_cookie("relais_session", _session_cookie(client))
    assert stolen.get(CASES_PAGE).status_code == 200
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert stolen.get(CASES_PAGE).status_code == 302


def test_disabling_the_account_ends_its_page_sessions_at_once(app, client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    log_in(client, email)
    assert client.get(CASES_PAGE).status_code == 200
    with app.app_context():
        disable_user(email)
        assert all(row.revoked_at is not None for row in db.session.scalars(db.select(PageSession)))
    page = client.get(CASES_PAGE)
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/?next=")


# -- Idle timeout and absolute lifetime -------------------------------------------------------


@pytest.fixture
def short_idle_client(service_app):
    """A client of the full app where a page session ends after one idle minute."""
    app = service_app("orientation", "agenda", "notifications", session_idle_minutes=1)
    return app, app.test_client()


def test_a_session_idle_for_95_seconds_with_a_one_minute_setting_is_closed(
    short_idle_client, accounts
):
    app, client = short_idle_client
    log_in(client, accounts.create("coordinator")["X-Test-Email"])
    assert client.get(CASES_PAGE).status_code == 200
    pass_time(app, PageSession, 95)
    page = client.get(CASES_PAGE)
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/?next=")
    assert "Votre session a expiré" in client.get("/").get_data(as_text=True)


def test_requests_keep_a_session_alive_past_its_first_idle_minute(short_idle_client, accounts):
    app, client = short_idle_client
    log_in(client, accounts.create("coordinator")["X-Test-Email"])
    for _ in range(3):
        pass_time(app, PageSession, 50)
        assert client.get(CASES_PAGE).status_code == 200


def test_the_idle_end_moves_with_activity_and_stops_at_the_absolute_end(app, accounts):
    opened = utcnow()
    session_id = _open(app, accounts, now=opened)
    with app.app_context():
        moment = opened
        # A request every 50 s: each one pushes the idle end a minute further.
        for _ in range(5):
            moment += dt.timedelta(seconds=50)
            resolve_page_session(session_id, policy=POLICY, now=moment)
        with pytest.raises(Unauthenticated):
            resolve_page_session(session_id, policy=POLICY, now=moment + dt.timedelta(seconds=61))


def test_a_session_ends_at_its_absolute_lifetime_whatever_the_activity(app, accounts):
    policy = SessionPolicy(
        lifetime=dt.timedelta(minutes=3), idle=dt.timedelta(minutes=1), secret="test-secret"
    )
    opened = utcnow()
    session_id = _open(app, accounts, policy=policy, now=opened)
    with app.app_context():
        for seconds in (40, 80, 120, 160):
            moment = opened + dt.timedelta(seconds=seconds)
            resolve_page_session(session_id, policy=policy, now=moment)
        with pytest.raises(Unauthenticated):
            resolve_page_session(session_id, policy=policy, now=opened + dt.timedelta(minutes=3))


def test_the_cookie_lasts_the_sessions_absolute_lifetime_not_the_tokens(service_app):
    app = service_app("orientation", session_absolute_hours=3, token_lifetime_hours=12)
    assert app.permanent_session_lifetime == dt.timedelta(hours=3)
