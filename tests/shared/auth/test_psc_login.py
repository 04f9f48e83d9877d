"""Login with Pro Santé Connect against the stand-in, over a real HTTP redirect chain."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from services.bootstrap import SERVICES, create_app
from shared.auth.models import AccessRequest, PageSession, User
from shared.extensions import db
from shared.settings import Settings
from tests.conftest import built_app
from tests.support import factories
from tests.support.psc_standin import CLIENT_ID, Standin

IDNPS = "810001234567"


@pytest.fixture
def app(psc_settings: Settings) -> Iterator[Flask]:
    with built_app(psc_settings) as application:
        yield application


def start(client: FlaskClient, next_path: str = "/") -> str:
    """Our redirect to the provider's authorization endpoint."""
    response = client.get("/auth/psc/login", query_string={"next": next_path})
    assert response.status_code == 302
    return response.headers["Location"]


def through_provider(authorization_url: str) -> str:
    """The browser at the provider (over HTTP): the provider's redirect to our callback."""
    response = requests.get(authorization_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def back(client: FlaskClient, callback_url: str):
    parts = urlsplit(callback_url)
    assert parts.path == "/auth/psc/callback"
    return client.get(f"{parts.path}?{parts.query}")


def login(client: FlaskClient, next_path: str = "/"):
    return back(client, through_provider(start(client, next_path)))


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_the_authorization_request_is_the_one_psc_needs(client, standin: Standin):
    location = start(client)
    parts = urlsplit(location)
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    # The authorization endpoint is on another host than the issuer.
    assert parts.hostname == "localhost"
    assert urlsplit(standin.issuer).hostname == "127.0.0.1"
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == "http://127.0.0.1:8000/auth/psc/callback"
    assert set(params["scope"].split()) == {"openid", "scope_all"}
    assert params["acr_values"] == "eidas1"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"]


@pytest.mark.parametrize(
    ("alg", "userinfo_format", "acr"),
    [("RS256", "json", "eidas1"), ("HS256", "jwt", "eidas2"), ("RS256", "jwt", "eidas3")],
)
def test_a_known_professional_lands_on_the_page_asked(
    app, client, accounts, standin: Standin, alg, userinfo_format, acr
):
    accounts.create("gp", professional_id="00000000-0000-0000-0000-000000000001", idnps=IDNPS)
    standin.behaviour.alg, standin.behaviour.userinfo_format = alg, userinfo_format
    standin.behaviour.acr = acr

    response = login(client, "/agenda/creneaux")

    assert response.status_code == 303
    assert response.headers["Location"] == "/agenda/creneaux"
    # The token request authenticated the client with HTTP Basic and sent the PKCE verifier.
    token_request = standin.token_requests[-1]
    assert token_request["authorization"].startswith("Basic ")
    assert "client_secret" not in token_request
    assert token_request["code_verifier"]
    me = client.get("/")
    assert me.status_code == 200
    assert "Connexion" not in me.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.idnps == IDNPS))
        assert user.last_login_method == "psc"
        assert db.session.scalar(select(PageSession.method)) == "psc"


def test_the_directory_rpps_matches_an_account_without_idnps(app, client, accounts, standin):
    entry = factories.professional(client, accounts.create("coordinator"))
    standin.behaviour.subject_name_id = "8" + entry["rpps"]
    accounts.create("gp", professional_id=entry["id"])

    assert login(client).status_code == 303
    assert count(app, AccessRequest) == 0


def test_an_unknown_professional_gets_an_access_request_and_no_session(app, client, standin):
    standin.behaviour.professions = ("60",)

    response = login(client)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "demande d'accès est enregistrée" in page
    assert "infirmier" in page
    assert count(app, PageSession) == 0
    # Logging in again finds the same pending request.
    assert login(client).status_code == 200
    with app.app_context():
        request = db.session.scalars(select(AccessRequest)).one()
        assert (request.idnps, request.professions) == (IDNPS, "60")
        assert (request.given_name, request.family_name) == ("Camille", "Exemple")


def test_a_disabled_account_gets_no_session(app, client, accounts, standin):
    accounts.create("professional", idnps=IDNPS)
    with app.app_context():
        db.session.scalar(select(User).where(User.idnps == IDNPS)).active = False
        db.session.commit()

    response = login(client)

    assert response.status_code == 403
    assert count(app, PageSession) == 0


