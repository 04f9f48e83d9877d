"""Tokens are revocable and checked on every call; passwords resist guessing; logins throttle."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid

import pytest

from shared.auth.models import ApiToken, User
from shared.auth.service import create_user, disable_user, hash_token
from shared.auth.throttle import ADDRESS_LIMIT
from shared.errors import ValidationFailed
from shared.extensions import db
from shared.key_rotation import generate_key_spec
from shared.settings import ConfigurationError, Settings
from shared.timeutil import utcnow
from tests.conftest import TEST_PASSWORD

ME = "/api/orientation/cases"


def _login(client, email, password, ip="192.0.2.1"):
    return client.post(
        "/api/auth/token",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_a_logged_out_token_is_refused(client, accounts):
    headers = accounts.create("coordinator")
    assert client.get(ME, headers=headers).status_code == 200
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    response = client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_an_expired_token_is_refused(app, client, accounts):
    headers = accounts.create("coordinator")
    token = headers["Authorization"].split()[1]
    with app.app_context():
        record = db.session.query(ApiToken).filter_by(token_hash=hash_token(token)).one()
        record.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    assert client.get(ME, headers=headers).status_code == 401


@pytest.mark.parametrize(
    "authorization",
    ["Bearer ", "Bearer not-a-token", "Basic Zm9vOmJhcg==", "bearer", f"Token {uuid.uuid4()}"],
    ids=["empty-bearer", "bearer-not-a-token", "basic", "bare-scheme", "unknown-scheme"],
)
def test_malformed_or_forged_credentials_are_refused(client, authorization):
    response = client.get(ME, headers={"Authorization": authorization})
    assert response.status_code == 401


def test_disabling_a_user_revokes_their_tokens(app, client, accounts):
    headers = accounts.create("coordinator", email="leaving@relais.test")
    assert client.get(ME, headers=headers).status_code == 200
    with app.app_context():
        disable_user("Leaving@relais.test")
        user = db.session.query(User).filter_by(email="leaving@relais.test").one()
        assert user.active is False
        tokens = db.session.query(ApiToken).filter_by(user_id=user.id).all()
        assert tokens and all(token.revoked_at is not None for token in tokens)
    assert client.get(ME, headers=headers).status_code == 401


def test_user_disable_command_blocks_the_next_login(app, client, accounts, cli_runner):
    accounts.create("coordinator", email="gone@relais.test")
    assert _login(client, "gone@relais.test", TEST_PASSWORD).status_code == 200
    result = cli_runner(["user", "disable", "--email", "gone@relais.test"])
    assert result.exit_code == 0, result.output
    assert _login(client, "gone@relais.test", TEST_PASSWORD).status_code == 401
    unknown = cli_runner(["user", "disable", "--email", "nobody@relais.test"])
    assert unknown.exit_code == 2


def test_wrong_passwords_from_one_address_are_throttled_across_accounts(client):
    statuses = [
        _login(client, f"user{n}@relais.test", "wrong-password", ip="203.0.113.9").status_code
        for n in range(ADDRESS_LIMIT + 2)
    ]
    assert statuses == [401] * ADDRESS_LIMIT + [429] * 2
    assert _login(client, "other@relais.test", "x", ip="203.0.113.10").status_code == 401


@pytest.mark.parametrize(
    "password", ["password1234", "azertyuiop123", "123456789012", "motdepasse2026", "aaaaaaaaaaaa"]
)
def test_common_passwords_are_refused(app, password):
    with app.app_context(), pytest.raises(ValidationFailed) as error:
        create_user(email="new@relais.test", password=password, roles=["coordinator"])
    assert "mot de passe" in error.value.fields["password"][0]


def test_a_short_password_is_refused_and_a_passphrase_accepted(app):
    with app.app_context():
        with pytest.raises(ValidationFailed) as error:
            create_user(email="new@relais.test", password="Xq7!kp", roles=["coordinator"])
        assert "12 caractères" in error.value.fields["password"][0]
        user = create_user(
            email="new@relais.test", password="lanterne verte sous la pluie", roles=["admin"]
        )
        assert user.id is not None


def test_user_add_command_explains_a_weak_password(cli_runner):
    result = cli_runner(
        ["user", "add", "--email", "w@relais.test", "--role", "admin", "--password-stdin"],
        input="password1234\n",
    )
    assert result.exit_code == 2
    assert "trop courant" in result.output


def test_session_cookies_are_http_only_same_site_and_bounded(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # test runs over plain HTTP
    assert app.config["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(hours=12)


PRODUCTION = {"RELAIS_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(32)}


def test_production_sets_secure_cookies():
    keys = "k1:" + "A" * 43
    config = Settings.from_environ({**PRODUCTION, "ENCRYPTION_KEYS": keys}).to_flask_config()
    assert config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_encryption_keys():
    with pytest.raises(ConfigurationError, match="ENCRYPTION_KEYS"):
        Settings.from_environ(PRODUCTION)


@pytest.mark.parametrize("keys", ["k1", "k1:c2hvcnQ", ":" + "A" * 43, "k1:!!!"])
def test_malformed_encryption_keys_are_refused_at_start(keys):
    with pytest.raises(ConfigurationError, match="ENCRYPTION_KEYS"):
        Settings.from_environ({**PRODUCTION, "ENCRYPTION_KEYS": keys})


@pytest.mark.parametrize(
    "secret",
    [
        "x",
        "s" * 40,
        "dev-only-secret-key-change-me",
        "abababababababababababababababababababababababababab",
        secrets.token_urlsafe(24),
        secrets.token_hex(24),
    ],
    ids=["one-char", "repeated", "default", "pattern", "urlsafe-24-bytes", "hex-24-bytes"],
)
def test_production_refuses_a_secret_key_under_32_random_bytes(secret):
    keys = generate_key_spec("k1")
    with pytest.raises(ConfigurationError, match="SECRET_KEY") as error:
        Settings.from_environ(
            {"RELAIS_ENV": "production", "SECRET_KEY": secret, "ENCRYPTION_KEYS": keys}
        )
    assert "secrets.token_urlsafe(32)" in str(error.value)
    assert "aléatoires" in str(error.value)


@pytest.mark.parametrize(
    "secret",
    [
        secrets.token_urlsafe(32),
        secrets.token_hex(32),
        base64.b64encode(secrets.token_bytes(32)).decode(),
        secrets.token_urlsafe(64),
    ],
    ids=["urlsafe-32-bytes", "hex-32-bytes", "base64-32-bytes", "urlsafe-64-bytes"],
)
def test_production_accepts_32_random_bytes_as_generated(secret):
    keys = generate_key_spec("k1")
    settings = Settings.from_environ(
        {"RELAIS_ENV": "production", "SECRET_KEY": secret, "ENCRYPTION_KEYS": keys}
    )
    assert settings.secret_key == secret
