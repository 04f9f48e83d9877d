"""Map every error to the contract's JSON shape, once for all services."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from shared.errors import DomainError, RateLimited, ValidationFailed

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: ("bad_request", "La requête est invalide."),
    401: ("unauthenticated", "Authentification requise."),
    403: ("forbidden", "Vous n'avez pas les droits pour cette action."),
    404: ("not_found", "Ressource introuvable."),
    405: ("method_not_allowed", "Méthode HTTP non autorisée pour cette adresse."),
    409: ("conflict", "Conflit avec l'état actuel de la ressource."),
    413: ("payload_too_large", "La requête est trop volumineuse (1 Mo au maximum)."),
    415: ("unsupported_media_type", "Le contenu doit être envoyé au format JSON."),
    422: ("validation_error", "Certaines données sont invalides."),
    429: ("rate_limited", "Trop de requêtes : réessayez dans quelques minutes."),
    503: ("service_unavailable", "Service momentanément indisponible."),
}


def error_response(
    status: int, code: str, message: str, fields: dict | None = None, details: dict | None = None
):
    """Build the contract's error body."""
    error: dict[str, object] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    if details:
        error.update(details)
    response = jsonify({"error": error})
    response.status_code = status
    return response


def http_error_response(error: HTTPException):
    """The contract's JSON for an HTTP error raised by Flask or Werkzeug (404, 405…)."""
    status = error.code or 500
    code, message = HTTP_CODES.get(status, ("error", "Erreur."))
    response = error_response(status, code, message)
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def unexpected_error_response(error: Exception):
    """Log an unexpected error (its type only) and answer the contract's 500."""
    # The exception type only: its text could carry patient data.
    log.error("unexpected error: %s", type(error).__name__, exc_info=current_app.debug)
    return error_response(
        500,
        "internal_error",
        "Une erreur inattendue est survenue. L'équipe technique a été prévenue.",
    )


def register_error_handlers(app: Flask) -> None:
    """Install the handlers that turn domain and HTTP errors into JSON."""

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        fields = error.fields if isinstance(error, ValidationFailed) else None
        response = error_response(error.status, error.code, error.message, fields, error.details)
        if isinstance(error, RateLimited):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    app.register_error_handler(HTTPException, http_error_response)

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError):
        # Connection refused or lost, failover, lock timeout: worth retrying, not a bug.
        log.warning("database unavailable: %s", type(error.orig).__name__)
        return error_response(
            503,
            "service_unavailable",
            "La base de données est momentanément indisponible. Réessayez dans un instant.",
        )

    app.register_error_handler(Exception, unexpected_error_response)