def live_sessions(app: Flask) -> int:
    with app.app_context():
        return len(
            db.session.scalars(select(PageSession.id).where(PageSession.revoked_at.is_(None))).all()
        )


def assert_refused(app: Flask, response) -> None:
    assert response.status_code == 400
    assert "Pro Santé Connect" in response.get_data(as_text=True)
    assert live_sessions(app) == 0
    assert count(app, AccessRequest) == 0


@pytest.mark.parametrize(
    "fault",
    [
        {"nonce": "not-the-nonce"},
        {"audience": "another-client"},
        {"issuer": "http://127.0.0.1:1/realms/other"},
        {"expires_in": -600},
        {"sign_with_other_key": True},
        {"alg": "none"},
        {"acr": None},
        {"acr": "eidas0"},
        {"userinfo_sub": "someone-else"},
        {"alg": "HS256", "sign_with_other_key": True},
    ],
)
def test_an_answer_that_fails_a_check_opens_nothing(app, client, accounts, standin, fault):
    accounts.create("professional", idnps=IDNPS)
    for name, value in fault.items():
        setattr(standin.behaviour, name, value)

    assert_refused(app, login(client))


def test_a_wrong_state_is_refused(app, client, accounts, standin):
    accounts.create("professional", idnps=IDNPS)
    callback = through_provider(start(client))

    assert_refused(app, back(client, callback.replace("state=", "state=x")))


def test_a_callback_replayed_is_refused(app, client, accounts, standin):
    accounts.create("professional", idnps=IDNPS)
    callback = through_provider(start(client))
    assert back(client, callback).status_code == 303
    client.get("/auth/logout")

    assert_refused(app, back(client, callback))


def test_a_callback_from_another_browser_is_refused(app, client, accounts, standin):
    accounts.create("professional", idnps=IDNPS)
    callback = through_provider(start(client))

    assert_refused(app, back(app.test_client(), callback))


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site(client, accounts, standin, target):
    accounts.create("professional", idnps=IDNPS)

    response = login(client, target)

    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_logout_ends_the_psc_session_too(app, client, accounts, standin):
    accounts.create("professional", idnps=IDNPS)
    login(client)
    id_token = standin.token_requests and True

    response = client.get("/auth/logout")

    assert response.status_code == 302
    end_session = response.headers["Location"]
    assert end_session.startswith(standin.issuer + "/logout")
    params = parse_qs(urlsplit(end_session).query)
    assert params["id_token_hint"][0].count(".") == 2 and id_token
    assert params["post_logout_redirect_uri"] == ["http://127.0.0.1:8000/"]
    # The provider comes back without state, to the login page.
    back_home = requests.get(end_session, allow_redirects=False, timeout=10)
    assert back_home.headers["Location"] == "http://127.0.0.1:8000/"
    assert "state" not in back_home.headers["Location"]
    assert "Connexion" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(PageSession.revoked_at)) is not None


def test_without_psc_settings_the_routes_answer_404_and_the_button_is_hidden(settings):
    application = create_app(SERVICES, settings)
    client = application.test_client()
    assert client.get("/auth/psc/login").status_code == 404
    assert client.get("/auth/psc/callback?code=x&state=y").status_code == 404
    assert "Pro Santé Connect" not in client.get("/").get_data(as_text=True)
    with application.app_context():
        db.engine.dispose()


def test_an_approved_access_request_logs_in_with_psc_even_when_strong_is_required(
    app, client, accounts, standin
):
    app.config["RELAIS_SETTINGS"] = dataclasses.replace(
        app.config["RELAIS_SETTINGS"], auth_require_strong=True
    )
    assert login(client).status_code == 200
    with app.app_context():
        request_id = db.session.scalars(select(AccessRequest.id)).one()
    approved = client.post(
        f"/api/auth/access-requests/{request_id}/approve",
        json={"roles": ["professional"], "email": "camille@relais.test"},
        headers=accounts.create("coordinator"),
    )
    assert approved.status_code == 200, approved.get_json()

    assert login(client, "/orientation/cases").headers["Location"] == "/orientation/cases"
    with app.app_context():
        assert db.session.scalar(select(User.last_login_method).where(User.idnps == IDNPS)) == "psc"
