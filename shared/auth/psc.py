"""Pro Santé Connect (PSC): the national OpenID Connect provider of health professionals.

Authlib's Flask client does the protocol (discovery, state, nonce, PKCE S256, the code
exchange with `client_secret_basic`, TLS verified by `requests`); this module and
`psc_client.py` (the client itself, imported on the first PSC login only) add what PSC does
differently from a stock provider:

- the discovery document is not at the standard path (`PSC_DISCOVERY_URL` is the full URL,
  `…/realms/esante-wallet/.well-known/wallet-openid-configuration`), and the authorization
  endpoint is on another host than the issuer: every endpoint is read from that document;
- the request needs `scope=openid scope_all` and `acr_values=eidas1`;
- the ID token may be signed HS256 with the client secret (Authlib only checks JWKS keys) or
  RS256/ES256 with a key of `jwks_uri`; `acr` must be `eidas1`, `eidas2` or `eidas3`;
- the userinfo endpoint may answer a signed JWT (`application/jwt`), which Authlib's
  `userinfo()` cannot read;
- the identity is in `SubjectNameID` (IDNPS: `8` + RPPS), `given_name`, `family_name` and
  `SubjectRefPro.exercices[].codeProfession`;
- logout goes to `end_session_endpoint` with `id_token_hint`, and the provider may come back
  without `state`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Flask, current_app, session

from shared.auth.psc_protocol import PscFailed

__all__ = ["PROFESSIONS", "PscFailed", "PscIdentity", "psc_client"]

if TYPE_CHECKING:
    from shared.auth.psc_client import PscApp

EXTENSION = "relais_psc"
_BUILDING = threading.Lock()
PROFESSIONS = {
    "10": "médecin",
    "21": "pharmacien",
    "40": "chirurgien-dentiste",
    "50": "sage-femme",
    "60": "infirmier",
    "70": "masseur-kinésithérapeute",
}


@dataclass(frozen=True)
class PscIdentity:
    """Who Pro Santé Connect says the person is."""

    idnps: str
    given_name: str
    family_name: str
    professions: tuple[str, ...]
    acr: str
    id_token: str

    @property
    def rpps(self) -> str | None:
        """The RPPS number inside an IDNPS of the form `8` + RPPS."""
        return self.idnps[1:] if self.idnps.startswith("8") and self.idnps[1:].isdigit() else None


def init_psc(app: Flask) -> None:
    """Note whether PSC is configured; its client (Authlib, joserfc: several MB) is built on
    the first login through PSC, not when the application starts."""
    app.extensions[EXTENSION] = None


def psc_client() -> PscApp | None:
    """The app's PSC client, or None when PSC is not configured (discovery happens on first
    use)."""
    settings = current_app.config["RELAIS_SETTINGS"]
    if not settings.psc_enabled:
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _BUILDING:
        oauth = app.extensions.get(EXTENSION)
        if oauth is None:
            from shared.auth.psc_client import register_psc

            oauth = app.extensions[EXTENSION] = register_psc(app, settings)
    return oauth.psc


def authorization_redirect(client: PscApp, *, redirect_uri: str):
    """The redirect to PSC's authorization endpoint (state, nonce and PKCE kept in the
    session cookie until the callback)."""
    from authlib.integrations.base_client import OAuthError

    try:
        return client.authorize_redirect(redirect_uri)
    except (OAuthError, OSError, ValueError, KeyError) as error:
        raise PscFailed(details={"reason": f"authorize: {error}"}) from error


def identity_from_callback(client: PscApp) -> PscIdentity:
    """Exchange the callback's code and return the verified identity; `PscFailed` when the
    state, the ID token or the userinfo answer is wrong."""
    from authlib.integrations.base_client import OAuthError

    try:
        token = client.authorize_access_token()
    except PscFailed:
        raise
    except (OAuthError, OSError, ValueError, KeyError, TypeError) as error:
        # MismatchingStateError (wrong or replayed state) is an OAuthError.
        raise PscFailed(details={"reason": f"token: {error}"}) from error
    claims = token.get("userinfo")
    if not claims:
        # No ID token, or no nonce kept for it: never trusted.
        raise PscFailed(details={"reason": "no id_token"})
    try:
        userinfo = client.psc_userinfo(token)
    except PscFailed:
        raise
    except (OAuthError, OSError, ValueError) as error:
        raise PscFailed(details={"reason": f"userinfo: {error}"}) from error
    if userinfo.get("sub") != claims.get("sub"):
        raise PscFailed(details={"reason": "userinfo sub differs from the id_token's"})
    idnps = str(userinfo.get("SubjectNameID") or claims.get("SubjectNameID") or "").strip()
    if not idnps or len(idnps) > 32:
        raise PscFailed(details={"reason": "no SubjectNameID"})
    return PscIdentity(
        idnps=idnps,
        given_name=str(userinfo.get("given_name") or "")[:200],
        family_name=str(userinfo.get("family_name") or "")[:200],
        professions=_professions(userinfo.get("SubjectRefPro")),
        acr=str(claims["acr"]),
        id_token=token["id_token"],
    )


def _professions(reference: Any) -> tuple[str, ...]:
    """The profession codes of `SubjectRefPro.exercices[]` (a JSON string in some answers)."""
    if isinstance(reference, str):
        try:
            reference = json.loads(reference)
        except ValueError:
            return ()
    exercises = reference.get("exercices") if isinstance(reference, dict) else None
    codes = [
        str(exercise.get("codeProfession"))
        for exercise in exercises or []
        if isinstance(exercise, dict) and exercise.get("codeProfession")
    ]
    return tuple(dict.fromkeys(codes))


def logout_url(client: PscApp, *, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to end the PSC session too (None without an end-session
    endpoint). No state is kept: PSC may come back without it, to a page that needs none."""
    try:
        metadata = client.load_server_metadata()
    except (OSError, ValueError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = client.create_logout_url(id_token_hint=id_token)
    url = result["url"]
    separator = "&" if "?" in url else "?"
    return url + separator + urlencode({"post_logout_redirect_uri": post_logout_redirect_uri})


def forget_psc_state() -> None:
    """Drop any authorization in progress kept in the cookie (after a callback, good or bad)."""
    for key in [key for key in session if key.startswith("_state_psc_")]:
        session.pop(key, None)
