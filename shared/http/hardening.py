"""HTTP hardening installed once on every app: security headers, cookie flags, no caching,
and query strings and form fields that must be storable text.

The request size limit (`MAX_CONTENT_LENGTH`, 413), strict JSON (415) and JSON text that cannot be
stored (NUL, lone surrogates, deep nesting) are enforced by the settings and
`shared.http.parsing`; the error handlers never show a stack trace.
"""

from __future__ import annotations

from flask import Flask, Response, request

from shared.http import uploads
from shared.http.parsing import refuse_unreadable_form_and_query

# Pages load their scripts and styles from our own origin only; nothing may frame them.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def policy_with_images_from(policy: str, origin: str) -> str:
    """`policy`, also allowing images (map tiles) from `origin` and nothing else from there."""
    return policy.replace("img-src 'self' data:", f"img-src 'self' data: {origin}", 1)


HSTS = "max-age=31536000; includeSubDomains"
STATIC_PREFIXES = ("/static/",)


def install(app: Flask) -> None:
    """Add the security headers to every response of `app`; refuse text that cannot be stored."""
    production = app.config.get("RELAIS_ENV") == "production"
    # Upload views raise their own size limit; their files never touch the disk.
    uploads.install(app)
    # A NUL character in `?city=` would reach PostgreSQL, which refuses it: a 500, not a 422.
    app.before_request(refuse_unreadable_form_and_query)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        # A view may tailor its own policy (e.g. a page needing a nonce); the default is strict.
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if production:
            headers["Strict-Transport-Security"] = HSTS
        # Pages and API answers may carry patient data: no browser or proxy keeps a copy.
        if not request.path.startswith(STATIC_PREFIXES):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        # Werkzeug's development server adds its own; gunicorn sends no version (see docs).
        headers.pop("Server", None)
        return response
