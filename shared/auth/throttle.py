"""Login throttling: slow down guessing without locking the owner out.

Two counters, both in `auth_login_failures`:

- per account **and** address, a delay that grows: the first `FREE_FAILURES` failures cost
  nothing, then each attempt must wait 1 s, 2 s, 4 s… (at most `MAX_DELAY`) after the previous
  failure, and none may start while the previous one is being checked. Someone guessing from
  elsewhere never delays the owner.
- per address, a hard limit: `ADDRESS_LIMIT` failures in `FAILURE_WINDOW`, whatever the
  account, then every attempt from that address is refused until the window ends.

Both counts start over `FAILURE_WINDOW` after their first failure.

An attempt is counted *before* its password is checked, under a lock on both counters (rows
locked `FOR UPDATE` on PostgreSQL; SQLite serialises writers), so parallel attempts cannot all
see the same count: no more than the limits are ever checked. A successful login gives its
count back to the address and forgets the account's failures from that address.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import delete

from shared.auth.models import LoginFailure
from shared.counters import locked_counter
from shared.db import unit_of_work
from shared.errors import RateLimited
from shared.extensions import db
from shared.timeutil import utcnow

FAILURE_WINDOW = dt.timedelta(minutes=15)
ADDRESS_LIMIT = 10
FREE_FAILURES = 3
MAX_DELAY = dt.timedelta(minutes=15)
# Longer than any password check: an attempt being checked holds the account's turn at its
# address until its answer (or this long, should the process die meanwhile).
CHECK_TIME = dt.timedelta(seconds=30)
# The e-mail of an address's own counter (failures on every account from that address).
ANY_ACCOUNT = ""


def delay_after(failures: int) -> dt.timedelta:
    """How long an account+address must wait after its `failures`-th failure in a row."""
    if failures < FREE_FAILURES:
        return dt.timedelta(0)
    seconds = min(2 ** (failures - FREE_FAILURES), int(MAX_DELAY.total_seconds()))
    return dt.timedelta(seconds=seconds)


def _locked_counter(email: str, ip: str, now: dt.datetime) -> LoginFailure:
    """The counter of (email, ip), created when missing, locked until the commit; counts start
    over a window after their first failure."""
    return locked_counter(
        LoginFailure,
        key={"email": email, "ip": ip},
        now=now,
        window=FAILURE_WINDOW,
        restart={"at": now, "retry_at": now},
    )


def _refuse(until: dt.datetime, now: dt.datetime) -> RateLimited:
    """The refusal, saying in French how long to wait."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    if seconds < 60:
        wait = f"{seconds} seconde{'s' if seconds > 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        wait = f"{minutes} minute{'s' if minutes > 1 else ''}"
    return RateLimited(f"Trop de tentatives : réessayez dans {wait}.", retry_after=seconds)


def reserve_attempt(*, email: str, ip: str, now: dt.datetime | None = None) -> None:
    """Count a login attempt before its password is checked; `RateLimited` (not counted) when
    the address is over its limit or the account must still wait at this address."""
    now = now or utcnow()
    with unit_of_work():
        # Always the address first, then the account: two attempts cannot deadlock.
        address = _locked_counter(ANY_ACCOUNT, ip, now)
        if address.count >= ADDRESS_LIMIT:
            raise _refuse(address.window_start + FAILURE_WINDOW, now)
        account = _locked_counter(email, ip, now)
        if account.retry_at > now:
            raise _refuse(account.retry_at, now)
        address.count += 1
        account.count += 1
        address.at = account.at = now
        if account.count >= FREE_FAILURES:
            account.retry_at = now + CHECK_TIME


def record_failure(*, email: str, ip: str) -> None:
    """The attempt reserved for (email, ip) failed: the next one waits from now."""
    now = utcnow()
    with unit_of_work():
        account = _locked_counter(email, ip, now)
        account.retry_at = now + delay_after(account.count)


def forget_failures(*, email: str, ip: str) -> None:
    """After a successful login (inside its unit of work): the attempt's count goes back to the
    address, and the account's failures from that address are forgotten."""
    now = utcnow()
    address = _locked_counter(ANY_ACCOUNT, ip, now)
    address.count = max(0, address.count - 1)
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.ip == ip)
    )


# Second-factor codes: wrong codes are counted per account (whatever the address, since the
# password was right), `SECOND_FACTOR_LIMIT` in `FAILURE_WINDOW`, then 429.
SECOND_FACTOR_LIMIT = 10
SECOND_FACTOR_ADDRESS = "totp"


def reserve_second_factor(*, account: str, now: dt.datetime | None = None) -> None:
    """Refuse (`RateLimited`) a code of an account that gave too many wrong ones."""
    now = now or utcnow()
    with unit_of_work():
        counter = _locked_counter(account, SECOND_FACTOR_ADDRESS, now)
        if counter.count >= SECOND_FACTOR_LIMIT:
            raise _refuse(counter.window_start + FAILURE_WINDOW, now)


def record_second_factor_failure(*, account: str) -> None:
    """One more wrong code for `account`."""
    now = utcnow()
    with unit_of_work():
        counter = _locked_counter(account, SECOND_FACTOR_ADDRESS, now)
        counter.count += 1
        counter.at = now
