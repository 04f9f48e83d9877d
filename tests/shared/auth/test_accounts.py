"""Account administration through the API and the pages: invitations and password resets
through a real SMTP server, access requests, roles, disabling."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select, update

from shared.auth.models import AccessRequest, OneTimeLink, PageSession, User
from shared.extensions import db
from shared.timeutil import utcnow
from tests.support.notifications import RelayedMailbox, configure
from tests.support.web import csrf_from, log_in

NEW_PASSWORD = "une phrase assez longue pour Relais 2026"  # noqa: S105
LINK = re.compile(r"https://relais\.example(/compte/mot-de-passe/[A-Za-z0-9_-]+)")


@pytest.fixture
def mailing(app, smtp):
    configure(app, smtp_url=smtp.url, public_url="https://relais.example")
    return RelayedMailbox(app, smtp)


def link_in(message) -> str:
    match = LINK.search(message.get_body(("plain",)).get_content())
    assert match, "no link in the e-mail"
    return match.group(1)


def choose_password(client, path: str, password: str = NEW_PASSWORD):
    page = client.get(path)
    assert page.status_code == 200
    return client.post(
        path, data={"password": password, "csrf_token": csrf_from(page.get_data(as_text=True))}
    )


def test_an_invited_person_chooses_a_password_once_and_logs_in(app, client, accounts, mailing):
    admin = accounts.create("admin")
    response = client.post(
        "/api/auth/users", json={"email": "Dac.Staff@relais.test", "roles": ["dac"]}, headers=admin
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["has_password"] is False
    [message] = mailing.messages()
    assert message["To"] == "dac.staff@relais.test"
    path = link_in(message)

    assert choose_password(client, path).status_code == 200
    log_in(client, "dac.staff@relais.test", NEW_PASSWORD)
    # The link works once.
    assert client.get(path).status_code == 410


def test_an_expired_invitation_is_refused(app, client, accounts, mailing):
    admin = accounts.create("admin")
    client.post(
        "/api/auth/users", json={"email": "late@relais.test", "roles": ["dac"]}, headers=admin
    )
    path = link_in(mailing.messages()[0])
    with app.app_context():
        db.session.execute(update(OneTimeLink).values(expires_at=utcnow()))
        db.session.commit()

    assert client.get(path).status_code == 410


def test_a_reset_answers_the_same_whether_the_account_exists(app, client, accounts, mailing):
    email = accounts.create("coordinator")["X-Test-Email"]
    known = client.post("/api/auth/password-reset", json={"email": email})
    unknown = client.post("/api/auth/password-reset", json={"email": "nobody@relais.test"})

    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    [message] = mailing.messages()
    assert message["To"] == email
    assert choose_password(client, link_in(message)).status_code == 200
    log_in(client, email, NEW_PASSWORD)


def test_reset_requests_are_throttled_per_address(client, mailing):
    # Like logins: a few at once, then each must wait longer after the previous one.
    statuses = [
        client.post("/api/auth/password-reset", json={"email": f"x{i}@relais.test"}).status_code
        for i in range(5)
    ]
    assert statuses == [202, 202, 202, 429, 429]


def test_a_weak_password_is_refused_on_the_link_page(app, client, accounts, mailing):
    email = accounts.create("coordinator")["X-Test-Email"]
    client.post("/api/auth/password-reset", json={"email": email})
    link = link_in(mailing.messages()[0])
    response = choose_password(client, link, "motdepasse123")
    assert response.status_code == 422
    # 13 characters, long enough: refused as too common (the page's hint names the length).
    assert "trop courant" in response.get_data(as_text=True)
    # The refused password did not spend the link.
    assert choose_password(client, link).status_code == 200


def test_only_an_admin_manages_accounts(client, accounts):
    coordinator = accounts.create("coordinator")
    assert client.get("/api/auth/users", headers=coordinator).status_code == 403
    assert (
        client.post(
            "/api/auth/users",
            json={"email": "a@relais.test", "roles": ["dac"]},
            headers=coordinator,
        ).status_code
        == 403
    )


def test_an_admin_changes_roles_and_links_and_searches(client, accounts):
    admin = accounts.create("admin")
    user_id = accounts.create("professional", email="camille@relais.test")["X-Test-User-Id"]
    professional_id = str(uuid.uuid4())

    changed = client.patch(
        f"/api/auth/users/{user_id}",
        json={"roles": ["gp", "professional"], "professional_id": professional_id},
        headers=admin,
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["roles"] == ["gp", "professional"]
    assert changed.get_json()["professional_id"] == professional_id
    refused = client.patch(
        f"/api/auth/users/{user_id}", json={"professional_id": None}, headers=admin
    )
    assert refused.status_code == 422
    found = client.get("/api/auth/users?q=camille", headers=admin).get_json()["items"]
    assert [item["email"] for item in found] == ["camille@relais.test"]


def test_disabling_ends_tokens_and_page_sessions_at_once(app, client, accounts):
    admin = accounts.create("admin")
    target = accounts.create("coordinator")
    browser = app.test_client()
    log_in(browser, target["X-Test-Email"])
    assert client.get("/api/auth/me", headers=target).status_code == 200

    response = client.post(f"/api/auth/users/{target['X-Test-User-Id']}/disable", headers=admin)

    assert response.status_code == 200
    assert response.get_json()["active"] is False
    assert client.get("/api/auth/me", headers=target).status_code == 401
    assert "Connexion" in browser.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(PageSession.revoked_at)).one() is not None


def test_me_tells_how_the_caller_authenticated(client, accounts):
    headers = accounts.create("coordinator")
    me = client.get("/api/auth/me", headers=headers).get_json()
    assert me["auth_method"] == "token"
    assert me["roles"] == ["coordinator"]
    assert me["id"] == headers["X-Test-User-Id"]


def pending_request(app, email: str | None = "camille@relais.test") -> str:
    with app.app_context():
        request = AccessRequest(
            idnps="810009999999",
            given_name="Camille",
            family_name="Exemple",
            professions="10",
            email=email,
        )
        db.session.add(request)
        db.session.commit()
        return str(request.id)


def test_a_coordinator_approves_an_access_request_and_the_person_is_told(
    app, client, accounts, mailing
):
    coordinator = accounts.create("coordinator")
    request_id = pending_request(app)
    listed = client.get("/api/auth/access-requests", headers=coordinator).get_json()["items"]
    assert [(r["id"], r["professions"]) for r in listed] == [(request_id, ["10"])]

    response = client.post(
        f"/api/auth/access-requests/{request_id}/approve",
        json={"roles": ["professional"]},
        headers=coordinator,
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["idnps"] == "810009999999"
    [message] = mailing.messages()
    assert message["To"] == "camille@relais.test"
    assert "ouvert" in message["Subject"]
    assert client.get("/api/auth/access-requests", headers=coordinator).get_json()["items"] == []
    again = client.post(
        f"/api/auth/access-requests/{request_id}/approve",
        json={"roles": ["professional"]},
        headers=coordinator,
    )
    assert again.status_code == 409


def test_a_coordinator_cannot_grant_admin(app, client, accounts):
    request_id = pending_request(app)
    response = client.post(
        f"/api/auth/access-requests/{request_id}/approve",
        json={"roles": ["admin"]},
        headers=accounts.create("coordinator"),
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User).where(User.idnps == "810009999999")) is None


def test_a_rejected_request_is_told_by_e_mail(app, client, accounts, mailing):
    request_id = pending_request(app)
    response = client.post(
        f"/api/auth/access-requests/{request_id}/reject", headers=accounts.create("admin")
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "rejected"
    [message] = mailing.messages()
    assert "demande" in message["Subject"]


def test_the_admin_pages_invite_and_approve(app, client, accounts, mailing):
    admin_email = accounts.create("admin")["X-Test-Email"]
    request_id = pending_request(app, email=None)
    csrf = log_in(client, admin_email)

    page = client.get("/admin/comptes")
    assert page.status_code == 200 and admin_email in page.get_data(as_text=True)
    invited = client.post(
        "/admin/comptes",
        data={"email": "ide@relais.test", "roles": ["dac"], "csrf_token": csrf},
    )
    assert invited.status_code == 303
    assert "ide@relais.test" in client.get("/admin/comptes?q=ide").get_data(as_text=True)

    requests_page = client.get("/admin/demandes")
    assert "Camille Exemple" in requests_page.get_data(as_text=True)
    approved = client.post(
        f"/admin/demandes/{request_id}",
        data={
            "roles": ["professional"],
            "email": "camille@relais.test",
            "decision": "approve",
            "csrf_token": csrf,
        },
    )
    assert approved.status_code == 303
    assert "Aucune demande" in client.get("/admin/demandes").get_data(as_text=True)
    assert sorted(m["To"] for m in mailing.messages()) == ["camille@relais.test", "ide@relais.test"]
