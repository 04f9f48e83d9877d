"""What the Pro Santé Connect client and the rest of `shared.auth.psc` both need: the protocol's
constants and the error of a failed login (no Authlib here, so `psc.py` stays light)."""

from __future__ import annotations

from shared.errors import DomainError

SCOPE = "openid scope_all"
ACR_VALUES = "eidas1"
ACCEPTED_ACR = ("eidas1", "eidas2", "eidas3")
# The signatures PSC uses: HS256 with the client secret, RS256 or ES256 with a JWKS key.
SECRET_ALGORITHMS = ("HS256",)
KEY_ALGORITHMS = ("RS256", "ES256")
HTTP_TIMEOUT_SECONDS = 10
# Clock skew allowed on `exp`, `iat`, `nbf`.
LEEWAY_SECONDS = 60


class PscFailed(DomainError):
    """The provider's answer could not be trusted: no session, nothing stored."""

    status, code = 400, "psc_failed"
    default_message = (
        "La connexion avec Pro Santé Connect n'a pas abouti. Recommencez depuis la page de "
        "connexion ; si le problème persiste, contactez la coordination de la CPTS."
    )
