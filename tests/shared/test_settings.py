"""Settings come from the environment; production refuses to start without a secret key."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from shared.key_rotation import generate_key_spec
from shared.settings import ConfigurationError, Settings


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Settings.from_environ({"RELAIS_ENV": "production"})


def test_production_with_a_secret_key_and_encryption_keys_is_accepted():
    keys = generate_key_spec("k1")
    secret = secrets.token_urlsafe(32)
    settings = Settings.from_environ(
        {"RELAIS_ENV": "production", "SECRET_KEY": secret, "ENCRYPTION_KEYS": keys}
    )
    assert (settings.env, settings.secret_key) == ("production", secret)
    assert settings.encryption_keys == keys


def test_an_unknown_environment_is_refused():
    with pytest.raises(ConfigurationError, match="RELAIS_ENV"):
        Settings.from_environ({"RELAIS_ENV": "staging"})


def test_postgresql_urls_use_the_installed_psycopg_driver():
    settings = Settings.from_environ({"DATABASE_URL": "postgresql://u@h:5432/relais"})
    assert settings.database_url == "postgresql+psycopg://u@h:5432/relais"
    legacy = Settings.from_environ({"DATABASE_URL": "postgres://u@h/relais"})
    assert legacy.database_url == "postgresql+psycopg://u@h/relais"


def test_development_defaults_to_sqlite_without_redis():
    settings = Settings.from_environ({})
    assert settings.env == "development"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/relais.sqlite3")
    assert settings.redis_url is None
    assert settings.service_urls == {}


def test_service_urls_and_limits_are_read():
    settings = Settings.from_environ(
        {"AGENDA_URL": "http://agenda:8000/", "TOKEN_LIFETIME_HOURS": "2", "REDIS_URL": ""}
    )
    assert settings.service_urls == {"agenda": "http://agenda:8000"}
    assert settings.token_lifetime_hours == 2
    assert settings.redis_url is None


def test_the_flask_config_caps_bodies_at_one_megabyte():
    assert Settings().to_flask_config()["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_relais_serve_in_production_without_secret_key_exits_with_an_error(tmp_path):
    env = {
        **os.environ,
        "RELAIS_ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [Path(sys.executable).with_name("relais"), "serve", "orientation", "--port", "18109"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
