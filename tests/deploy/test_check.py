"""`relais check`: what is unsafe for production, with a failing exit status."""

from __future__ import annotations

from click.testing import CliRunner

from services.cli import cli

SAFE = {
    "RELAIS_ENV": "production",
    "SECRET_KEY": "Zq7vKd2Lr9XwB4nTg6HsYc1MpE8fUa3jQo5iVb0xNzW",
    "DATABASE_URL": "postgresql://relais@db:5432/relais",
    "REDIS_URL": "redis://redis:6379/0",
    "SMTP_URL": "smtp://relay.example:587",
    "ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
    "PUBLIC_URL": "https://relais.example",
    "METRICS_TOKEN": None,
    "FLASK_DEBUG": None,
}


def run_check(**overrides: str | None):
    return CliRunner().invoke(cli, ["check"], env={**SAFE, **overrides})


def test_a_complete_production_configuration_passes():
    result = run_check()
    assert result.exit_code == 0, result.output
    assert "Aucun réglage dangereux." in result.output


def test_the_development_defaults_are_listed_as_unsafe():
    result = run_check(
        RELAIS_ENV=None,
        SECRET_KEY=None,
        DATABASE_URL=None,
        SMTP_URL=None,
        ENCRYPTION_KEYS=None,
        PUBLIC_URL=None,
        REDIS_URL=None,
    )
    assert result.exit_code == 1
    for setting in (
        "RELAIS_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "SMTP_URL",
        "ENCRYPTION_KEYS",
        "PUBLIC_URL",
    ):
        assert f"[DANGER] {setting} :" in result.output
    assert "[conseil] REDIS_URL :" in result.output


def test_a_missing_secret_in_production_is_reported_not_a_crash():
    result = run_check(SECRET_KEY=None)
    assert result.exit_code == 1
    assert "[DANGER] SECRET_KEY : absente" in result.output
    assert "Traceback" not in result.output


def test_debug_mode_a_weak_secret_and_sqlite_are_unsafe():
    for overrides, setting in (
        ({"FLASK_DEBUG": "1"}, "FLASK_DEBUG"),
        ({"SECRET_KEY": "court"}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-only-secret-key-change-me"}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:////srv/relais.sqlite3"}, "DATABASE_URL"),
        ({"ENCRYPTION_KEYS": "pas-une-clé"}, "ENCRYPTION_KEYS"),
        ({"METRICS_TOKEN": "123"}, "METRICS_TOKEN"),
    ):
        result = run_check(**overrides)
        assert result.exit_code == 1, overrides
        assert f"[DANGER] {setting} :" in result.output, result.output


def test_advice_alone_does_not_fail_the_check():
    result = run_check(REDIS_URL=None)
    assert result.exit_code == 0
    assert "[conseil] REDIS_URL :" in result.output
