"""Wire the pages into an app: session cookie, CSRF, principal, headers, HTML errors."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException

from shared.auth.psc import init_psc
from shared.auth.roles import ADMIN, ALL_ROLES, COORDINATOR
from shared.http.errors import HTTP_CODES, http_error_response, unexpected_error_response
from shared.web import labels
from shared.web.account_views import blueprint as account_blueprint
from shared.web.admin_views import blueprint as admin_blueprint
from shared.web.csrf import CsrfFailed, check_csrf, csrf_token
from shared.web.psc_views import blueprint as psc_blueprint
from shared.web.registry import (
    account_links_for,
    add_nav_link,
    nav_groups_for,
    nav_links_for,
    registry,
    tasks_for,
)
from shared.web.session import load_session_principal
from shared.web.views import blueprint

# Scripts and styles only from our own files: injected markup could not run anyway.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def is_page_request() -> bool:
    """True for the pages (not the APIs, FHIR included, not the health checks, not static
    files)."""
    path = request.path
    return not (
        path.startswith(("/api/", "/assets/", "/fhir/"))
        or path in ("/healthz", "/readyz", "/metrics")
    )


def _guarded_page() -> bool:
    """Whether the request goes to a page that `@page` closes to anonymous visitors."""
    view = current_app.view_functions.get(request.endpoint or "")
    return hasattr(view, "__relais_page_roles__")


def register_web(app: Flask) -> None:
    """Mount the shared pages and the hooks every page relies on."""
    app.register_blueprint(blueprint)
    app.register_blueprint(psc_blueprint)
    app.register_blueprint(account_blueprint)
    app.register_blueprint(admin_blueprint)
    # No group: administration and the account go to the user's menu.
    add_nav_link(app, "Comptes", "admin.accounts", ADMIN, order=900)
    add_nav_link(app, "Demandes d'accès", "admin.access_requests", ADMIN, COORDINATOR, order=910)
    add_nav_link(app, "Mon compte", "account.my_account", *ALL_ROLES, order=990)
    init_psc(app)
    app.jinja_env.globals.update(
        csrf_token=csrf_token,
        french_date=labels.french_date,
        french_datetime=labels.french_datetime,
        french_phone=labels.french_phone,
        french_time=labels.french_time,
        pluralize=labels.pluralize,
        role_labels=labels.ROLE_LABELS,
        psc_enabled=app.config["RELAIS_SETTINGS"].psc_enabled,
    )

    @app.before_request
    def _page_session() -> None:
        if not is_page_request():
            return
        load_session_principal()
        if g.get("principal") is None and _guarded_page():
            # Nobody is logged in: `@page` sends the visitor to the login form, whatever the
            # form carried (an expired session must not end on a bare CSRF error).
            return
        check_csrf()

    @app.context_processor
    def _layout() -> dict:
        principal = g.get("principal")
        if principal is None or not is_page_request():
            return {
                "principal": None,
                "nav_links": [],
                "nav_groups": [],
                "account_links": [],
                "search_endpoint": None,
                "task_total": 0,
            }
        return {
            "principal": principal,
            "nav_links": nav_links_for(principal),
            "nav_groups": nav_groups_for(principal),
            "account_links": account_links_for(principal),
            "search_endpoint": registry().search_endpoint,
            "task_total": sum(task.count for task in tasks_for(principal)),
        }

    @app.after_request
    def _page_headers(response):
        if is_page_request():
            # Pages show patient data: never kept by the browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
            # A page may widen it for one purpose (the map's tiles, `g.page_policy`).
            response.headers["Content-Security-Policy"] = g.get("page_policy") or (
                CONTENT_SECURITY_POLICY
            )
            # X-Frame-Options and Referrer-Policy (no-referrer) come from shared.http.hardening.
        return response

    @app.errorhandler(CsrfFailed)
    def _csrf_failed(error: CsrfFailed):
        return render_template(
            "web/error.html", status=error.status, message=error.message
        ), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if not is_page_request():
            return http_error_response(error)
        status = error.code or 500
        message = HTTP_CODES.get(status, ("error", "Une erreur est survenue."))[1]
        if status == 404:
            message = "Cette page n'existe pas (ou plus)."
        return render_template("web/error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if not is_page_request():
            return unexpected_error_response(error)
        unexpected_error_response(error)  # logs it, without patient data
        message = "Une erreur inattendue est survenue. L'équipe technique a été prévenue."
        return render_template("web/error.html", status=500, message=message), 500
