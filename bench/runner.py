"""What every benchmark module shares: quick mode and sizes, alternated runs against a
baseline, and large synthetic PostgreSQL databases kept between runs.

- `QUICK` / `size(full, quick, env=…)`: `python -m bench --quick` (`make bench-quick`) sets
  `BENCH_QUICK=1`; each module picks its reduced sizes with `size`, an explicit `BENCH_*`
  variable winning over both.
- `alternated(baseline, candidate, runs=3)`: a figure measured against a baseline as the median
  of `runs` ratios, each from a baseline run and a candidate run made one after the other in
  the same process, so that a change of load on the machine weighs on both sides of a ratio.
- `kept_database(name, key, build)`: a PostgreSQL database built once by `build(url)` and
  reused by later runs while its key (the caller's seed and sizes, and the migration heads of
  the code) is the same; otherwise dropped and built again. The key is stored as the
  database's comment, written only once `build` has finished: an interrupted build is never
  reused. `copy_of(url)` gives a throwaway copy (`CREATE DATABASE … TEMPLATE`) for a
  benchmark that writes to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psycopg

PG_ADMIN_URL = os.environ.get("RELAIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def size(full: int, quick: int, env: str | None = None) -> int:
    """`env`'s value when set, else `quick` in quick mode, else `full`."""
    if env and os.environ.get(env):
        return int(os.environ[env])
    return quick if QUICK else full


# --- alternated runs ----------------------------------------------------------------------------


@dataclass
class Alternated:
    """The runs of a candidate against its baseline (rates or times, as the callables return)."""

    baseline: list[float] = field(default_factory=list)
    candidate: list[float] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [c / b for b, c in zip(self.baseline, self.candidate, strict=True)]

    @property
    def ratio(self) -> float:
        """The median of the runs' ratios (candidate / baseline)."""
        return statistics.median(self.ratios)

    def summary(self, digits: int = 3) -> dict:
        """The runs as extra keys of a result row."""
        return {
            "runs": len(self.ratios),
            "run_ratios": [round(r, digits) for r in self.ratios],
            "baseline_runs": [round(v, 1) for v in self.baseline],
            "candidate_runs": [round(v, 1) for v in self.candidate],
        }


def alternated(
    baseline: Callable[[], float], candidate: Callable[[], float], runs: int = 3
) -> Alternated:
    """Run `baseline` then `candidate`, `runs` times, and keep each pair."""
    result = Alternated()
    for _ in range(runs):
        result.baseline.append(baseline())
        result.candidate.append(candidate())
    return result


# --- databases kept between runs ----------------------------------------------------------------


def _url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def migration_heads() -> list[str]:
    """The head revision of every migration branch of the code."""
    from alembic.script import ScriptDirectory

    from services.bootstrap import SCHEMA
    from shared.migrations.runner import alembic_config

    config = alembic_config("sqlite://", SCHEMA)
    return sorted(ScriptDirectory.from_config(config).get_heads())


def _stored_key(name: str) -> dict | None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    if row is None or not row[0]:
        return None
    with contextlib.suppress(ValueError):
        return json.loads(row[0])
    return None


def _drop(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database(name: str) -> tuple[str, Callable[[], None]]:
    """A new PostgreSQL database `name` (dropped first if it exists), migrated: its URL for
    SQLAlchemy (`postgresql+psycopg://`) and the function that drops it."""
    from services.bootstrap import SCHEMA
    from shared.migrations.runner import upgrade

    _drop(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _url(name).replace("postgresql://", "postgresql+psycopg://", 1)
    upgrade(url, SCHEMA)
    return url, lambda: _drop(name)


@dataclass(frozen=True)
class Kept:
    """A kept database: its URL (`postgresql://`), and the seconds its build took (None when
    it was reused)."""

    url: str
    built_seconds: float | None


def kept_database(name: str, key: dict, build: Callable[[str], None]) -> Kept:
    """The database `name`, reused when it was built for the same `key` and migration heads,
    else dropped, created, migrated and built with `build(url)`."""
    from services.bootstrap import SCHEMA
    from shared.migrations.runner import upgrade
    from shared.settings import normalise_database_url

    wanted = {**key, "migration_heads": migration_heads()}
    url = _url(name)
    if os.environ.get("BENCH_REBUILD", "") in ("", "0") and _stored_key(name) == wanted:
        return Kept(url, None)
    _drop(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    upgrade(normalise_database_url(url), SCHEMA)
    build(url)
    built = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        # A database's comment: literal text only, quoted by hand (no parameters in DDL).
        comment = json.dumps(wanted, sort_keys=True).replace("'", "''")
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
    return Kept(url, built)


@contextlib.contextmanager
def copy_of(url: str) -> Iterator[str]:
    """A throwaway copy of a kept database (it must have no open connection), dropped after."""
    source = url.rsplit("/", 1)[1]
    name = f"{source}_copy_{os.getpid()}"
    _drop(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    try:
        yield _url(name)
    finally:
        _drop(name)
