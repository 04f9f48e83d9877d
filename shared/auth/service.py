"""Accounts, passwords, tokens and login throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shared.audit.service import record_audit
from shared.auth.models import ApiToken, LoginFailure, User, UserRole
from shared.auth.passwords import MIN_PASSWORD_LENGTH as MIN_PASSWORD_LENGTH
from shared.auth.passwords import password_problems
from shared.auth.principal import Principal
from shared.auth.roles import ALL_ROLES, DIRECTORY_ROLES
from shared.db import unit_of_work
from shared.errors import Duplicate, NotFound, RateLimited, Unauthenticated, ValidationFailed
from shared.extensions import db
from shared.timeutil import utcnow

MAX_FAILURES = 10
FAILURE_WINDOW = dt.timedelta(minutes=15)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_token(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    *, email: str, password: str, roles: list[str], professional_id: uuid.UUID | None = None
) -> User:
    """Create an account; refuses unknown roles, weak passwords and duplicate e-mails."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if not EMAIL.match(email):
        errors["email"] = ["Adresse e-mail invalide."]
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if not roles:
        errors["roles"] = ["Au moins un rôle est nécessaire."]
    elif unknown:
        errors["roles"] = [f"Rôle inconnu : {', '.join(unknown)} (rôles : {', '.join(ALL_ROLES)})."]
    weak = password_problems(password, user_inputs=tuple(email.replace("@", ".").split(".")))
    if weak:
        errors["password"] = weak
    if set(roles) & set(DIRECTORY_ROLES) and professional_id is None:
        errors["professional_id"] = ["Ce rôle doit être rattaché à une fiche de l'annuaire."]
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        password_hash=_hasher.hash(password),
        professional_id=professional_id,
        role_rows=[UserRole(role=role) for role in sorted(set(roles))],
    )
    try:
        with unit_of_work() as session:
            session.add(user)
    except IntegrityError as exc:
        raise Duplicate("Un compte existe déjà avec cette adresse e-mail.") from exc
    return user


def _recent_failures(email: str, ip: str) -> int:
    since = utcnow() - FAILURE_WINDOW
    return (
        db.session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(
                LoginFailure.at >= since, or_(LoginFailure.email == email, LoginFailure.ip == ip)
            )
        )
        or 0
    )


def issue_token(
    *, email: str, password: str, ip: str, lifetime: dt.timedelta
) -> tuple[str, ApiToken, User]:
    """Check credentials and return a new bearer token; 429 after repeated failures."""
    email = (email or "").strip().lower()
    if _recent_failures(email, ip) >= MAX_FAILURES:
        raise RateLimited()
    user = db.session.scalar(select(User).where(User.email == email))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        valid = user is not None and user.active
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid:
        with unit_of_work() as session:
            session.add(LoginFailure(email=email, ip=ip))
        raise Unauthenticated("Adresse e-mail ou mot de passe incorrect.")
    assert user is not None
    token = secrets.token_urlsafe(32)
    with unit_of_work() as session:
        record = ApiToken(
            token_hash=hash_token(token), user_id=user.id, expires_at=utcnow() + lifetime
        )
        session.add(record)
        record_audit(action="login", user_email=user.email, ip=ip)
    return token, record, user


def resolve_token(token: str) -> Principal:
    """The principal behind a bearer token, or `Unauthenticated`."""
    # One query for the token, its user and the user's roles: this runs on every API call.
    record = (
        db.session.scalars(
            select(ApiToken)
            .options(joinedload(ApiToken.user).joinedload(User.role_rows))
            .where(ApiToken.token_hash == hash_token(token))
        )
        .unique()
        .first()
    )
    if record is None or record.revoked_at is not None or record.expires_at <= utcnow():
        raise Unauthenticated()
    user = record.user
    if not user.active:
        raise Unauthenticated()
    return Principal(
        user_id=user.id,
        email=user.email,
        roles=user.roles,
        professional_id=user.professional_id,
        token=token,
    )


def revoke_token(token: str) -> None:
    """Revoke a token (logout)."""
    with unit_of_work():
        record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        if record is not None and record.revoked_at is None:
            record.revoked_at = utcnow()


def users_with_role(role: str) -> list[User]:
    """Active users holding `role` (e.g. every coordinator, to notify them)."""
    return list(
        db.session.scalars(
            select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True))
        )
    )


def users_for_professional(professional_id: uuid.UUID) -> list[User]:
    """Active accounts linked to one directory entry."""
    return list(
        db.session.scalars(
            select(User).where(User.professional_id == professional_id, User.active.is_(True))
        )
    )


def disable_user(email: str) -> User:
    """Deactivate an account and revoke every token it holds (effective on the next request)."""
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound("Aucun compte avec cette adresse e-mail.")
        user.active = False
        now = utcnow()
        for token in session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = now
    return user
