"""Every notification link leads to a page that exists."""

from __future__ import annotations

import uuid

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from services.notifications.events import EVENTS
from services.notifications.rendering import render


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_notice_link_matches_a_page_of_the_full_app(app, name):
    placeholder = str(uuid.uuid4())
    payload = {"case_id": placeholder, "id": placeholder}
    rendered = render(
        EVENTS[name], reference="XX-2026-000001", payload=payload, public_url="http://localhost"
    )
    path = rendered.link.removeprefix("http://localhost")
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method="GET")
    except (NotFound, MethodNotAllowed) as exc:
        pytest.fail(f"{name}: {path} matches no GET route ({exc.__class__.__name__})")
    assert not endpoint.startswith("static")
