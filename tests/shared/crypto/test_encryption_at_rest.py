"""Identifiers never reach the disk in clear; keys rotate without losing a value."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Text, select, type_coerce

from services.bootstrap import SERVICES, create_app
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.extensions import db
from shared.key_rotation import generate_key_spec, rotate_keys, stale_values
from tests.support import payloads
from tests.support.at_rest import pg_dump_data, sqlite_file_bytes

K1, K2 = generate_key_spec("k1"), generate_key_spec("k2")


def _submit(client, headers, body=None):
    body = body or payloads.signalement()
    response = client.post("/api/orientation/signalements", json=body, headers=headers)
    return body, response


def _identifiers(body) -> list[bytes]:
    patient = body["patient"]
    return [patient["nir"].encode(), patient["phone"].encode(), b"+33612345678"]


def test_the_sqlite_file_holds_no_identifier_in_clear(backend, settings, client, accounts):
    if backend != "sqlite":
        pytest.skip("the embedded SQLite file")
    body, response = _submit(client, accounts.create("professional"))
    assert response.status_code == 201
    raw = sqlite_file_bytes(settings.database_url)
    # The name is stored in clear: finding it proves we read the right bytes.
    assert body["patient"]["last_name"].encode() in raw
    for identifier in _identifiers(body):
        assert identifier not in raw


@pytest.mark.postgres_only
def test_a_pg_dump_holds_no_identifier_in_clear(settings, client, accounts, tmp_path):
    body, response = _submit(client, accounts.create("professional"))
    assert response.status_code == 201
    dump = pg_dump_data(settings.database_url)
    assert body["patient"]["last_name"].encode() in dump
    for identifier in _identifiers(body):
        assert identifier not in dump


def _app_with_keys(settings, keys: str):
    return create_app(SERVICES, dataclasses.replace(settings, encryption_keys=keys))


def _stored_kids(app) -> set[str]:
    with app.app_context():
        raw = type_coerce(MedecinTraitantCase.patient_nir, Text)
        return {value.split(":", 1)[0] for value in db.session.scalars(select(raw))}


def test_keys_rotate_without_losing_values_or_duplicate_detection(settings, app, accounts):
    headers = accounts.create("coordinator")
    old_app = _app_with_keys(settings, K1)
    first, response = _submit(old_app.test_client(), headers)
    assert response.status_code == 201
    case_id = response.get_json()["id"]

    rotated = _app_with_keys(settings, f"{K2},{K1}")
    client = rotated.test_client()
    # The old value stays readable while its key is listed; new writes use the new key.
    read = client.get(f"/api/orientation/cases/{case_id}", headers=headers).get_json()
    assert read["patient"]["nir"] == first["patient"]["nir"]
    _, second = _submit(client, headers)
    assert second.status_code == 201
    assert _stored_kids(rotated) == {"k1", "k2"}

    with rotated.app_context():
        assert stale_values() == {"orientation_mt_cases": 2}  # the first case's NIR and phone
        assert rotate_keys().rows["orientation_mt_cases"] == 2
        assert stale_values() == {}
    assert _stored_kids(rotated) == {"k2"}

    new_only = _app_with_keys(settings, K2)
    again = new_only.test_client()
    read = again.get(f"/api/orientation/cases/{case_id}", headers=headers).get_json()
    assert read["patient"]["nir"] == first["patient"]["nir"]
    assert read["patient"]["phone"] == response.get_json()["patient"]["phone"]
    # Hashes were recomputed with the new key: the same patient is still recognised.
    _, duplicate = _submit(again, headers, body=first)
    assert duplicate.status_code == 409
    for extra in (old_app, rotated, new_only):
        with extra.app_context():
            db.engine.dispose()


def test_keys_commands_generate_and_rotate(cli_runner):
    generated = cli_runner(["keys", "generate", "--kid", "k2027"])
    assert generated.exit_code == 0
    kid, _, key = generated.output.strip().partition(":")
    assert kid == "k2027" and len(key) == 43
    rotated = cli_runner(["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "orientation_mt_cases : 0 ligne(s)" in rotated.output
