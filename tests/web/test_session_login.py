"""Session login for the pages: credentials, CSRF, cookie flags, logout, headers."""

from __future__ import annotations

import pytest

from services.bootstrap import SERVICES, create_app
from shared.auth.throttle import FREE_FAILURES
from shared.settings import Settings
from tests.support.web import csrf_from, log_in


def test_anonymous_visitor_sees_the_login_form_in_french(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert '<label for="f-email">Adresse e-mail</label>' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_login_opens_a_session_and_the_home_shows_the_user(client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    log_in(client, email)
    html = client.get("/").get_data(as_text=True)
    assert email in html
    assert "Se déconnecter" in html
    assert "0 tâche" in html


def test_session_cookie_is_httponly_and_samesite_lax(client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": email, "password": "correct horse battery staple", "csrf_token": token},
    )
    cookie = response.headers["Set-Cookie"]
    assert "relais_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_in_production(settings):
    production = Settings(env="production", database_url=settings.database_url, secret_key="x" * 32)
    app = create_app(SERVICES, production)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_wrong_password_is_refused_in_french_and_opens_no_session(client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": email, "password": "wrong password!", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    assert "Se déconnecter" not in client.get("/").get_data(as_text=True)


def test_repeated_failures_are_slowed_down_like_the_api(client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    token = csrf_from(client.get("/").get_data(as_text=True))
    statuses = [
        client.post(
            "/login", data={"email": email, "password": "nope nope nope", "csrf_token": token}
        ).status_code
        for _ in range(FREE_FAILURES + 1)
    ]
    assert statuses == [401] * FREE_FAILURES + [429]
    refused = client.post(
        "/login", data={"email": email, "password": "nope nope nope", "csrf_token": token}
    )
    assert "Trop de tentatives : réessayez dans 1 seconde." in refused.get_data(as_text=True)


def test_a_form_post_without_the_csrf_token_is_refused(client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    client.get("/")
    response = client.post(
        "/login", data={"email": email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 400
    assert "Ce formulaire a expiré" in response.get_data(as_text=True)


def test_a_logged_in_post_with_a_forged_token_changes_nothing(client, accounts):
    email = accounts.create("professional")["X-Test-Email"]
    log_in(client, email)
    response = client.post("/orientation/signalements/new", data={"csrf_token": "forged"})
    assert response.status_code == 400


def test_logout_revokes_the_session(client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    token = log_in(client, email)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get("/orientation/cases")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/?next=/orientation/cases")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/\t/evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/orientation/cases?state=submitted", "/orientation/cases?state=submitted"),
    ],
)
def test_login_only_follows_a_local_next_path(client, accounts, target, expected):
    email = accounts.create("coordinator")["X-Test-Email"]
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": "correct horse battery staple",
            "csrf_token": token,
            "next": target,
        },
    )
    assert response.headers["Location"] == expected


def test_the_session_cookie_does_not_authenticate_the_api(client, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    log_in(client, email)
    assert client.get("/api/orientation/cases").status_code == 401


def test_unknown_page_answers_a_french_html_404_and_api_stays_json(client):
    page = client.get("/orientation/nowhere")
    assert page.status_code == 404
    assert "Page introuvable" in page.get_data(as_text=True)
    api = client.get("/api/orientation/nowhere")
    assert api.status_code == 404
    assert api.get_json()["error"]["code"] == "not_found"


# DAC staff may report a patient since the second wave; `reporting` still may not.
@pytest.mark.parametrize("role", ["reporting"])
def test_a_role_without_access_gets_a_french_403_page(client, accounts, role):
    email = accounts.create(role)["X-Test-Email"]
    log_in(client, email)
    response = client.get("/orientation/cases")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


def test_every_service_page_is_guarded_by_page(app):
    open_endpoints = {
        "web.home",
        "web.login",
        "web.logout",
        "web.static",
        "static",
        # Login with Pro Santé Connect, and the pages of those who cannot log in yet.
        "psc.login",
        "psc.callback",
        "psc.access_request_contact",
        "psc.logout",
        "account.forgot_password",
        "account.choose_password",
        # The public self-registration form of patients and carers (no account).
        "orientation_intake_pages.form",
        "orientation_intake_pages.submit_form",
    }
    unguarded = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(("/api/", "/fhir/", "/healthz", "/readyz", "/metrics"))
        and rule.endpoint not in open_endpoints
        and not hasattr(app.view_functions[rule.endpoint], "__relais_page_roles__")
    ]
    assert unguarded == []
    assert any(r.rule.startswith("/orientation/") for r in app.url_map.iter_rules())
