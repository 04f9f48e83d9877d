"""The second factor: TOTP (RFC 6238) codes from an authenticator app, and recovery codes.

A code is good for its 30-second step and the one before (a clock a little late); a step
once accepted is never accepted again for that account (`totp_last_step`), so a code seen over
a shoulder cannot be replayed within its window. Recovery codes are kept as SHA-256 hashes and
work once each.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import time
import uuid

from sqlalchemy import update

from shared.auth.models import RecoveryCode, User
from shared.auth.roles import REPORTING
from shared.auth.throttle import record_second_factor_failure, reserve_second_factor
from shared.db import unit_of_work
from shared.errors import Unauthenticated, ValidationFailed
from shared.extensions import db
from shared.timeutil import utcnow

ISSUER = "Relais"
STEP_SECONDS = 30
RECOVERY_CODES = 10
WRONG_CODE = "Code de double authentification incorrect ou déjà utilisé."


def new_secret() -> str:
    """A fresh TOTP secret (base32, 160 bits)."""
    import pyotp  # like zxcvbn: loaded by the first second-factor action, not at start-up

    return pyotp.random_base32(32)


def provisioning_uri(secret: str, *, email: str) -> str:
    """The `otpauth://` URI an authenticator app reads from the QR code."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of `uri`, as an inline SVG (no script, no external image)."""
    import segno

    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", scale=5, xmldecl=False, svgns=True, title="Code QR à scanner"
    )
    return out.getvalue().decode()


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code is `code` (this step or the one before), else None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    import pyotp

    totp = pyotp.TOTP(secret)
    current = int(now) // STEP_SECONDS
    for step in (current, current - 1):
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def _new_recovery_codes(user_id: uuid.UUID) -> list[str]:
    """Fresh recovery codes (inside the caller's transaction), replacing the old ones."""
    db.session.query(RecoveryCode).filter(RecoveryCode.user_id == user_id).delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user_id, code_hash=_hash_code(c)) for c in codes)
    return codes


def enrol(*, user_id: uuid.UUID, secret: str, code: str, now: float | None = None) -> list[str]:
    """Turn the second factor on once the app shows the right code; returns the recovery codes
    (shown once, stored hashed)."""
    step = _matching_step(secret, code, time.time() if now is None else now)
    if step is None:
        raise ValidationFailed(
            {"code": ["Ce code ne correspond pas : vérifiez l'heure du téléphone et recommencez."]}
        )
    with unit_of_work() as session:
        session.execute(
            update(User).where(User.id == user_id).values(totp_secret=secret, totp_last_step=step)
        )
        return _new_recovery_codes(user_id)


def needs_second_factor(user: User, *, require_strong: bool) -> bool:
    """Whether a password login of `user` must give a code: always once enrolled, and for
    every role but `reporting` when strong authentication is required."""
    return user.totp_secret is not None or (require_strong and bool(user.roles - {REPORTING}))


def check_second_factor(user: User, code: str | None, *, now: float | None = None) -> None:
    """Accept a TOTP code (never the same step twice) or an unused recovery code;
    `Unauthenticated` otherwise, `RateLimited` after too many wrong codes."""
    account = str(user.id)
    reserve_second_factor(account=account)
    if user.totp_secret is None:
        raise Unauthenticated(
            "Ce compte doit utiliser la double authentification, qui n'est pas encore "
            "configurée : connectez-vous avec Pro Santé Connect, ou demandez à la "
            "coordination de vous envoyer un nouveau lien d'invitation."
        )
    step = _matching_step(user.totp_secret, code or "", time.time() if now is None else now)
    with unit_of_work() as session:
        if step is not None:
            # Conditional update: two logins with the same code cannot both pass.
            accepted = session.execute(
                update(User)
                .where(User.id == user.id)
                .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                .values(totp_last_step=step)
            )
            if accepted.rowcount == 1:  # type: ignore[attr-defined]
                return
        elif code:
            used = session.execute(
                update(RecoveryCode)
                .where(
                    RecoveryCode.user_id == user.id,
                    RecoveryCode.code_hash == _hash_code(code),
                    RecoveryCode.used_at.is_(None),
                )
                .values(used_at=utcnow())
            )
            if used.rowcount == 1:  # type: ignore[attr-defined]
                return
    record_second_factor_failure(account=account)
    raise Unauthenticated(WRONG_CODE)
