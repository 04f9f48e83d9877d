"""The second factor: TOTP enrolment on the account page, codes at login (real clock
window), replay refused, recovery codes, 10 wrong codes → 429, `AUTH_REQUIRE_STRONG`."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from shared.auth.totp import STEP_SECONDS
from tests.support.factories import TEST_PASSWORD
from tests.support.notifications import RelayedMailbox, configure
from tests.support.web import csrf_from, log_in

SECRET = re.compile(r"<code>([A-Z2-7]{32})</code>")
RECOVERY = re.compile(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>")


def enrol(client) -> tuple[str, list[str]]:
    """Enrol TOTP through the page: the secret read from it, and the recovery codes shown."""
    page = client.get("/compte/double-authentification").get_data(as_text=True)
    assert "<svg" in page  # the QR code, inline
    secret = SECRET.search(page).group(1)
    response = client.post(
        "/compte/double-authentification",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 200
    return secret, RECOVERY.findall(response.get_data(as_text=True))


def token(client, email: str, totp: str | None = None):
    body = {"email": email, "password": TEST_PASSWORD}
    if totp is not None:
        body["totp"] = totp
    return client.post("/api/auth/token", json=body)


def wait_for_next_step() -> None:
    time.sleep(STEP_SECONDS - time.time() % STEP_SECONDS + 0.2)


def test_once_enrolled_a_password_login_needs_the_code(app, client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    log_in(client, email)
    secret, recovery_codes = enrol(client)
    assert len(recovery_codes) == 10

    assert token(client, email).status_code == 401
    assert token(client, email, "000000").status_code == 401
    # The step used to enrol is spent: the next one works, once.
    wait_for_next_step()
    code = pyotp.TOTP(secret).now()
    assert token(client, email, code).status_code == 200
    replay = token(client, email, code)
    assert replay.status_code == 401
    assert "déjà utilisé" in replay.get_json()["error"]["message"]


def test_a_recovery_code_works_once(client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    log_in(client, email)
    _secret, recovery_codes = enrol(client)

    assert token(client, email, recovery_codes[0]).status_code == 200
    assert token(client, email, recovery_codes[0]).status_code == 401


def test_ten_wrong_codes_are_answered_429(client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    log_in(client, email)
    secret, _codes = enrol(client)

    statuses = [token(client, email, "123456").status_code for _ in range(10)]
    assert statuses == [401] * 10
    blocked = token(client, email, pyotp.TOTP(secret).now())
    assert blocked.status_code == 429


def test_the_login_page_takes_the_code(app, client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    log_in(client, email)
    secret, _codes = enrol(client)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    wait_for_next_step()

    csrf = csrf_from(client.get("/").get_data(as_text=True))
    without = client.post(
        "/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": csrf}
    )
    assert without.status_code == 401
    assert "Code de double authentification" in without.get_data(as_text=True)
    with_code = client.post(
        "/login",
        data={
            "email": email,
            "password": TEST_PASSWORD,
            "totp": pyotp.TOTP(secret).now(),
            "csrf_token": csrf,
        },
    )
    assert with_code.status_code == 303


@pytest.fixture
def strong(app):
    configure(app, auth_require_strong=True)


def test_strong_authentication_refuses_a_password_alone(strong, client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    response = token(client, email)
    assert response.status_code == 401
    assert "double authentification" in response.get_json()["error"]["message"]


def test_strong_authentication_lets_reporting_in_with_a_password(strong, client, accounts):
    assert token(client, accounts.create("reporting")["X-Test-Email"]).status_code == 200


def test_an_invitation_under_strong_authentication_sets_up_the_second_factor(
    strong, app, client, accounts, smtp
):
    configure(app, smtp_url=smtp.url, public_url="https://relais.example")
    client.post(
        "/api/auth/users",
        json={"email": "dac@relais.test", "roles": ["dac"]},
        headers=accounts.create("admin"),
    )
    body = RelayedMailbox(app, smtp).messages()[0].get_body(("plain",)).get_content()
    path = re.search(r"https://relais\.example(\S+)", body).group(1)
    page = client.get(path).get_data(as_text=True)
    secret = SECRET.search(page).group(1)

    response = client.post(
        path,
        data={
            "password": "une phrase assez longue pour Relais 2026",
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_from(page),
        },
    )

    assert response.status_code == 200
    assert len(RECOVERY.findall(response.get_data(as_text=True))) == 10
    wait_for_next_step()
    logged = client.post(
        "/api/auth/token",
        json={
            "email": "dac@relais.test",
            "password": "une phrase assez longue pour Relais 2026",
            "totp": pyotp.TOTP(secret).now(),
        },
    )
    assert logged.status_code == 200


def test_relais_check_lists_accounts_that_cannot_log_in_strongly(accounts, cli_runner):
    weak = accounts.create("coordinator")["X-Test-Email"]
    accounts.create("reporting")
    accounts.create("professional", idnps="810001234567")

    result = cli_runner(["check"], RELAIS_ENV="production", AUTH_REQUIRE_STRONG="true")

    assert "1 compte(s) sans double authentification" in result.output
    assert weak in result.output
    assert "[DANGER] AUTH_REQUIRE_STRONG" in result.output
