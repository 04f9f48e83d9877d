"""Account administration: matching Pro Santé Connect identities, access requests,
invitations, password resets, roles and links, disabling."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError

from shared.auth.hooks import account_hooks
from shared.auth.mail import queue_account_mail
from shared.auth.models import AccessRequest, OneTimeLink, User, UserRole
from shared.auth.passwords import password_problems
from shared.auth.principal import Principal
from shared.auth.psc import PROFESSIONS, PscIdentity
from shared.auth.roles import ADMIN
from shared.auth.service import (
    EMAIL,
    account_problems,
    disable_user,
    hash_password,
    hash_token,
    opening_account,
    password_matches,
)
from shared.auth.throttle import record_failure, reserve_attempt
from shared.auth.totp import enrol
from shared.db import unit_of_work
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.extensions import db
from shared.timeutil import utcnow

INVITATION_LIFETIME = dt.timedelta(hours=72)
RESET_LIFETIME = dt.timedelta(hours=1)
LINK_LIFETIMES = {"invitation": INVITATION_LIFETIME, "reset": RESET_LIFETIME}
# Reset requests per account and per hour beyond which no more e-mails are sent.
RESETS_PER_HOUR = 3
# The same answer whether or not the account exists.
RESET_SENT = (
    "Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé avec un lien "
    "valable une heure."
)
# Reset requests are throttled per address like logins, under a key of their own.
RESET_THROTTLE_KEY = "password-reset"
# `update_account`: a link left as it is.
UNCHANGED = "unchanged"
# The page where a link's secret is used.
LINK_PATH = "/compte/mot-de-passe/{token}"


class LinkInvalid(Conflict):
    status, code = 410, "link_invalid"
    default_message = (
        "Ce lien n'est plus valable (déjà utilisé ou expiré). Demandez-en un nouveau depuis la "
        "page de connexion (« Mot de passe oublié »)."
    )


def account_for_identity(identity: PscIdentity) -> User | None:
    """The account of a PSC identity: the one whose `idnps` it is, else the one linked to the
    directory entry with its RPPS."""
    user = db.session.scalar(select(User).where(User.idnps == identity.idnps))
    if user is not None or identity.rpps is None:
        return user
    professional_id = account_hooks().professional_by_rpps(identity.rpps)
    if professional_id is None:
        return None
    return db.session.scalars(
        select(User).where(User.professional_id == professional_id).order_by(User.created_at)
    ).first()


def _pending_request(idnps: str) -> Select[AccessRequest]:
    return select(AccessRequest).where(
        AccessRequest.idnps == idnps, AccessRequest.status == "pending"
    )


def record_access_request(identity: PscIdentity) -> AccessRequest:
    """The pending request of this person, recorded on their first unknown login."""
    existing = db.session.scalar(_pending_request(identity.idnps))
    if existing is not None:
        return existing
    request = AccessRequest(
        idnps=identity.idnps,
        given_name=identity.given_name,
        family_name=identity.family_name,
        professions=",".join(identity.professions),
    )
    try:
        with unit_of_work() as session:
            session.add(request)
    except IntegrityError:
        # A second login at the same instant recorded it first: one pending request stays.
        return db.session.scalars(_pending_request(identity.idnps)).one()
    return request


def leave_contact(*, request_id: uuid.UUID, email: str) -> AccessRequest:
    """The address where the person wants the answer to their pending request."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise ValidationFailed({"email": ["Adresse e-mail invalide."]})
    with unit_of_work() as session:
        request = session.get(AccessRequest, request_id)
        if request is None or request.status != "pending":
            raise NotFound("Demande introuvable.")
        request.email = email
    return request


def profession_labels(codes: str) -> str:
    """`10,60` → `médecin, infirmier`."""
    return ", ".join(PROFESSIONS.get(code, code) for code in codes.split(",") if code)


