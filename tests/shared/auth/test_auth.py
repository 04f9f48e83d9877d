"""Tokens: login, expiry, wrong passwords, throttling, logout."""

from __future__ import annotations

import datetime as dt

import argon2
from sqlalchemy import select, update

from shared.auth.models import ApiToken, LoginFailure
from shared.auth.service import _DUMMY_HASH, _hasher, hash_token, password_matches
from shared.auth.throttle import FAILURE_WINDOW, FREE_FAILURES
from shared.extensions import db
from shared.timeutil import utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.clock import pass_time

TOKEN = "/api/auth/token"
PROTECTED = "/api/orientation/cases"


def _login(client, email, password=TEST_PASSWORD, **kwargs):
    return client.post(TOKEN, json={"email": email, "password": password}, **kwargs)


def test_a_valid_login_returns_a_token_accepted_by_every_service(client, accounts):
    accounts.create("coordinator", email="coord@relais.test")
    response = _login(client, "Coord@Relais.test ")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["roles"] == ["coordinator"]
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(hours=11) < expires - utcnow() <= dt.timedelta(hours=12)
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get(PROTECTED, headers=headers).status_code == 200
    assert client.get("/api/agenda/professionals", headers=headers).status_code == 200


def test_only_a_hash_of_the_token_is_stored(app, client, accounts):
    accounts.create("coordinator", email="hash@relais.test")
    token = _login(client, "hash@relais.test").get_json()["token"]
    with app.app_context():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored
    assert hash_token(token) in stored


def test_a_wrong_password_or_unknown_email_is_401(client, accounts):
    accounts.create("coordinator", email="who@relais.test")
    for email, password in [("who@relais.test", "wrong password!!"), ("nobody@relais.test", "x")]:
        response = _login(client, email, password)
        assert response.status_code == 401
        assert response.get_json()["error"] == {
            "code": "unauthenticated",
            "message": "Adresse e-mail ou mot de passe incorrect.",
        }


def test_an_unknown_email_costs_one_verification_with_the_hasher_s_own_parameters():
    # The stand-in hash verified for an unknown e-mail is written in the code: were the
    # hasher's parameters changed, that verification would take another time than a real one.
    assert argon2.extract_parameters(_DUMMY_HASH) == argon2.extract_parameters(_hasher.hash("x"))
    assert not password_matches(_DUMMY_HASH, TEST_PASSWORD)
    assert not password_matches(_DUMMY_HASH, "")


def test_a_login_body_missing_fields_is_422(client):
    response = client.post(TOKEN, json={"email": "x@relais.test"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"password": ["Ce champ est obligatoire."]}


def test_repeated_failures_slow_down_the_right_password_from_that_address_only(
    app, client, accounts
):
    accounts.create("coordinator", email="guess@relais.test")
    for _ in range(FREE_FAILURES):
        assert _login(client, "guess@relais.test", "not the password").status_code == 401
    response = _login(client, "guess@relais.test")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    elsewhere = _login(client, "guess@relais.test", environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert elsewhere.status_code == 200
    # Failures older than the window no longer count.
    pass_time(app, LoginFailure, FAILURE_WINDOW.seconds)
    assert _login(client, "guess@relais.test").status_code == 200


def test_an_expired_token_is_401(app, client, accounts):
    headers = accounts.create("coordinator")
    assert client.get(PROTECTED, headers=headers).status_code == 200
    with app.app_context():
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    response = client.get(PROTECTED, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_logout_revokes_the_token(client, accounts):
    accounts.create("nurse", email="bye@relais.test", professional_id=None)
    token = _login(client, "bye@relais.test").get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get(PROTECTED, headers=headers).status_code == 401
    assert client.post("/api/auth/logout", headers=headers).status_code == 401


def test_a_deactivated_account_cannot_use_its_token(app, client, accounts):
    from shared.auth.models import User

    headers = accounts.create("coordinator")
    with app.app_context():
        db.session.execute(update(User).values(active=False))
        db.session.commit()
    assert client.get(PROTECTED, headers=headers).status_code == 401
