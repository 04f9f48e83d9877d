"""Route-level permission checks: `@allow(...)` declares and enforces who may call a view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from shared.auth.principal import Principal
from shared.auth.roles import ALL_ROLES
from shared.auth.service import resolve_token
from shared.errors import Forbidden, Unauthenticated

F = TypeVar("F", bound=Callable[..., Any])
ANY_ROLE = ALL_ROLES


def authenticate_request() -> Principal:
    """The caller of the current request, from its bearer token (cached on `g`)."""
    principal = g.get("principal")
    if principal is not None:
        return principal
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    principal = resolve_token(token.strip())
    g.principal = principal
    return principal


def current_principal() -> Principal:
    """The authenticated caller; only valid inside a view guarded by `allow`."""
    return g.principal


def allow(*roles: str) -> Callable[[F], F]:
    """Require an authenticated caller holding one of `roles` (record rules stay in services)."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate_request()
            if not principal.has(*roles):
                raise Forbidden()
            return view(*args, **kwargs)

        wrapper.__relais_roles__ = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a view as reachable without a token (login, health checks)."""
    view.__relais_public__ = True  # type: ignore[attr-defined]
    return view


def record_rule(description: str) -> Callable[[F], F]:
    """Document the record-level rule a view's service applies (shown in the permission matrix)."""

    def decorate(view: F) -> F:
        view.__relais_record_rule__ = description  # type: ignore[attr-defined]
        return view

    return decorate