def approve_access_request(
    *,
    request_id: uuid.UUID,
    roles: list[str],
    professional_id: uuid.UUID | None,
    email: str | None,
    decided_by: Principal,
    public_url: str,
) -> User:
    """Open the account of a pending request (its PSC identity logs in at once) and tell the
    person by e-mail. Only an admin may grant `admin`."""
    if ADMIN in roles and not decided_by.has(ADMIN):
        raise Forbidden("Seul un administrateur peut donner le rôle administrateur.")
    request = db.session.get(AccessRequest, request_id)
    if request is None:
        raise NotFound("Demande introuvable.")
    if request.status != "pending":
        raise Conflict("Cette demande a déjà été traitée.")
    address = (email or request.email or "").strip().lower()
    with opening_account(
        email=address, roles=roles, professional_id=professional_id, idnps=request.idnps
    ) as user:
        request.status, request.user_id = "approved", user.id
        request.decided_at, request.decided_by = utcnow(), decided_by.email
        queue_account_mail(
            address,
            "Relais : votre compte est ouvert",
            f"Bonjour {request.given_name} {request.family_name},\n\n"
            "La CPTS a ouvert votre compte Relais. Connectez-vous avec Pro Santé Connect "
            f"(carte CPS ou e-CPS) : {public_url}/\n",
        )
    return user


def reject_access_request(*, request_id: uuid.UUID, decided_by: Principal) -> AccessRequest:
    """Refuse a pending request, telling the person when they left an address."""
    with unit_of_work() as session:
        request = session.get(AccessRequest, request_id)
        if request is None:
            raise NotFound("Demande introuvable.")
        if request.status != "pending":
            raise Conflict("Cette demande a déjà été traitée.")
        request.status, request.decided_at = "rejected", utcnow()
        request.decided_by = decided_by.email
        if request.email:
            queue_account_mail(
                request.email,
                "Relais : votre demande d'accès",
                f"Bonjour {request.given_name} {request.family_name},\n\n"
                "La CPTS n'a pas ouvert de compte Relais à votre nom. Pour en savoir plus, "
                "contactez sa coordination.\n",
            )
    return request


def pending_access_requests() -> list[AccessRequest]:
    """The requests waiting for a decision, oldest first."""
    return list(
        db.session.scalars(
            select(AccessRequest)
            .where(AccessRequest.status == "pending")
            .order_by(AccessRequest.created_at)
        )
    )


def search_accounts(query: str = "") -> list[User]:
    """Accounts whose e-mail or IDNPS contains `query`, by e-mail."""
    statement = select(User).order_by(User.email)
    if query.strip():
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(or_(User.email.like(pattern), User.idnps.like(pattern)))
    return list(db.session.scalars(statement))


def _new_link(user: User, purpose: str) -> str:
    """A single-use link's secret (only its hash is stored), inside the caller's transaction."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        OneTimeLink(
            token_hash=hash_token(token),
            purpose=purpose,
            user_id=user.id,
            expires_at=utcnow() + LINK_LIFETIMES[purpose],
        )
    )
    return token


def invite_user(
    *,
    email: str,
    roles: list[str],
    professional_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    idnps: str | None = None,
    public_url: str,
) -> User:
    """Create an account without password and e-mail it a link (72 h, once) to choose one."""
    email = email.strip().lower()
    with opening_account(
        email=email,
        roles=roles,
        professional_id=professional_id,
        organisation_id=organisation_id,
        idnps=idnps,
    ) as user:
        token = _new_link(user, "invitation")
        queue_account_mail(
            email,
            "Relais : votre invitation",
            "Bonjour,\n\nLa CPTS vous a ouvert un compte Relais. Choisissez votre mot de "
            f"passe (lien valable 72 heures, utilisable une fois) : {public_url}"
            f"{LINK_PATH.format(token=token)}\n",
        )
    return user


def request_password_reset(*, email: str, public_url: str) -> None:
    """E-mail a reset link (1 h, once) to an existing active account; says nothing either way,
    and sends no more than `RESETS_PER_HOUR` an hour to one account."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active:
        return
    recent = db.session.scalars(
        select(OneTimeLink.id).where(
            OneTimeLink.user_id == user.id,
            OneTimeLink.purpose == "reset",
            OneTimeLink.created_at > utcnow() - dt.timedelta(hours=1),
        )
    ).all()
    if len(recent) >= RESETS_PER_HOUR:
        return
    with unit_of_work():
        token = _new_link(user, "reset")
        queue_account_mail(
            user.email,
            "Relais : changer votre mot de passe",
            "Bonjour,\n\nPour choisir un nouveau mot de passe, suivez ce lien (valable une "
            f"heure, utilisable une fois) : {public_url}{LINK_PATH.format(token=token)}\n\n"
            "Si vous n'avez rien demandé, ignorez ce message.\n",
        )


