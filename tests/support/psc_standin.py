"""A stand-in for Pro Santé Connect: a small OpenID provider served on 127.0.0.1 by the tests.

It behaves like PSC where PSC differs from a stock provider: discovery at
`/realms/esante-wallet/.well-known/wallet-openid-configuration`, an authorization endpoint on
another host name (`localhost`) than the issuer (`127.0.0.1`), `scope_all` and
`acr_values=eidas1` required, ID tokens signed HS256 with the client secret or RS256 with a key
of its JWKS, userinfo as JSON or as a signed JWT, PSC-shaped claims, and an end-session endpoint
that returns without `state`. It checks what a real provider checks (client_secret_basic, PKCE
S256, the redirect URI, single-use codes), and `Behaviour` makes it misbehave on purpose.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from shared.settings import Settings
from tests.support.servers import serve_wsgi

REALM = "/realms/esante-wallet"
DISCOVERY_PATH = f"{REALM}/.well-known/wallet-openid-configuration"
CLIENT_ID = "relais-test-client"
CLIENT_SECRET = "s3cr3t-of-the-test-client-" + "x" * 16


@dataclass
class Behaviour:
    """How the stand-in answers the next logins (tests change it between steps)."""

    alg: str = "RS256"  # HS256 | RS256 | none
    userinfo_format: str = "json"  # json | jwt
    acr: str | None = "eidas1"
    subject_name_id: str = "810001234567"
    given_name: str = "Camille"
    family_name: str = "Exemple"
    professions: tuple[str, ...] = ("10",)
    # Attacks and faults.
    nonce: str | None = None  # sent instead of the one asked for
    audience: str | None = None
    issuer: str | None = None
    expires_in: int = 300
    sign_with_other_key: bool = False
    userinfo_sub: str | None = None


@dataclass
class Standin:
    base_url: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    authorization_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    logouts: list[dict[str, str]] = field(default_factory=list)

    @property
    def discovery_url(self) -> str:
        return self.base_url + DISCOVERY_PATH

    @property
    def issuer(self) -> str:
        return self.base_url + REALM


def _sha256_b64(value: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).rstrip(b"=").decode()


def build_standin_app(standin: Standin) -> Flask:
    """The provider's endpoints, reading `standin.behaviour` on each request."""
    app = Flask("psc_standin")
    signing_key = RSAKey.generate_key(2048, parameters={"kid": "psc-standin"})
    other_key = RSAKey.generate_key(2048, parameters={"kid": "psc-standin"})
    codes: dict[str, dict[str, Any]] = {}
    access_tokens: dict[str, str] = {}

    def issue_jwt(claims: dict[str, Any]) -> str:
        behaviour = standin.behaviour
        if behaviour.alg == "none":
            header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=")
            body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
            return (header + b"." + body + b".").decode()
        if behaviour.alg == "HS256":
            secret = "not-the-client-secret" if behaviour.sign_with_other_key else CLIENT_SECRET
            return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(secret))
        key = other_key if behaviour.sign_with_other_key else signing_key
        return jwt.encode({"alg": "RS256", "kid": "psc-standin"}, claims, key)

    @app.get(DISCOVERY_PATH)
    def discovery():
        other_host = standin.base_url.replace("127.0.0.1", "localhost")
        return jsonify(
            issuer=standin.issuer,
            authorization_endpoint=f"{other_host}/auth",
            token_endpoint=f"{standin.base_url}{REALM}/token",
            userinfo_endpoint=f"{standin.base_url}{REALM}/userinfo",
            jwks_uri=f"{standin.base_url}{REALM}/certs",
            end_session_endpoint=f"{standin.base_url}{REALM}/logout",
            response_types_supported=["code"],
            id_token_signing_alg_values_supported=["RS256", "HS256"],
            token_endpoint_auth_methods_supported=["client_secret_basic"],
            acr_values_supported=["eidas1", "eidas2"],
        )

    @app.get("/auth")
    def authorize():
        args = request.args.to_dict()
        standin.authorization_requests.append(args)
        scope = args.get("scope", "").split()
        if (
            args.get("response_type") != "code"
            or args.get("client_id") != CLIENT_ID
            or "openid" not in scope
            or "scope_all" not in scope
            or args.get("acr_values") != "eidas1"
            or args.get("code_challenge_method") != "S256"
            or not args.get("code_challenge")
            or not args.get("nonce")
            or not args.get("state")
        ):
            abort(400)
        code = secrets.token_urlsafe(16)
        codes[code] = args
        return redirect(
            args["redirect_uri"] + "?" + urlencode({"code": code, "state": args["state"]})
        )

    @app.post(f"{REALM}/token")
    def token():
        form = request.form.to_dict()
        standin.token_requests.append(
            form | {"authorization": request.headers.get("Authorization", "")}
        )
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return jsonify(error="invalid_client"), 401
        asked = codes.pop(form.get("code", ""), None)
        if (
            asked is None
            or form.get("redirect_uri") != asked["redirect_uri"]
            or _sha256_b64(form.get("code_verifier", "")) != asked["code_challenge"]
        ):
            return jsonify(error="invalid_grant"), 400
        behaviour = standin.behaviour
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": behaviour.issuer or standin.issuer,
            "sub": f"psc-sub-{behaviour.subject_name_id}",
            "aud": behaviour.audience or CLIENT_ID,
            "iat": now,
            "exp": now + behaviour.expires_in,
            "auth_time": now,
            "nonce": behaviour.nonce or asked["nonce"],
            "SubjectNameID": behaviour.subject_name_id,
        }
        if behaviour.acr is not None:
            claims["acr"] = behaviour.acr
        access = secrets.token_urlsafe(16)
        access_tokens[access] = behaviour.userinfo_sub or claims["sub"]
        return jsonify(
            access_token=access,
            token_type="Bearer",
            expires_in=120,
            id_token=issue_jwt(claims),
            scope="openid scope_all",
        )

    @app.get(f"{REALM}/userinfo")
    def userinfo():
        scheme, _, access = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or access not in access_tokens:
            return jsonify(error="invalid_token"), 401
        behaviour = standin.behaviour
        claims = {
            "sub": access_tokens[access],
            "SubjectNameID": behaviour.subject_name_id,
            "given_name": behaviour.given_name,
            "family_name": behaviour.family_name,
            "SubjectRefPro": {
                "codeCivilite": "M",
                "exercices": [
                    {"codeProfession": code, "codeCategorieProfessionnelle": "C"}
                    for code in behaviour.professions
                ],
            },
        }
        if behaviour.userinfo_format == "jwt":
            payload = claims | {"iss": standin.issuer, "aud": CLIENT_ID}
            return issue_jwt(payload), 200, {"Content-Type": "application/jwt"}
        return jsonify(claims)

    @app.get(f"{REALM}/certs")
    def certs():
        return jsonify(keys=[signing_key.as_dict(private=False)])

    @app.get(f"{REALM}/logout")
    def end_session():
        args = request.args.to_dict()
        standin.logouts.append(args)
        # Like PSC: back to the client without any `state`.
        return redirect(args.get("post_logout_redirect_uri", standin.base_url))

    return app


