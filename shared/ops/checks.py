"""What makes a configuration unsafe for production (`relais check`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import create_engine, select
from sqlalchemy.exc import SQLAlchemyError

from shared.auth.models import User, UserRole
from shared.auth.roles import REPORTING
from shared.crypto import Keyring, KeyringError
from shared.settings import ConfigurationError, Settings, secret_key_problem

MIN_METRICS_TOKEN_LENGTH = 16
TRUTHY = {"1", "true", "yes", "on"}
# A well-formed keyring and a strong key, so that the rest of the settings parse when
# ENCRYPTION_KEYS or SECRET_KEY is bad.
PLACEHOLDER_KEYS = "check:" + "A" * 43
PLACEHOLDER_SECRET = hashlib.sha256(b"relais check placeholder").hexdigest()


@dataclass(frozen=True)
class Finding:
    """One problem: `unsafe` ones make `relais check` fail, the others are advice."""

    setting: str
    message: str
    unsafe: bool = True


def check_environment(environ: Mapping[str, str]) -> list[Finding]:
    """Every unsafe or doubtful setting of `environ`, for a production deployment."""
    findings: list[Finding] = []
    env = environ.get("RELAIS_ENV", "development")
    if env != "production":
        findings.append(
            Finding(
                "RELAIS_ENV", f"vaut « {env} » : les réglages de production ne s'appliquent pas."
            )
        )
    secret = environ.get("SECRET_KEY", "")
    if not secret:
        findings.append(
            Finding("SECRET_KEY", "absente : les jetons et sessions seraient prévisibles.")
        )
    elif problem := secret_key_problem(secret):
        findings.append(Finding("SECRET_KEY", problem))
    if environ.get("FLASK_DEBUG", "").lower() in TRUTHY:
        findings.append(Finding("FLASK_DEBUG", "le mode débogage est activé."))
    findings.extend(_encryption_key_findings(environ.get("ENCRYPTION_KEYS", "")))
    try:
        # Missing or unreadable secrets are reported above; look at the rest of the
        # environment anyway (the placeholders only let the settings parse, never encrypt).
        settings = Settings.from_environ(
            {**environ, "SECRET_KEY": PLACEHOLDER_SECRET, "ENCRYPTION_KEYS": PLACEHOLDER_KEYS}
        )
    except (ConfigurationError, ValueError) as exc:
        findings.append(Finding("environnement", f"invalide : {exc}"))
        return findings
    if settings.database_url.startswith("sqlite"):
        findings.append(
            Finding(
                "DATABASE_URL", "SQLite n'est pas fait pour la production : utilisez PostgreSQL."
            )
        )
    if not settings.smtp_url:
        findings.append(Finding("SMTP_URL", "absente : aucun e-mail ne sera envoyé."))
    if not settings.public_url.startswith("https://"):
        findings.append(Finding("PUBLIC_URL", "n'est pas en HTTPS."))
    if settings.metrics_token and len(settings.metrics_token) < MIN_METRICS_TOKEN_LENGTH:
        findings.append(
            Finding(
                "METRICS_TOKEN", f"trop court (au moins {MIN_METRICS_TOKEN_LENGTH} caractères)."
            )
        )
    if not settings.redis_url:
        findings.append(
            Finding(
                "REDIS_URL",
                "absente : les notifications partent dans le processus web, sans worker "
                "(acceptable pour un seul processus seulement).",
                unsafe=False,
            )
        )
    return findings


def _encryption_key_findings(spec: str) -> list[Finding]:
    """ENCRYPTION_KEYS absent or unreadable (production refuses to start with either)."""
    if not spec:
        return [
            Finding(
                "ENCRYPTION_KEYS",
                "absente : obligatoire en production pour chiffrer le NIR et le téléphone "
                "(relais keys generate).",
            )
        ]
    try:
        Keyring.parse(spec)
    except (KeyringError, ValueError):
        return [Finding("ENCRYPTION_KEYS", "illisible : attendu kid:base64(32 octets)[,…].")]
    return []


def accounts_without_strong_login(database_url: str) -> list[str]:
    """E-mails of the active accounts that need a second factor but have none: no TOTP and no
    Pro Santé Connect identity (holding any role but `reporting`)."""
    users, roles = User.__table__, UserRole.__table__
    options = (
        {"connect_args": {"connect_timeout": 5}} if database_url.startswith("postgres") else {}
    )
    engine = create_engine(database_url, **options)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(users.c.email, roles.c.role)
                .join(roles, roles.c.user_id == users.c.id)
                .where(
                    users.c.active.is_(True),
                    users.c.totp_secret.is_(None),
                    users.c.idnps.is_(None),
                )
            ).all()
    finally:
        engine.dispose()
    return sorted({email for email, role in rows if role != REPORTING})


def check_accounts(environ: Mapping[str, str]) -> list[Finding]:
    """Accounts that could not log in strongly (unsafe when `AUTH_REQUIRE_STRONG` holds)."""
    try:
        settings = Settings.from_environ(
            {**environ, "SECRET_KEY": PLACEHOLDER_SECRET, "ENCRYPTION_KEYS": PLACEHOLDER_KEYS}
        )
        weak = accounts_without_strong_login(settings.database_url)
    except (ConfigurationError, ValueError, SQLAlchemyError) as exc:
        return [Finding("comptes", f"non vérifiés (base de données injoignable : {exc})", False)]
    if not weak:
        return []
    shown = ", ".join(weak[:20]) + (" …" if len(weak) > 20 else "")
    return [
        Finding(
            "AUTH_REQUIRE_STRONG",
            f"{len(weak)} compte(s) sans double authentification ni Pro Santé Connect ne "
            f"pourront pas se connecter par mot de passe : {shown}.",
            unsafe=settings.auth_require_strong,
        )
    ]
