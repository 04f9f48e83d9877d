"""Redis connections for RQ, one per URL per process."""

from __future__ import annotations

import functools

from redis import Redis


@functools.cache
def redis_connection(url: str) -> Redis:
    """A shared Redis client for `url` (RQ needs bytes, so no response decoding)."""
    return Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
