"""The Pro Santé Connect client proper: Authlib's Flask client taught PSC's ID tokens and
userinfo answers (see `shared/auth/psc.py` for what PSC does differently). Imported on the
first login through PSC only: Authlib and joserfc are not loaded when the application starts.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Flask
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey

from shared.auth.psc_protocol import (
    ACCEPTED_ACR,
    ACR_VALUES,
    HTTP_TIMEOUT_SECONDS,
    KEY_ALGORITHMS,
    LEEWAY_SECONDS,
    SCOPE,
    SECRET_ALGORITHMS,
    PscFailed,
)
from shared.settings import Settings


class PscApp(FlaskOAuth2App):
    """Authlib's Flask client, reading PSC's ID tokens and userinfo answers."""

    def parse_id_token(self, token, nonce, claims_options=None, claims_cls=None, leeway=120):
        """The ID token's claims, checked: signature, `iss`, `aud`, `exp`, `nonce`, `acr`."""
        claims = self._verified_claims(token["id_token"])
        metadata = self.load_server_metadata()
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": self.client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
            acr={"essential": True, "values": list(ACCEPTED_ACR)},
        )
        try:
            registry.validate(claims)
        except JoseError as error:
            raise PscFailed(details={"reason": f"id_token: {error}"}) from error
        if "azp" in claims and claims["azp"] != self.client_id:
            raise PscFailed(details={"reason": "id_token: azp"})
        return claims

    def psc_userinfo(self, token: dict[str, Any]) -> dict[str, Any]:
        """The userinfo answer, as JSON or as a signed JWT (`application/jwt`)."""
        metadata = self.load_server_metadata()
        response = self.get(metadata["userinfo_endpoint"], token=token)
        response.raise_for_status()
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type == "application/jwt":
            claims = self._verified_claims(response.text.strip())
            if "iss" in claims and claims["iss"] != metadata["issuer"]:
                raise PscFailed(details={"reason": "userinfo: iss"})
            return claims
        try:
            data = response.json()
        except ValueError as error:
            raise PscFailed(details={"reason": "userinfo: not JSON"}) from error
        if not isinstance(data, dict):
            raise PscFailed(details={"reason": "userinfo: not an object"})
        return data

    def _verified_claims(self, compact: str) -> dict[str, Any]:
        """The claims of a JWS signed with the client secret or a key of the provider's JWKS;
        any other algorithm (`none` above all) is refused."""
        try:
            header = jws.extract_compact(compact.encode()).protected
            algorithm = header.get("alg")
            key: OctKey | KeySet
            if algorithm in SECRET_ALGORITHMS:
                key = OctKey.import_key(self.client_secret)
            elif algorithm in KEY_ALGORITHMS:
                key = KeySet.import_key_set(self.fetch_jwk_set(force=True))
            else:
                raise PscFailed(details={"reason": f"alg {algorithm!r} refused"})
            decoded = jwt.decode(compact, key, algorithms=[algorithm])
        except (JoseError, ValueError, KeyError) as error:
            raise PscFailed(details={"reason": f"signature: {error}"}) from error
        return dict(decoded.claims)


class PscOAuth(OAuth):
    oauth2_client_cls = PscApp


def register_psc(app: Flask, settings: Settings) -> PscOAuth:
    """Authlib's registry with the `psc` client of these settings."""
    oauth = PscOAuth(app)
    oauth.register(
        "psc",
        client_id=settings.psc_client_id,
        client_secret=settings.psc_client_secret,
        server_metadata_url=settings.psc_discovery_url,
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": HTTP_TIMEOUT_SECONDS,
        },
        authorize_params={"acr_values": ACR_VALUES},
    )
    return oauth
