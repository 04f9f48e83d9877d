"""Lease a Redis database of its own to one test or benchmark run.

Two runs on one machine (the tests and a benchmark, or two checkouts) must never flush each
other's jobs. Each run claims a free database number (1–15) with an atomic `SET NX` on a lease
key kept in database 0 (a redis-py `Lock`), renewed while the run lives and deleted when it
ends, both only if the key still holds the run's own token (compare-and-set in one Lua script):
a run that was frozen past the expiry never renews or deletes the lease another run took since.
A run that died without releasing its lease frees the number when the key expires. Only the
leased database is ever flushed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from redis import Redis
from redis.exceptions import LockNotOwnedError
from redis.lock import Lock

SERVER_URL = os.environ.get("RELAIS_TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
DATABASES = range(1, 16)
LEASE_SECONDS = 120
_KEY = "relais:run-lease:{}"


def _claim(admin: Redis, owner: str) -> tuple[int, Lock]:
    for number in DATABASES:
        # Not thread-local: the renewing thread uses the token the claiming thread got.
        lease = admin.lock(_KEY.format(number), timeout=LEASE_SECONDS, thread_local=False)
        if lease.acquire(blocking=False, token=owner):
            return number, lease
    raise RuntimeError("aucune base Redis libre (1–15) : d'autres exécutions les occupent")


@contextlib.contextmanager
def leased_redis_url(server_url: str = SERVER_URL) -> Iterator[str]:
    """A `redis://…/N` URL whose database nobody else uses until the context ends."""
    admin = Redis.from_url(f"{server_url}/0")
    owner = f"{os.uname().nodename}:{os.getpid()}"
    number, lease = _claim(admin, owner)
    stop = threading.Event()

    def renew() -> None:
        with contextlib.suppress(LockNotOwnedError):  # lost (the run froze past the expiry)
            while not stop.wait(LEASE_SECONDS / 3):
                lease.reacquire()

    renewer = threading.Thread(target=renew, name="redis-lease", daemon=True)
    renewer.start()
    url = f"{server_url}/{number}"
    database = Redis.from_url(url)
    database.flushdb()  # what a dead run left behind in the number it held
    try:
        yield url
    finally:
        stop.set()
        renewer.join()
        database.flushdb()
        database.close()
        with contextlib.suppress(LockNotOwnedError):  # expired, maybe taken by another run
            lease.release()
        admin.close()
