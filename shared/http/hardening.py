"""HTTP hardening installed once on every app: security headers, cookie flags, no caching.

The request size limit (`MAX_CONTENT_LENGTH`, 413) and strict JSON (415) are enforced by the
settings and `shared.http.parsing`; the error handlers never show a stack trace.
"""

from __future__ import annotations

from flask import Flask, Response, request

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
    """Add the security headers to every response of `app`."""
    production = app.config.get("RELAIS_ENV") == "production"

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