@contextlib.contextmanager
def running_standin() -> Iterator[Standin]:
    """A stand-in served by a thread on a free port of the run's range."""
    holder: dict[str, Flask] = {}

    def dispatch(environ, start_response):
        return holder["app"](environ, start_response)

    with serve_wsgi(dispatch) as base_url:
        standin = Standin(base_url=base_url)
        holder["app"] = build_standin_app(standin)
        yield standin


@pytest.fixture
def standin() -> Iterator[Standin]:
    """The stand-in, running for one test."""
    with running_standin() as provider:
        yield provider


@pytest.fixture
def psc_settings(settings: Settings, standin: Standin) -> Settings:
    """The test settings, with Pro Santé Connect pointed at the stand-in."""
    return dataclasses.replace(
        settings,
        psc_discovery_url=standin.discovery_url,
        psc_client_id=CLIENT_ID,
        psc_client_secret=CLIENT_SECRET,
    )


def main() -> None:
    """Serve the stand-in on its own (for `make run` without ANS credentials)."""
    import argparse

    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    standin = Standin(base_url=f"http://127.0.0.1:{args.port}")
    print(f"PSC_DISCOVERY_URL={standin.discovery_url}")
    print(f"PSC_CLIENT_ID={CLIENT_ID}")
    print(f"PSC_CLIENT_SECRET={CLIENT_SECRET}")
    run_simple("127.0.0.1", args.port, build_standin_app(standin))


if __name__ == "__main__":
    main()
