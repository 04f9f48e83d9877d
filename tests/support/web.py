"""Helpers for page tests driven by Flask's test client: CSRF token, session login."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a page's forms."""
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD) -> str:
    """Log in through the login form; returns the session's CSRF token."""
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return csrf_from(client.get("/").get_data(as_text=True))


def error_summary(html: str) -> list[str]:
    """The items (`<li>` contents) of a page's form error summary."""
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", summary, re.S)
