"""The `relais` command: accounts, migrations, demo data."""

from __future__ import annotations

import secrets
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, select

from services.cli import cli
from shared.auth.models import User
from shared.extensions import db
from shared.key_rotation import generate_key_spec


@pytest.fixture
def run_cli(app, settings):
    """Invoke `relais …` against the test database (tables emptied by `app` afterwards)."""
    runner = CliRunner()
    env = {
        "DATABASE_URL": settings.database_url,
        "RELAIS_ENV": "test",
        "SECRET_KEY": settings.secret_key,
    }

    def invoke(*args: str, input: str | None = None, database_url: str | None = None):
        return runner.invoke(
            cli,
            list(args),
            input=input,
            env={**env, "DATABASE_URL": database_url or env["DATABASE_URL"]},
        )

    return invoke


PASSWORD = "un mot de passe assez long\n"


def test_user_add_prints_the_new_users_id(run_cli, app):
    result = run_cli(
        "user",
        "add",
        "--email",
        "Coord@Relais.test",
        "--role",
        "coordinator",
        "--role",
        "admin",
        "--password-stdin",
        input=PASSWORD,
    )
    assert result.exit_code == 0, result.output
    user_id = uuid.UUID(result.stdout.strip())
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.email == "coord@relais.test"
        assert user.roles == {"coordinator", "admin"}


def test_the_new_account_can_log_in(run_cli, client):
    run_cli(
        "user",
        "add",
        "--email",
        "new@relais.test",
        "--role",
        "professional",
        "--password-stdin",
        input=PASSWORD,
    )
    response = client.post(
        "/api/auth/token",
        json={"email": "new@relais.test", "password": PASSWORD.strip()},
    )
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["professional"]


def test_a_gp_account_is_linked_to_its_directory_entry(run_cli, app):
    pid = uuid.uuid4()
    result = run_cli(
        "user",
        "add",
        "--email",
        "gp@relais.test",
        "--role",
        "gp",
        "--professional-id",
        str(pid),
        "--password-stdin",
        input=PASSWORD,
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(User, uuid.UUID(result.stdout.strip())).professional_id == pid


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "wizard"], PASSWORD, "Rôle inconnu : wizard"),
        (["--role", "coordinator"], "court\n", "au moins 12 caractères"),
        (["--role", "gp"], PASSWORD, "rattaché à une fiche de l'annuaire"),
        (["--role", "gp", "--professional-id", "42"], PASSWORD, "identifiant (UUID)"),
    ],
)
def test_user_add_refuses_bad_input_with_exit_2_and_a_french_message(
    run_cli, app, args, password, message
):
    result = run_cli(
        "user", "add", "--email", "bad@relais.test", *args, "--password-stdin", input=password
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []


def test_user_add_refuses_a_duplicate_email(run_cli, app):
    first = run_cli(
        "user",
        "add",
        "--email",
        "twice@relais.test",
        "--role",
        "nurse",
        "--professional-id",
        str(uuid.uuid4()),
        "--password-stdin",
        input=PASSWORD,
    )
    assert first.exit_code == 0, first.output
    again = run_cli(
        "user",
        "add",
        "--email",
        "TWICE@relais.test",
        "--role",
        "admin",
        "--password-stdin",
        input=PASSWORD,
    )
    assert again.exit_code == 2
    assert "Un compte existe déjà avec cette adresse e-mail." in again.stderr
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


def test_db_upgrade_is_idempotent(run_cli, settings):
    for _ in range(2):
        result = run_cli("db", "upgrade")
        assert result.exit_code == 0, result.output
        assert "Base de données à jour." in result.stdout


def test_db_upgrade_creates_a_fresh_sqlite_database_and_seed_demo_fills_it(run_cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'relais.sqlite3'}"
    for _ in range(2):
        assert run_cli("db", "upgrade", database_url=url).exit_code == 0
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"auth_users", "audit_entries", "orientation_mt_cases", "agenda_professionals"} <= tables
    seeded = run_cli("seed-demo", database_url=url)
    assert seeded.exit_code == 0, seeded.output
    assert "6 signalements" in seeded.stdout
    assert "coordinator@demo.relais.test" in seeded.stdout
    again = run_cli("seed-demo", database_url=url)
    assert again.exit_code == 0
    assert "déjà présentes" in again.stdout


def test_seed_demo_is_refused_in_production(run_cli, tmp_path, settings):
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["seed-demo"],
        env={
            "RELAIS_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "ENCRYPTION_KEYS": generate_key_spec("k1"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        },
    )
    assert result.exit_code != 0
    assert "refusées en production" in result.output
