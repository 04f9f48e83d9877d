"""Notification links lead to the server actually running: relative in the inbox, `PUBLIC_URL`
in e-mails, and `PUBLIC_URL` defaults to the address `relais run` serves."""

from __future__ import annotations

import os
import secrets

import pytest
import requests

from shared.outbox.relay import current_relay
from shared.settings import Settings
from tests.support import payloads
from tests.support.mt_flow import Cast
from tests.support.notifications import wait_for
from tests.support.processes import BIN, ServiceProcess, run_cli
from tests.support.servers import free_port


def test_public_url_defaults_to_the_port_served():
    assert Settings.from_environ({"PORT": "8100"}).public_url == "http://127.0.0.1:8100"
    given = {"PORT": "8100", "PUBLIC_URL": "https://relais.example/"}
    assert Settings.from_environ(given).public_url == "https://relais.example"


def test_inbox_links_are_relative_and_emails_carry_the_public_url(embedded, client, accounts, smtp):
    cast = Cast(client, accounts)
    case = cast.submit()
    with embedded.app_context():
        assert current_relay().relay_due() == 1
    inbox = client.get("/api/notifications/inbox", headers=cast.coordinator).get_json()
    assert [item["link"] for item in inbox["items"]] == [f"/orientation/cases/{case['id']}"]
    text = smtp.messages()[0].get_body(("plain",)).get_content()
    assert f"https://relais.example/orientation/cases/{case['id']}" in text


@pytest.mark.slow
def test_relais_run_on_another_port_links_to_that_port(tmp_path, smtp):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PUBLIC_URL", "PORT", "REDIS_URL", "ENCRYPTION_KEYS")
    } | {
        "RELAIS_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'relais.sqlite3'}",
        "SMTP_URL": smtp.url,
    }
    run_cli(["db", "upgrade"], env)
    password = secrets.token_urlsafe(24)
    emails = {role: f"{role}@relais.test" for role in ("coordinator", "professional")}
    for role, email in emails.items():
        run_cli(
            ["user", "add", "--email", email, "--role", role, "--password-stdin"],
            env,
            stdin=password + "\n",
        )
    server = ServiceProcess(
        "relais-run", [str(BIN / "relais"), "run", "--port", str(port)], env, port, tmp_path
    ).start()
    try:
        headers = {}
        for role, email in emails.items():
            token = requests.post(
                f"{server.url}/api/auth/token",
                json={"email": email, "password": password},
                timeout=10,
            ).json()["token"]
            headers[role] = {"Authorization": f"Bearer {token}"}
        created = requests.post(
            f"{server.url}/api/orientation/signalements",
            json=payloads.signalement(),
            headers=headers["professional"],
            timeout=10,
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        wait_for(lambda: smtp.messages(), timeout=30, what="the coordinator's e-mail")
        inbox = requests.get(
            f"{server.url}/api/notifications/inbox", headers=headers["coordinator"], timeout=10
        ).json()
    finally:
        server.stop()
    text = smtp.messages()[0].get_body(("plain",)).get_content()
    assert f"http://127.0.0.1:{port}/orientation/cases/{case_id}" in text
    assert [item["link"] for item in inbox["items"]] == [f"/orientation/cases/{case_id}"]
