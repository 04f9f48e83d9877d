"""Lease a Redis database of its own to one test or benchmark run.

Two runs on one machine (the tests and a benchmark, or two checkouts) must never flush each
other's jobs. Each run claims a free database number (1–15) with an atomic `SET NX` on a lease
key kept in database 0, renewed while the run lives and deleted when it ends; a run that died
without releasing its lease frees the number when the key expires. Only the leased database is
ever flushed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from redis import Redis

SERVER_URL = os.environ.get("RELAIS_TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
DATABASES = range(1, 16)
LEASE_SECONDS = 120
_KEY = "relais:run-lease:{}"


def _claim(admin: Redis, owner: str) -> int:
    for number in DATABASES:
        if admin.set(_KEY.format(number), owner, nx=True, ex=LEASE_SECONDS):
            return number
    raise RuntimeError("aucune base Redis libre (1–15) : d'autres exécutions les occupent")


@contextlib.contextmanager
def leased_redis_url(server_url: str = SERVER_URL) -> Iterator[str]:
    """A `redis://…/N` URL whose database nobody else uses until the context ends."""
    admin = Redis.from_url(f"{server_url}/0")
    owner = f"{os.uname().nodename}:{os.getpid()}"
    number = _claim(admin, owner)
    key = _KEY.format(number)
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(LEASE_SECONDS / 3):
            admin.expire(key, LEASE_SECONDS)

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
        if admin.get(key) == owner.encode():
            admin.delete(key)
        admin.close()
