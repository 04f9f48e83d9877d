"""Building blocks of a service's pages: the blueprint factory and the `@page` guard."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, redirect, render_template, request, url_for

from shared.errors import DomainError, Forbidden, Unauthenticated
from shared.web.session import session_principal

F = TypeVar("F", bound=Callable[..., Any])


def render_error(error: DomainError):
    """The HTML page of a domain error raised by a page view."""
    return render_template(
        "web/error.html", status=error.status, message=error.message
    ), error.status


def _unauthenticated(_error: Unauthenticated):
    return redirect(url_for("web.home", next=request.full_path.rstrip("?")))


def page_blueprint(name: str, import_name: str, *, url_prefix: str, templates: str) -> Blueprint:
    """A blueprint of pages whose domain errors render as HTML (the API's stay JSON)."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix, template_folder=templates)
    blueprint.register_error_handler(Unauthenticated, _unauthenticated)
    blueprint.register_error_handler(DomainError, render_error)
    return blueprint


def page(*roles: str) -> Callable[[F], F]:
    """Require a logged-in user holding one of `roles` (any role when none is given)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = session_principal()
            if principal is None:
                raise Unauthenticated()
            if roles and not principal.has(*roles):
                raise Forbidden("Cette page n'est pas accessible avec votre rôle.")
            return view(*args, **kwargs)

        wrapper.__relais_page_roles__ = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
