"""Accounts, passwords, credentials checks and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shared.audit.service import record_audit
from shared.auth.models import NO_PASSWORD, ApiToken, PageSession, User, UserRole
from shared.auth.passwords import password_problems
from shared.auth.principal import Principal
from shared.auth.roles import ALL_ROLES, DIRECTORY_ROLES
from shared.auth.throttle import forget_failures, record_failure, reserve_attempt
from shared.auth.token_cache import TTL, Resolved, cached_principal, token_cache
from shared.auth.totp import check_second_factor, needs_second_factor
from shared.db import unit_of_work
from shared.errors import Duplicate, NotFound, RateLimited, Unauthenticated, ValidationFailed
from shared.extensions import db
from shared.timeutil import utcnow

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths cost the same time: the hash of a
# random password that was not kept, made with `_hasher`'s parameters (a test checks they still
# agree). Written here rather than made at import, which cost every process (each `relais`
# command included) 0.2 s of CPU and 64 MB of memory at start-up.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4"
    "$N0V+bOJq2HIQu5gRhqJOhQ$Ti/ybs2AJxeNhveZJ+Sr2cuOYalDFF2VuMNAm4b6PqQ"
)


def hash_password(password: str) -> str:
    """The stored form of a password (argon2id)."""
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether `password` is the one `stored_hash` was made from."""
    try:
        return _hasher.verify(stored_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


def account_problems(
    *, email: str | None, roles: list[str], professional_id: uuid.UUID | None
) -> dict[str, list[str]]:
    """French messages about an account's e-mail (unless None), roles and directory link."""
    errors: dict[str, list[str]] = {}
    if email is not None and not EMAIL.match(email):
        errors["email"] = ["Adresse e-mail invalide."]
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if not roles:
        errors["roles"] = ["Au moins un rôle est nécessaire."]
    elif unknown:
        errors["roles"] = [f"Rôle inconnu : {', '.join(unknown)} (rôles : {', '.join(ALL_ROLES)})."]
    if set(roles) & set(DIRECTORY_ROLES) and professional_id is None:
        errors["professional_id"] = ["Ce rôle doit être rattaché à une fiche de l'annuaire."]
    return errors


@contextmanager
def opening_account(
    *,
    email: str,
    roles: list[str],
    password: str | None = None,
    professional_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    idnps: str | None = None,
    weak_password_allowed: bool = False,
) -> Iterator[User]:
    """A new account, checked, added and flushed in a unit of work that commits after the
    caller's block; 409 when its e-mail or IDNPS is taken, and then nothing is stored.

    Without `password` it logs in through PSC or a link. `weak_password_allowed` is for the
    demo accounts (their password is printed for anyone to try): never honoured in
    production."""
    email = email.strip().lower()
    errors = account_problems(email=email, roles=roles, professional_id=professional_id)
    if password is not None:
        weak = password_problems(password, email=email)
        if weak and not (
            weak_password_allowed and current_app.config["RELAIS_ENV"] != "production"
        ):
            errors["password"] = weak
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        password_hash=NO_PASSWORD if password is None else hash_password(password),
        professional_id=professional_id,
        organisation_id=organisation_id,
        idnps=idnps or None,
        role_rows=[UserRole(role=role) for role in sorted(set(roles))],
    )
    try:
        with unit_of_work() as session:
            session.add(user)
            session.flush()
            yield user
    except IntegrityError as error:
        taken = "cette adresse e-mail ou cet IDNPS" if idnps else "cette adresse e-mail"
        raise Duplicate(f"Un compte existe déjà avec {taken}.") from error


def create_user(
    *,
    email: str,
    password: str,
    roles: list[str],
    professional_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    idnps: str | None = None,
    weak_password_allowed: bool = False,
) -> User:
    """Create an account; refuses unknown roles, weak passwords and duplicate e-mails."""
    with opening_account(
        email=email,
        password=password,
        roles=roles,
        professional_id=professional_id,
        organisation_id=organisation_id,
        idnps=idnps,
        weak_password_allowed=weak_password_allowed,
    ) as user:
        pass
    return user


