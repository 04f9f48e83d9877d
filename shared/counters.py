"""Counters in a time window, one row per key: the mechanism of every throttle.

A throttle counts a request *before* doing its work, under a lock on the counter's row, so
that parallel requests cannot all read the same count and all pass. The row is created when
missing (`INSERT … ON CONFLICT DO NOTHING`, so two first requests cannot both insert it), then
locked until the caller's commit (`FOR UPDATE` on PostgreSQL; SQLite serialises writers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from sqlalchemy import select

from shared.db import dialect_insert, for_update
from shared.extensions import db


class WindowCount(Protocol):
    """A model with a unique key, an integer `count` and a `window_start` timestamp."""

    count: int
    window_start: dt.datetime


Counter = TypeVar("Counter", bound=WindowCount)


def locked_counter(
    model: type[Counter],
    *,
    key: Mapping[str, Any],
    now: dt.datetime,
    window: dt.timedelta,
    restart: Mapping[str, Any] | None = None,
) -> Counter:
    """The counter row of `key`, created when missing and locked until the caller's commit.
    Its count starts over at 0 once `window` has passed since its `window_start`; `restart`
    gives the other columns' values then (and when the row is created)."""
    restart = restart or {}
    db.session.execute(
        dialect_insert(model)
        .values(**key, count=0, window_start=now, **restart)
        .on_conflict_do_nothing(index_elements=list(key))
    )
    counter = db.session.scalars(for_update(select(model).filter_by(**key))).one()
    if counter.window_start <= now - window:
        counter.count, counter.window_start = 0, now
        for column, value in restart.items():
            setattr(counter, column, value)
    return counter