def throttled_password_reset(*, email: str, ip: str, public_url: str) -> None:
    """`request_password_reset`, counted per address like a failed login: a flood of requests
    from one address gets 429, whatever the accounts asked for."""
    reserve_attempt(email=RESET_THROTTLE_KEY, ip=ip)
    record_failure(email=RESET_THROTTLE_KEY, ip=ip)
    request_password_reset(email=email, public_url=public_url)


def link_account(token: str) -> User:
    """The account of a live single-use link (`LinkInvalid` when used or expired)."""
    link = db.session.scalar(select(OneTimeLink).where(OneTimeLink.token_hash == hash_token(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        raise LinkInvalid()
    return link.user


def set_password_with_link(
    *, token: str, password: str, totp_secret: str | None = None, totp_code: str = ""
) -> list[str] | None:
    """Use a single-use link to set the account's password; the link (and every other link of
    the account) stops working. With `totp_secret`, the second factor is turned on first (its
    code checked before the link is spent) and its recovery codes are returned."""
    user = link_account(token)
    problems = password_problems(password, email=user.email)
    if problems:
        raise ValidationFailed({"password": problems})
    recovery_codes = (
        enrol(user_id=user.id, secret=totp_secret, code=totp_code) if totp_secret else None
    )
    now = utcnow()
    with unit_of_work() as session:
        # Conditional on the link being unused: two tabs cannot both use it.
        used = session.execute(
            update(OneTimeLink)
            .where(OneTimeLink.token_hash == hash_token(token), OneTimeLink.used_at.is_(None))
            .values(used_at=now)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise LinkInvalid()
        session.execute(
            update(OneTimeLink)
            .where(OneTimeLink.user_id == user.id, OneTimeLink.used_at.is_(None))
            .values(used_at=now)
        )
        session.execute(
            update(User).where(User.id == user.id).values(password_hash=hash_password(password))
        )
    return recovery_codes


def change_password(*, user_id: uuid.UUID, current: str, new: str) -> None:
    """Change one's own password, giving the current one."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if not password_matches(user.password_hash, current):
        raise ValidationFailed({"current": ["Mot de passe actuel incorrect."]})
    problems = password_problems(new, email=user.email)
    if problems:
        raise ValidationFailed({"password": problems})
    with unit_of_work() as session:
        session.execute(
            update(User).where(User.id == user_id).values(password_hash=hash_password(new))
        )


def update_account(
    *,
    user_id: uuid.UUID,
    roles: list[str] | None = None,
    professional_id: uuid.UUID | None | str = UNCHANGED,
    organisation_id: uuid.UUID | None | str = UNCHANGED,
) -> User:
    """Change an account's roles and directory/organisation links."""
    with unit_of_work() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Compte introuvable.")
        if professional_id != UNCHANGED:
            user.professional_id = professional_id  # type: ignore[assignment]
        if organisation_id != UNCHANGED:
            user.organisation_id = organisation_id  # type: ignore[assignment]
        new_roles = sorted(set(roles)) if roles is not None else sorted(user.roles)
        errors = account_problems(email=None, roles=new_roles, professional_id=user.professional_id)
        if errors:
            raise ValidationFailed(errors)
        if roles is not None:
            user.role_rows = [row for row in user.role_rows if row.role in new_roles] + [
                UserRole(role=role) for role in new_roles if role not in user.roles
            ]
    return user


def disable_account(user_id: uuid.UUID) -> User:
    """Disable an account by id: its tokens and page sessions stop at once."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Compte introuvable.")
    return disable_user(user.email)