def authenticate(*, email: str, password: str, ip: str, totp: str | None = None) -> User:
    """The active account matching the credentials: `Unauthenticated` otherwise, and
    `RateLimited` (without checking the password) while guessing is throttled. The second
    factor (`totp`: a TOTP or recovery code) is checked when the account needs one."""
    email = (email or "").strip().lower()
    reserve_attempt(email=email, ip=ip)
    user = db.session.scalar(select(User).where(User.email == email))
    matches = password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if not (matches and user is not None and user.active):
        record_failure(email=email, ip=ip)
        raise Unauthenticated("Adresse e-mail ou mot de passe incorrect.")
    assert user is not None
    settings = current_app.config["RELAIS_SETTINGS"]
    if needs_second_factor(user, require_strong=settings.auth_require_strong):
        try:
            check_second_factor(user, totp)
        except (Unauthenticated, RateLimited):
            # The password was right: that attempt is settled here, and codes are throttled
            # on their own count.
            with unit_of_work():
                forget_failures(email=email, ip=ip)
            raise
    return user


def record_login(user: User, *, ip: str, method: str = "password") -> None:
    """Inside the unit of work opening the token or session: audit the login, note when and
    how it happened, forget the failures it ends."""
    if method == "password":
        forget_failures(email=user.email, ip=ip)
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(last_login_at=utcnow(), last_login_method=method)
    )
    record_audit(action="login", user_email=user.email, ip=ip)


def principal_for(user: User, *, token: str | None, auth_method: str = "token") -> Principal:
    """The principal of `user`, calling with `token` (the other services accept it)."""
    return Principal(
        user_id=user.id,
        email=user.email,
        roles=user.roles,
        professional_id=user.professional_id,
        organisation_id=user.organisation_id,
        token=token,
        auth_method=auth_method,
    )


def issue_token(
    *, email: str, password: str, ip: str, lifetime: dt.timedelta, totp: str | None = None
) -> tuple[str, ApiToken, User]:
    """Check credentials and return a new bearer token; 429 while guessing is throttled."""
    user = authenticate(email=email, password=password, ip=ip, totp=totp)
    token = secrets.token_urlsafe(32)
    with unit_of_work() as session:
        record = ApiToken(
            token_hash=hash_token(token), user_id=user.id, expires_at=utcnow() + lifetime
        )
        session.add(record)
        record_login(user, ip=ip)
    return token, record, user


def resolve_token(token: str) -> Principal:
    """The principal behind a bearer token, or `Unauthenticated`; served from the token cache
    while the account's `auth_version` has not moved (`shared/auth/token_cache.py`)."""
    token_hash = hash_token(token)
    now = utcnow()
    cached = cached_principal(token_hash, now)
    if cached is not None:
        return cached
    # One query for the token, its user and the user's roles, read afresh (never from objects
    # the session already holds): what it finds is kept in the cache.
    record = (
        db.session.scalars(
            select(ApiToken)
            .options(
                joinedload(ApiToken.user).joinedload(User.role_rows),
                joinedload(ApiToken.page_session),
            )
            .where(ApiToken.token_hash == token_hash)
            .execution_options(populate_existing=True)
        )
        .unique()
        .first()
    )
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        raise Unauthenticated()
    if not record.user.active:
        raise Unauthenticated()
    until = min(now + TTL, record.expires_at)
    page_session = record.page_session
    if page_session is not None:
        if not page_session.is_live(now):
            raise Unauthenticated()
        until = min(until, page_session.idle_expires_at, page_session.expires_at)
    # A page session's delegate token was opened by that session's login.
    method = page_session.method if page_session is not None else "token"
    principal = principal_for(record.user, token=token, auth_method=method)
    token_cache().put(
        token_hash,
        Resolved(
            principal=principal,
            user_id=record.user_id,
            version=record.user.auth_version,
            until=until,
        ),
    )
    return principal


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
    """Deactivate an account, revoke every token and end every page session it holds
    (effective on the next request)."""
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound("Aucun compte avec cette adresse e-mail.")
        user.active = False
        now = utcnow()
        for model in (ApiToken, PageSession):
            session.execute(
                update(model)
                .where(model.user_id == user.id, model.revoked_at.is_(None))
                .values(revoked_at=now)
            )
    return user
