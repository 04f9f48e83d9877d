"""Domain errors, raised by services and mapped once to the contract's error shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """Base of every error a service raises on purpose; carries a French message."""

    status = 400
    code = "bad_request"
    default_message = "La requête est invalide."

    def __init__(self, message: str | None = None, *, details: Mapping[str, object] | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.details = dict(details or {})


class BadRequest(DomainError):
    status, code = 400, "bad_request"
    default_message = "Le corps de la requête n'est pas un JSON valide."


class Unauthenticated(DomainError):
    status, code = 401, "unauthenticated"
    default_message = "Authentification requise : jeton absent, invalide ou expiré."


class Forbidden(DomainError):
    status, code = 403, "forbidden"
    default_message = "Vous n'avez pas les droits pour cette action."


class NotFound(DomainError):
    status, code = 404, "not_found"
    default_message = "Ressource introuvable."


class Conflict(DomainError):
    status = 409


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = "Cette action n'est pas possible dans l'état actuel du dossier."


class VersionConflict(Conflict):
    code = "version_conflict"
    default_message = "Le dossier a été modifié entre-temps : rechargez-le avant de recommencer."


class SlotTaken(Conflict):
    code = "slot_already_booked"
    default_message = "Ce créneau est déjà réservé."


class Duplicate(Conflict):
    code = "duplicate"
    default_message = "Un dossier ouvert existe déjà pour ce patient."


class PayloadTooLarge(DomainError):
    status, code = 413, "payload_too_large"
    default_message = "La requête est trop volumineuse (1 Mo au maximum)."


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"
    default_message = "Le contenu doit être envoyé au format JSON (Content-Type: application/json)."


class ValidationFailed(DomainError):
    status, code = 422, "validation_error"
    default_message = "Certaines données sont invalides."

    def __init__(self, fields: Mapping[str, Sequence[str]], message: str | None = None):
        super().__init__(message)
        self.fields = {key: list(messages) for key, messages in fields.items()}


class RateLimited(DomainError):
    status, code = 429, "rate_limited"
    default_message = "Trop de tentatives : réessayez dans quelques minutes."

    def __init__(self, message: str | None = None, *, retry_after: int = 15 * 60):
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    status, code = 503, "service_unavailable"
    default_message = "Un service nécessaire est momentanément indisponible. Réessayez plus tard."
