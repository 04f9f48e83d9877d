"""Settings read from the environment, once, when an app is created."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.crypto import Keyring, KeyringError
from shared.validators import InvalidIdentifier, validate_phone

ENVIRONMENTS = ("development", "test", "production")
DEFAULT_SQLITE_PATH = Path("var") / "relais.sqlite3"
DEFAULT_PORT = 8000
# SECRET_KEY signs the session cookies and derives the pages' delegate tokens: 32 random bytes.
MIN_SECRET_BITS = 256
# A random string spreads over its alphabet; "x" * 64 or "abab…" do not.
MIN_SECRET_BITS_PER_CHARACTER = 3.0
HEX_DIGITS = frozenset(string.hexdigits)
BASE64_CHARACTERS = frozenset(string.ascii_letters + string.digits + "+/-_=")
PRINTABLE_ASCII = 95
KEY_GENERATION_COMMAND = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
TLS_SMTP_SCHEMES = ("smtp+starttls", "smtps")
SMTP_SCHEMES = ("smtp", *TLS_SMTP_SCHEMES)
FINESS = re.compile(r"[0-9]{9}")


class ConfigurationError(RuntimeError):
    """The environment does not describe a safe, complete configuration."""


def normalise_database_url(url: str) -> str:
    """Map `postgresql://` URLs to the psycopg 3 driver the project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def served_url(*, host: str = "127.0.0.1", port: int | str | None = None) -> str:
    """The address `relais run` serves: `PUBLIC_URL` when it is not given, so that the links
    of e-mails lead to the server actually running (an address of every interface is reached
    on this machine's loopback)."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - names the wildcard, binds nothing
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port or DEFAULT_PORT}"


def secret_key_problem(secret: str) -> str | None:
    """Why `secret` is too weak for production (in French, to follow "SECRET_KEY"), or None.

    It must hold at least 32 random bytes, counted by its length over the smallest alphabet it
    uses (hexadecimal, base64, printable characters), and be spread over that alphabet."""
    characters = set(secret)
    alphabet = (
        16
        if characters <= HEX_DIGITS
        else 64
        if characters <= BASE64_CHARACTERS
        else PRINTABLE_ASCII
    )
    length_bits = len(secret.rstrip("=")) * math.log2(alphabet)
    counts = Counter(secret).values()
    spread = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts) if secret else 0.0
    if length_bits >= MIN_SECRET_BITS and spread >= MIN_SECRET_BITS_PER_CHARACTER:
        return None
    return (
        "trop faible : il faut au moins 32 octets aléatoires (43 caractères "
        f"base64 ou 64 chiffres hexadécimaux). Générez-en une avec : {KEY_GENERATION_COMMAND} "
        "(ou : openssl rand -hex 32)."
    )


def _default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"


@dataclass(frozen=True)
class Settings:
    """Typed view of the environment variables documented in the README."""

    env: str = "development"
    database_url: str = field(default_factory=_default_database_url)
    redis_url: str | None = None
    secret_key: str = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production
    smtp_url: str | None = None
    public_url: str = field(default_factory=served_url)
    service_urls: dict[str, str] = field(default_factory=dict)
    token_lifetime_hours: int = 12
    encryption_keys: str | None = None
    proposal_reminder_days: int = 7
    proposal_expiry_days: int = 14
    # How far from the patient's commune the allocation looks for a GP (contract, "Matching").
    matching_radius_km: float = 30.0
    audit_retention_days: int = 365
    # Page sessions: signed out 12 h after signing in, or after 30 min without a request.
    session_absolute_hours: int = 12
    session_idle_minutes: int = 30
    publication_threshold: int = 5
    metrics_token: str | None = None
    # Reverse proxies in front of the app (the gateway): their X-Forwarded-For gives the caller.
    proxy_hops: int = 0
    log_level: str = "INFO"
    # Notifications delivery (see docs/notifications.md).
    outbox_redispatch_seconds: int = 60
    delivery_retry_seconds: tuple[int, ...] = (10, 60, 300, 1800, 3600)
    delivery_lease_seconds: int = 120
    smtp_timeout_seconds: int = 20
    sweep_interval_seconds: int = 60
    # A busy worker proves it is alive this often; three missed beats mark its job abandoned.
    worker_heartbeat_seconds: int = 10
    rq_result_ttl_seconds: int = 3600
    rq_failure_ttl_seconds: int = 14 * 24 * 3600
    digest_hour: int = 7
    mail_from: str = "Relais <ne-pas-repondre@relais.invalid>"
    # Mutual TLS with an MSSanté operator: the structure's certificate and the operator's CA.
    smtp_client_cert: str | None = None
    smtp_client_key: str | None = None
    smtp_ca_file: str | None = None
    # The SAS slot search (docs/sas.md).
    sas_api_token: str | None = None
    cpts_name: str | None = None
    cpts_finess: str | None = None
    cpts_phone: str | None = None
    # Pro Santé Connect (unset: the button is hidden and its routes answer 404).
    psc_discovery_url: str | None = None
    psc_client_id: str | None = None
    psc_client_secret: str | None = None
    # A password login must give a TOTP code (unless the account holds only `reporting`).
    auth_require_strong: bool = False

    @property
    def psc_enabled(self) -> bool:
        """Whether Pro Santé Connect login is configured."""
        return bool(self.psc_discovery_url and self.psc_client_id and self.psc_client_secret)

    @classmethod
    def from_environ(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        """Build settings from `environ` (the process environment by default)."""
        env = dict(os.environ if environ is None else environ)
        relais_env = env.get("RELAIS_ENV", "development")
        if relais_env not in ENVIRONMENTS:
            raise ConfigurationError(
                f"RELAIS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {relais_env!r}"
            )
        secret_key = env.get("SECRET_KEY")
        if relais_env == "production" and not secret_key:
            raise ConfigurationError("SECRET_KEY is required when RELAIS_ENV=production")
        if relais_env == "production" and (problem := secret_key_problem(secret_key or "")):
            raise ConfigurationError(f"SECRET_KEY {problem}")
        if relais_env == "production" and not env.get("ENCRYPTION_KEYS"):
            # Without it identifiers would be sealed with a key derived from SECRET_KEY.
            raise ConfigurationError("ENCRYPTION_KEYS is required when RELAIS_ENV=production")
        if env.get("ENCRYPTION_KEYS"):
            try:
                Keyring.parse(env["ENCRYPTION_KEYS"])
            except (KeyringError, ValueError) as exc:
                raise ConfigurationError(
                    "ENCRYPTION_KEYS must be kid:base64key[,kid:base64key…] with 32-byte keys "
                    "(relais keys generate)"
                ) from exc
        psc_discovery_url = env.get("PSC_DISCOVERY_URL") or None
        if (
            relais_env == "production"
            and psc_discovery_url
            and not psc_discovery_url.startswith("https://")
        ):
            raise ConfigurationError("PSC_DISCOVERY_URL must be an https:// URL in production")
        service_urls = {
            name: env[f"{name.upper()}_URL"].rstrip("/")
            for name in ("orientation", "agenda", "notifications")
            if env.get(f"{name.upper()}_URL")
        }
        defaults = cls()
        return cls(
            env=relais_env,
            database_url=normalise_database_url(env.get("DATABASE_URL") or _default_database_url()),
            redis_url=env.get("REDIS_URL") or None,
            secret_key=secret_key or defaults.secret_key,
            smtp_url=env.get("SMTP_URL") or None,
            public_url=(env.get("PUBLIC_URL") or served_url(port=env.get("PORT"))).rstrip("/"),
            service_urls=service_urls,
            token_lifetime_hours=int(
                env.get("TOKEN_LIFETIME_HOURS", defaults.token_lifetime_hours)
            ),
            encryption_keys=env.get("ENCRYPTION_KEYS") or None,
            proposal_reminder_days=int(
                env.get("PROPOSAL_REMINDER_DAYS", defaults.proposal_reminder_days)
            ),
            proposal_expiry_days=int(
                env.get("PROPOSAL_EXPIRY_DAYS", defaults.proposal_expiry_days)
            ),
            matching_radius_km=float(env.get("MATCHING_RADIUS_KM", defaults.matching_radius_km)),
            audit_retention_days=int(
                env.get("AUDIT_RETENTION_DAYS", defaults.audit_retention_days)
            ),
            publication_threshold=int(
                env.get("PUBLICATION_THRESHOLD", defaults.publication_threshold)
            ),
            metrics_token=env.get("METRICS_TOKEN") or None,
            proxy_hops=int(env.get("PROXY_HOPS", defaults.proxy_hops)),
            log_level=env.get("LOG_LEVEL", defaults.log_level),
            session_absolute_hours=int(
                env.get("SESSION_ABSOLUTE_HOURS", defaults.session_absolute_hours)
            ),
            session_idle_minutes=int(
                env.get("SESSION_IDLE_MINUTES", defaults.session_idle_minutes)
            ),
            psc_discovery_url=psc_discovery_url,
            psc_client_id=env.get("PSC_CLIENT_ID") or None,
            psc_client_secret=env.get("PSC_CLIENT_SECRET") or None,
            auth_require_strong=_flag(
                env.get("AUTH_REQUIRE_STRONG"), default=relais_env == "production"
            ),
            **_notification_settings(env, defaults),
            **_sas_settings(env),
        )

    def to_flask_config(self) -> dict[str, object]:
        """The Flask config keys derived from these settings."""
        return {
            "RELAIS_SETTINGS": self,
            "RELAIS_ENV": self.env,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "MAX_CONTENT_LENGTH": 1024 * 1024,
            "JSON_SORT_KEYS": False,
            "TESTING": self.env == "test",
            "DEBUG": False,
            "SESSION_COOKIE_NAME": "relais_session",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.env == "production",
            # The cookie's lifetime; the server ends the session itself (shared/auth/sessions.py).
            "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=self.session_absolute_hours),
        }


def _flag(value: str | None, *, default: bool) -> bool:
    """A boolean setting: `true`/`1`/`yes`/`oui` or `false`/`0`/`no`/`non`."""
    if value is None or not value.strip():
        return default
    if value.strip().lower() in ("true", "1", "yes", "oui"):
        return True
    if value.strip().lower() in ("false", "0", "no", "non"):
        return False
    raise ConfigurationError(f"expected true or false, not {value!r}")


def _notification_settings(env: dict[str, str], defaults: Settings) -> dict[str, Any]:
    """The delivery tuning knobs (short values in tests, defaults in production)."""
    retry = env.get("DELIVERY_RETRY_SECONDS")
    return {
        "outbox_redispatch_seconds": int(
            env.get("OUTBOX_REDISPATCH_SECONDS", defaults.outbox_redispatch_seconds)
        ),
        "delivery_retry_seconds": (
            tuple(int(part) for part in retry.split(",") if part.strip())
            if retry
            else defaults.delivery_retry_seconds
        ),
        "delivery_lease_seconds": int(
            env.get("DELIVERY_LEASE_SECONDS", defaults.delivery_lease_seconds)
        ),
        "smtp_timeout_seconds": int(env.get("SMTP_TIMEOUT_SECONDS", defaults.smtp_timeout_seconds)),
        "sweep_interval_seconds": int(
            env.get("SWEEP_INTERVAL_SECONDS", defaults.sweep_interval_seconds)
        ),
        "worker_heartbeat_seconds": int(
            env.get("WORKER_HEARTBEAT_SECONDS", defaults.worker_heartbeat_seconds)
        ),
        "rq_result_ttl_seconds": int(
            env.get("RQ_RESULT_TTL_SECONDS", defaults.rq_result_ttl_seconds)
        ),
        "rq_failure_ttl_seconds": int(
            env.get("RQ_FAILURE_TTL_SECONDS", defaults.rq_failure_ttl_seconds)
        ),
        "digest_hour": int(env.get("DIGEST_HOUR", defaults.digest_hour)),
        "mail_from": env.get("MAIL_FROM") or defaults.mail_from,
        **_smtp_tls_settings(env),
    }


def _smtp_tls_settings(env: dict[str, str]) -> dict[str, Any]:
    """The client certificate and CA of `SMTP_URL`, refused where they could not be used."""
    cert, key = env.get("SMTP_CLIENT_CERT") or None, env.get("SMTP_CLIENT_KEY") or None
    ca_file = env.get("SMTP_CA_FILE") or None
    url = env.get("SMTP_URL") or ""
    if url and urlsplit(url).scheme not in SMTP_SCHEMES:
        # A misspelt TLS scheme must not end up as a clear-text connection.
        raise ConfigurationError(f"SMTP_URL must start with {', '.join(SMTP_SCHEMES)}://")
    if key and not cert:
        raise ConfigurationError("SMTP_CLIENT_KEY needs SMTP_CLIENT_CERT")
    if (cert or ca_file) and not smtp_uses_tls(url):
        # A certificate on a clear-text connection would give a false sense of security.
        raise ConfigurationError(
            "SMTP_CLIENT_CERT and SMTP_CA_FILE need SMTP_URL=smtp+starttls://… or smtps://…"
        )
    return {"smtp_client_cert": cert, "smtp_client_key": key, "smtp_ca_file": ca_file}


def _sas_settings(env: dict[str, str]) -> dict[str, Any]:
    """The SAS endpoint's token and the CPTS it publishes for (FINESS: 9 digits)."""
    finess = (env.get("CPTS_FINESS") or "").strip() or None
    if finess is not None and not FINESS.fullmatch(finess):
        raise ConfigurationError("CPTS_FINESS must be the CPTS's 9-digit FINESS number")
    return {
        "sas_api_token": env.get("SAS_API_TOKEN") or None,
        "cpts_name": (env.get("CPTS_NAME") or "").strip() or None,
        "cpts_finess": finess,
        "cpts_phone": _phone(env.get("CPTS_PHONE"), "CPTS_PHONE"),
    }


def _phone(value: str | None, name: str) -> str | None:
    if not (value or "").strip():
        return None
    try:
        return validate_phone(value or "")
    except InvalidIdentifier as exc:
        raise ConfigurationError(f"{name} must be a French phone number") from exc


def smtp_uses_tls(url: str) -> bool:
    """Whether `SMTP_URL` asks for TLS (implicit, STARTTLS, or the older `?starttls=1`)."""
    parts = urlsplit(url)
    return parts.scheme in TLS_SMTP_SCHEMES or parse_qs(parts.query).get("starttls") == ["1"]
