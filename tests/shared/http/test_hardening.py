"""Security headers, size and type limits, no stack traces, no identities in URLs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from marshmallow import Schema
from werkzeug.routing import AnyConverter, IntegerConverter, UUIDConverter

from services.bootstrap import SERVICES, create_app
from shared.auth.permissions import public
from shared.http.converters import KeyedHashConverter
from shared.settings import Settings
from tests.support.web import log_in

SIGNALEMENTS = "/api/orientation/signalements"
# Query or path parameters that would put an identity in URLs (and so in proxy/access logs).
# Free text allowed in a path: a transition name, a static file, the single-use secret of an
# invitation or reset link, and the unknown FHIR resource type the SAS endpoint answers with 404.
FREE_TEXT_PATH_PARAMETERS = ("name", "filename", "token", "anything")
IDENTITY_PARAMETER = re.compile(r"name|nom|nir|ins\b|phone|tel|birth|naissance|email", re.I)


def _production_app(settings: Settings):
    return create_app(
        SERVICES,
        Settings(
            env="production",
            database_url=settings.database_url,
            secret_key="production-secret-for-tests-only",  # noqa: S106
            encryption_keys="k1:" + "B" * 43,
        ),
    )


@pytest.mark.parametrize("path", ["/healthz", "/api/orientation/cases", "/nowhere"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # only behind TLS, in production
    assert "Server" not in headers


def test_production_adds_hsts(settings):
    app = _production_app(settings)
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_body_over_one_megabyte_is_refused_with_json(client, accounts):
    headers = accounts.create("coordinator")
    big = b'{"patient": "' + b"x" * (1024 * 1024) + b'"}'
    response = client.post(
        SIGNALEMENTS, data=big, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_a_body_that_is_not_json_is_refused(client, accounts):
    headers = accounts.create("coordinator")
    response = client.post(SIGNALEMENTS, data="nom=Dupont", headers=headers)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_production_errors_show_no_stack_trace_nor_the_exception_text(settings):
    app = _production_app(settings)

    @public
    def explode():
        raise RuntimeError("NIR 185047512345678 of Jeanne Testnom")

    app.add_url_rule("/api/orientation/explode", "explode", explode)
    response = app.test_client().get("/api/orientation/explode")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "185047512345678", "Testnom"):
        assert leak not in text


def test_a_caller_request_id_is_echoed_only_when_harmless(client):
    assert client.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"] == (
        "abc-123"
    )
    forged = client.get("/healthz", headers={"X-Request-Id": "<script>" + "x" * 100})
    assert re.fullmatch(r"[0-9a-f]{16}", forged.headers["X-Request-Id"])


def _query_fields(view) -> list[str]:
    doc = getattr(view, "__relais_doc__", None) or {}
    schema = doc.get("query")
    if schema is None:
        return []
    instance = schema() if isinstance(schema, type) else schema
    assert isinstance(instance, Schema)
    return [field.data_key or name for name, field in instance.fields.items()]


def test_no_route_takes_a_name_or_identifier_in_its_url(app):
    offending = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for name in _query_fields(view):
            if IDENTITY_PARAMETER.search(name):
                offending.append(f"{rule.rule}: ?{name}")
        for name, converter in rule._converters.items():
            # Path segments are ids (keyed hashes included) or one of a closed set
            # (`any(csv, xlsx)`); free text only as FREE_TEXT_PATH_PARAMETERS says.
            if not isinstance(
                converter, UUIDConverter | IntegerConverter | AnyConverter | KeyedHashConverter
            ) and name not in (FREE_TEXT_PATH_PARAMETERS):
                offending.append(f"{rule.rule}: <{name}>")
    assert offending == []


@pytest.mark.slow
def test_the_served_app_announces_no_server_version(tmp_path):
    env = {
        **os.environ,
        "RELAIS_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'relais.sqlite3'}",
        "REDIS_URL": "",
    }
    server = subprocess.Popen(  # noqa: S603 - our own CLI
        [str(Path(sys.executable).parent / "relais"), "run", "--port", "18801"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:18801/healthz") as response:  # noqa: S310
                    server_header = response.headers.get("Server", "")
                    csp = response.headers["Content-Security-Policy"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert not re.search(r"\d", server_header)
    assert "frame-ancestors 'none'" in csp


def test_the_patient_page_takes_only_a_keyed_hash_in_its_url(app, client, accounts):
    coordinator = accounts.create("coordinator")
    log_in(client, coordinator["X-Test-Email"])
    unknown = "Aucun dossier de ce patient ne vous est accessible."
    by_name = client.get("/orientation/patients/Dupont-Jean-1950")
    assert by_name.status_code == 404 and unknown not in by_name.text  # no such route
    by_hash = client.get("/orientation/patients/" + "0" * 64)
    assert by_hash.status_code == 404 and unknown in by_hash.text  # the page, no case of theirs
