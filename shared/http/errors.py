"""Map every error to the contract's JSON shape, once for all services."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from shared.errors import DomainError, RateLimited, ValidationFailed

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 15 * 60

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


def register_error_handlers(app: Flask) -> None:
    """Install the handlers that turn domain and HTTP errors into JSON."""

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        fields = error.fields if isinstance(error, ValidationFailed) else None
        response = error_response(error.status, error.code, error.message, fields, error.details)
        if isinstance(error, RateLimited):
            # Login throttling counts failures over a 15-minute window.
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        code, message = HTTP_CODES.get(status, ("error", "Erreur."))
        response = error_response(status, code, message)
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # The exception type only: its text could carry patient data.
        log.error("unexpected error: %s", type(error).__name__, exc_info=app.debug)
        return error_response(
            500,
            "internal_error",
            "Une erreur inattendue est survenue. L'équipe technique a été prévenue.",
        )
