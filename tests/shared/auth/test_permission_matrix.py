"""Every route of the full app × every role, checked against the declarations it is built from."""

from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from shared.auth.matrix import MATRIX_END, MATRIX_START, render_markdown, routes
from shared.auth.permissions import allow, record_rule
from shared.auth.roles import ALL_ROLES, DIRECTORY_ROLES
from shared.http.converters import KeyedHashConverter


def _placeholder_url(app, route, placeholder: uuid.UUID) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == route.endpoint)
    values = {
        name: _placeholder(converter, placeholder) for name, converter in rule._converters.items()
    }
    with app.test_request_context():
        return app.url_for(route.endpoint, **values)


def _placeholder(converter, placeholder: uuid.UUID) -> object:
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, KeyedHashConverter):
        return placeholder.hex * 2  # 64 hex digits, as a keyed hash
    return str(placeholder)


def _call(client, method: str, url: str, headers: dict[str, str] | None = None):
    body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.open(url, method=method, headers=headers or {}, **body)


def test_every_route_declares_who_may_call_it(app):
    undeclared = [f"{r.endpoint} {r.path}" for r in routes(app) if not r.declared]
    assert undeclared == [], "add @allow(...) or @public to these views"


def test_every_api_route_refuses_a_caller_without_token(app, client):
    failures = []
    for route in routes(app):
        if route.public:
            continue
        url = _placeholder_url(app, route, uuid.uuid4())
        for method in route.methods:
            status = _call(client, method, url).status_code
            expected = (401,) if route.is_api else (401, 302, 303)
            if status not in expected:
                failures.append(f"{method} {route.path}: {status}")
    assert failures == []


def test_every_api_route_refuses_a_forged_token(app, client):
    forged = {"Authorization": f"Bearer {uuid.uuid4().hex}"}
    failures = []
    for route in routes(app):
        if route.public or not route.is_api:
            continue
        url = _placeholder_url(app, route, uuid.uuid4())
        for method in route.methods:
            response = _call(client, method, url, forged)
            if response.status_code != 401:
                failures.append(f"{method} {route.path}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_role_gets_exactly_the_routes_the_matrix_grants(app, client, accounts, role):
    # Directory roles act for an entry; placeholders use that entry's id, so that a record rule
    # "only their own entry" lets the request through to a plain 404.
    own_id = uuid.uuid4()
    headers = accounts.create(role, professional_id=own_id if role in DIRECTORY_ROLES else None)
    failures = []
    # Logout revokes the token the other calls use: it goes last.
    for route in sorted(routes(app), key=lambda r: r.endpoint == "auth.logout"):
        if route.public or not route.is_api:
            continue
        url = _placeholder_url(app, route, own_id)
        for method in route.methods:
            status = _call(client, method, url, headers).status_code
            if role in route.roles and status in (401, 403):
                failures.append(f"{method} {route.path}: allowed but got {status}")
            elif role not in route.roles and status != 403:
                failures.append(f"{method} {route.path}: not allowed but got {status}")
            if status >= 500:
                failures.append(f"{method} {route.path}: {status}")
    assert failures == []


def test_security_doc_embeds_the_current_matrix(app, repo_root):
    document = (repo_root / "docs" / "security.md").read_text(encoding="utf-8")
    embedded = document.split(MATRIX_START, 1)[1].split(MATRIX_END, 1)[0]
    assert embedded.strip() == render_markdown(app).strip(), (
        "docs/security.md is stale: run `relais security matrix`"
    )


def test_a_route_without_declaration_is_reported(app):
    def forgotten():
        return "oops"

    app.add_url_rule("/api/orientation/forgotten", "forgotten", forgotten)
    undeclared = [r.endpoint for r in routes(app) if not r.declared]
    assert undeclared == ["forgotten"]
    assert "UNDECLARED" in render_markdown(app)


def test_a_view_can_document_its_record_rule_next_to_its_roles(app):
    @allow("coordinator")
    @record_rule("only the cases of their own CPTS")
    def scoped():
        return {}

    app.add_url_rule("/api/orientation/scoped", "scoped", scoped)
    route = next(r for r in routes(app) if r.endpoint == "scoped")
    assert route.roles == frozenset({"coordinator"})
    assert route.record_rule == "only the cases of their own CPTS"
