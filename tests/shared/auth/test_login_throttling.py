"""Login throttling: counted atomically, per account and address (a delay that grows) and per
address (a hard limit); the owner of an account under attack still logs in from elsewhere."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from shared.auth.models import LoginFailure
from shared.auth.throttle import (
    ADDRESS_LIMIT,
    FAILURE_WINDOW,
    FREE_FAILURES,
    MAX_DELAY,
    delay_after,
    reserve_attempt,
)
from shared.errors import RateLimited
from shared.extensions import db
from shared.timeutil import utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.clock import pass_time

TOKEN = "/api/auth/token"
PARALLEL = 60


def _login(client, email, password=TEST_PASSWORD, ip="198.51.100.1"):
    return client.post(
        TOKEN, json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def _in_parallel(app, attempts: list[tuple[str, str]], ip: str) -> Counter[int]:
    """Send every (e-mail, password) login at once, from `ip`; count the answers by status."""
    start = threading.Barrier(len(attempts))

    def attempt(email_password: tuple[str, str]) -> int:
        client = app.test_client()
        start.wait()
        return _login(client, *email_password, ip=ip).status_code

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return Counter(pool.map(attempt, attempts))


def test_parallel_wrong_passwords_from_one_address_check_no_more_than_its_limit(app):
    attempts = [(f"user{n}@relais.test", "wrong password") for n in range(PARALLEL)]
    statuses = _in_parallel(app, attempts, ip="203.0.113.9")
    assert statuses == {401: ADDRESS_LIMIT, 429: PARALLEL - ADDRESS_LIMIT}


def test_parallel_wrong_passwords_on_one_account_are_slowed_down_not_a_lockout(
    app, client, accounts
):
    accounts.create("coordinator", email="target@relais.test")
    attempts = [("target@relais.test", f"wrong-{n}") for n in range(PARALLEL)]
    statuses = _in_parallel(app, attempts, ip="203.0.113.20")
    assert statuses == {401: FREE_FAILURES, 429: PARALLEL - FREE_FAILURES}
    # The owner, from another address, is not locked out.
    assert _login(client, "target@relais.test", ip="192.0.2.50").status_code == 200


def test_wrong_passwords_from_many_addresses_never_lock_the_owner_out(client, accounts):
    accounts.create("coordinator", email="owner@relais.test")
    # More failures than an address may make, each from its own address.
    for n in range(ADDRESS_LIMIT + 2):
        response = _login(client, "owner@relais.test", f"guess-{n}", ip=f"198.51.100.{n}")
        assert response.status_code == 401
    assert _login(client, "owner@relais.test", ip="192.0.2.60").status_code == 200


def test_the_delay_doubles_after_the_free_failures_and_is_announced(app, client, accounts):
    accounts.create("coordinator", email="slow@relais.test")
    for _ in range(FREE_FAILURES):
        assert _login(client, "slow@relais.test", "nope nope nope").status_code == 401
    waits = []
    for _ in range(4):
        refused = _login(client, "slow@relais.test", "nope nope nope")
        assert refused.status_code == 429
        assert refused.get_json()["error"]["code"] == "rate_limited"
        waits.append(int(refused.headers["Retry-After"]))
        pass_time(app, LoginFailure, waits[-1])
        assert _login(client, "slow@relais.test", "nope nope nope").status_code == 401
    assert waits == [1, 2, 4, 8]
    # The right password waits its turn too, then resets the account's count at that address.
    waiting = _login(client, "slow@relais.test")
    assert waiting.status_code == 429
    pass_time(app, LoginFailure, int(waiting.headers["Retry-After"]))
    assert _login(client, "slow@relais.test").status_code == 200
    assert _login(client, "slow@relais.test", "nope nope nope").status_code == 401


def test_the_delay_doubles_up_to_a_cap_shorter_than_the_window():
    assert [delay_after(n) for n in range(1, FREE_FAILURES + 3)] == [
        *[dt.timedelta(0)] * (FREE_FAILURES - 1),
        dt.timedelta(seconds=1),
        dt.timedelta(seconds=2),
        dt.timedelta(seconds=4),
    ]
    assert delay_after(100) == MAX_DELAY
    assert MAX_DELAY <= FAILURE_WINDOW


def test_the_address_limit_holds_across_accounts_and_for_a_window(app, client, accounts):
    accounts.create("coordinator", email="colleague@relais.test")
    for n in range(ADDRESS_LIMIT):
        assert _login(client, f"user{n}@relais.test", "x", ip="203.0.113.9").status_code == 401
    blocked = _login(client, "colleague@relais.test", ip="203.0.113.9")
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= FAILURE_WINDOW.total_seconds()
    assert _login(client, "colleague@relais.test", ip="203.0.113.10").status_code == 200
    pass_time(app, LoginFailure, FAILURE_WINDOW.total_seconds())
    assert _login(client, "colleague@relais.test", ip="203.0.113.9").status_code == 200


def test_successful_logins_do_not_use_up_the_address_limit(client, accounts):
    accounts.create("coordinator", email="busy@relais.test")
    for _ in range(ADDRESS_LIMIT + 1):
        assert _login(client, "busy@relais.test", ip="192.0.2.80").status_code == 200


def test_a_refused_attempt_is_not_counted(app):
    now = utcnow()
    with app.app_context():
        for _ in range(FREE_FAILURES):
            reserve_attempt(email="a@relais.test", ip="192.0.2.9", now=now)
        for _ in range(5):
            with pytest.raises(RateLimited):
                reserve_attempt(email="a@relais.test", ip="192.0.2.9", now=now)
        counts = dict(db.session.execute(select(LoginFailure.email, LoginFailure.count)).all())
    assert counts == {"": FREE_FAILURES, "a@relais.test": FREE_FAILURES}
