"""Issue 2 benchmarks: signalement intake and transitions against a bare Flask+SQLAlchemy
endpoint on the same stack (same run, same client), and the embedded server's memory.

- `intake_ratio`: signalements accepted per second through the real API (gunicorn,
  PostgreSQL) / authenticated inserts per second of `bench.bare_app`. Goal ≥ 0.5.
- `transition_ratio`: transitions per second (hold/resume on distinct cases) / authenticated
  locked one-row updates per second of `bench.bare_app`. Goal ≥ 0.5.
- `embedded_rss_mb`: resident memory of `relais run` on SQLite after loading 10,000 cases
  (2,000 in quick mode) and serving a few requests. Goal ≤ 150.

Each ratio is the median of 3 alternated runs in this one process (`bench.runner.alternated`):
a bare phase then a Relais phase, three times, each of PHASE_SECONDS (2 s in quick mode), so
that the machine's background load weighs on both sides of each run's ratio; a one-second
phase of each comes first, not counted (the servers' first requests).

Relais is served as in production: the containers' gunicorn settings
(`shared.ops.gunicorn_conf`: 2 workers of 4 threads, JSON logs), and `REDIS_URL` names a
Redis database leased for the run, so the web processes only enqueue each signalement's event
(nobody delivers it here; delivery has its own benchmark, `bench_notifications`). Before 5
December 2026 the servers had no `REDIS_URL` and each gunicorn worker also delivered the events
in its embedded thread. The baseline runs with the same settings and, since 5 December 2026,
checks a bearer token on each request as any API endpoint must (before, it checked nothing).

Servers listen on 127.0.0.1 only (ports 18100-18102); each run creates and drops its own
PostgreSQL database. The load generator is a fixed pool of threads, each with a keep-alive
`requests.Session`, running for a fixed time.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import requests

from bench.accounts import token_account
from bench.live_server import running
from bench.redis_lease import leased_redis_url
from bench.runner import QUICK, alternated, size

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("RELAIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REAL_PORT, BARE_PORT, EMBEDDED_PORT = 18100, 18101, 18102
CONCURRENCY = 8
PHASE_SECONDS = 2.0 if QUICK else 5.0
RUNS = 3
WARM_UP_SECONDS = 1.0
# The containers' settings (Dockerfile, docker-compose.yml), the bind address aside.
GUNICORN_CONF = ["-c", "python:shared.ops.gunicorn_conf"]
# The production settings require a strong secret key and a keyring: fresh ones per run (the
# database is fresh too).
SECRET_KEY = secrets.token_urlsafe(32)
ENCRYPTION_KEYS = "bench:" + base64.b64encode(os.urandom(32)).decode()
EMBEDDED_CASES = size(10_000, 2_000, env="BENCH_EMBEDDED_CASES")
_numbers = itertools.count(1)
_numbers_lock = threading.Lock()


# --- infrastructure ----------------------------------------------------------------------------


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    name = f"relais_bench_orientation_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server(command: list[str], port: int, env: dict[str, str]):
    """Start a server process with `env` added to this one's, wait for it to answer, stop it
    afterwards (see `bench.live_server.running`)."""
    return running(command, port=port, env={**os.environ, **env})


def gunicorn(app_path: str, port: int, env: dict[str, str]):
    """Serve a WSGI app with the production settings of the project's containers."""
    return server(
        [str(BIN / "gunicorn"), *GUNICORN_CONF, "--bind", f"127.0.0.1:{port}", app_path],
        port,
        env,
    )


def load(send: Callable[[requests.Session, int], bool], seconds: float) -> float:
    """Successful requests per second, CONCURRENCY threads sending for `seconds`."""
    counts = [0] * CONCURRENCY
    failures = [0] * CONCURRENCY
    start = threading.Barrier(CONCURRENCY + 1)
    stop = threading.Event()

    def worker(index: int) -> None:
        session = requests.Session()
        start.wait()
        while not stop.is_set():
            if send(session, index):
                counts[index] += 1
            else:
                failures[index] += 1
        session.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if sum(failures) > sum(counts) * 0.01:
        raise RuntimeError(f"{sum(failures)} failed requests for {sum(counts)} successes")
    return sum(counts) / elapsed


# --- data ---------------------------------------------------------------------------------------


def signalement(n: int, last_name: str = "Bench", vulnerable: bool = True) -> dict:
    """A valid signalement of a generated patient, unique by `n`; `last_name` is followed by
    `n`; `vulnerable`: every other patient is isolated."""
    from stdnum.fr import nir

    # A woman born in March 1950, as the patient below (the NIR must agree); the department,
    # commune and order digits make it unique.
    body = f"25003{1 + (n // 1_000_000) % 19:02d}{n % 1000:03d}{(n // 1000) % 1000:03d}"
    return {
        "patient": {
            "last_name": f"{last_name}{n}",
            "first_name": "Camille",
            "birth_date": "1950-03-14",
            "sex": "F",
            "nir": body + nir.calc_check_digits(body + "00"),
            "phone": "0612345678",
            "email": None,
            "address": {"line": f"{n} rue du Banc", "postal_code": "69003", "city": "Lyon"},
        },
        "situation": {
            "ald": n % 3 == 0,
            "ald_label": None,
            "vulnerabilities": ["isolement"] if vulnerable and n % 2 else [],
            "reduced_mobility": False,
            "needs_home_visits": False,
            "languages": ["fr"],
            "reason": "Médecin traitant parti à la retraite.",
        },
        "consent": {"patient_informed": True, "data_sharing": True},
    }


def next_number() -> int:
    with _numbers_lock:
        return next(_numbers)


def make_accounts(database_url: str) -> dict[str, str]:
    """A professional and a coordinator with bearer tokens, written straight to the database."""
    from services.bootstrap import SERVICES, create_app
    from shared.extensions import db
    from shared.settings import Settings

    app = create_app(
        SERVICES, Settings(env="test", database_url=database_url, secret_key=SECRET_KEY)
    )
    tokens = {}
    with app.app_context():
        for role in ("professional", "coordinator"):
            tokens[role] = token_account(role, f"{role}@bench.relais.test")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens


def ids_of(database_url: str, sql: str) -> list[str]:
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain) as conn:
        return [str(row[0]) for row in conn.execute(sql)]


# --- intake and transitions on PostgreSQL -------------------------------------------------------


def pg_ratios() -> list[dict]:
    from bench.bare_app import create_tables
    from services.bootstrap import SCHEMA
    from shared.migrations.runner import upgrade

    with pg_database() as url, leased_redis_url() as redis_url:
        upgrade(url, SCHEMA)
        bare = {"Authorization": f"Bearer {create_tables(url)}"}
        tokens = make_accounts(url)
        env = {
            "DATABASE_URL": url,
            "RELAIS_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "ENCRYPTION_KEYS": ENCRYPTION_KEYS,
            "REDIS_URL": redis_url,
        }
        real_base = f"http://127.0.0.1:{REAL_PORT}"
        bare_base = f"http://127.0.0.1:{BARE_PORT}"
        submitter = {"Authorization": f"Bearer {tokens['professional']}"}
        coordinator = {"Authorization": f"Bearer {tokens['coordinator']}"}

        def intake(session: requests.Session, _index: int) -> bool:
            response = session.post(
                f"{real_base}/api/orientation/signalements",
                json=signalement(next_number()),
                headers=submitter,
            )
            return response.status_code == 201

        def bare_insert(session: requests.Session, _index: int) -> bool:
            response = session.post(
                f"{bare_base}/rows", json=signalement(next_number()), headers=bare
            )
            return response.status_code == 201

        with (
            gunicorn("services.orientation.wsgi:app", REAL_PORT, env),
            gunicorn("bench.bare_app:create_app()", BARE_PORT, env),
        ):
            # Warm-up, not counted: the workers' first requests load modules and open their
            # pools (the first Relais phase otherwise ran at a tenth of the others' rate).
            load(bare_insert, WARM_UP_SECONDS)
            load(intake, WARM_UP_SECONDS)
            intakes = alternated(
                lambda: load(bare_insert, PHASE_SECONDS),
                lambda: load(intake, PHASE_SECONDS),
                runs=RUNS,
            )

            cases = ids_of(url, "SELECT id FROM orientation_mt_cases WHERE state = 'submitted'")
            rows = ids_of(url, "SELECT id FROM bench_bare_rows")
            # Each thread owns its own cases: no two requests ever race on one row.
            mine = [cases[i::CONCURRENCY] for i in range(CONCURRENCY)]
            owned_rows = [rows[i::CONCURRENCY] for i in range(CONCURRENCY)]
            held: set[str] = set()
            turn = [0] * CONCURRENCY

            def transition(session: requests.Session, index: int) -> bool:
                case_id = mine[index][turn[index] % len(mine[index])]
                turn[index] += 1
                name, body = ("resume", {}) if case_id in held else ("hold", {"reason": "Bench."})
                response = session.post(
                    f"{real_base}/api/orientation/cases/{case_id}/transitions/{name}",
                    json=body,
                    headers=coordinator,
                )
                if response.status_code != 200:
                    return False
                (held.discard if name == "resume" else held.add)(case_id)
                return True

            def bare_update(session: requests.Session, index: int) -> bool:
                row_id = owned_rows[index][turn[index] % len(owned_rows[index])]
                turn[index] += 1
                response = session.post(
                    f"{bare_base}/rows/{row_id}/bump", json={"reason": "x"}, headers=bare
                )
                return response.status_code == 200

            transitions = alternated(
                lambda: load(bare_update, PHASE_SECONDS),
                lambda: load(transition, PHASE_SECONDS),
                runs=RUNS,
            )

    return [
        {
            "name": "intake_ratio",
            "value": round(intakes.ratio, 3),
            "unit": "ratio",
            "goal": ">= 0.5",
            "passed": intakes.ratio >= 0.5,
            "signalements_per_s": round(statistics.median(intakes.candidate), 1),
            "bare_inserts_per_s": round(statistics.median(intakes.baseline), 1),
            "concurrency": CONCURRENCY,
            "phase_seconds": PHASE_SECONDS,
            **intakes.summary(),
        },
        {
            "name": "transition_ratio",
            "value": round(transitions.ratio, 3),
            "unit": "ratio",
            "goal": ">= 0.5",
            "passed": transitions.ratio >= 0.5,
            "transitions_per_s": round(statistics.median(transitions.candidate), 1),
            "bare_updates_per_s": round(statistics.median(transitions.baseline), 1),
            "concurrency": CONCURRENCY,
            "phase_seconds": PHASE_SECONDS,
            **transitions.summary(),
        },
    ]


# --- the embedded server's memory ---------------------------------------------------------------


def load_cases(database_url: str, count: int, batch: int = 500) -> None:
    """Store `count` signalements through the service layer, `batch` per transaction."""
    from services.bootstrap import SERVICES, create_app
    from services.orientation.medecin_traitant.schemas import SignalementSchema
    from services.orientation.medecin_traitant.service import new_case, store_case
    from shared.auth.models import User
    from shared.auth.principal import Principal
    from shared.db import unit_of_work
    from shared.extensions import db
    from shared.http.parsing import load
    from shared.settings import Settings

    app = create_app(
        SERVICES,
        Settings(env="development", database_url=database_url, secret_key=SECRET_KEY),
    )
    schema = SignalementSchema()
    with app.app_context():
        user = db.session.query(User).filter_by(email="professional@bench.relais.test").one()
        principal = Principal(user_id=user.id, email=user.email, roles=user.roles)
        for start in range(1, count + 1, batch):
            with unit_of_work():
                for n in range(start, min(start + batch, count + 1)):
                    store_case(new_case(load(schema, signalement(n))), principal)
            db.session.expunge_all()
        db.session.remove()
        db.engine.dispose()


def process_tree_memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB of a process and its children, from /proc."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    pids.extend(int(child) for child in children)
    rss = pss = 0
    for each in pids:
        for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss / 1024, pss / 1024


def embedded_rss() -> list[dict]:
    from services.bootstrap import SCHEMA
    from shared.migrations.runner import upgrade

    with tempfile.TemporaryDirectory(prefix="relais-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'relais.sqlite3'}"
        upgrade(url, SCHEMA)
        tokens = make_accounts(url)
        started = time.perf_counter()
        load_cases(url, EMBEDDED_CASES)
        load_seconds = time.perf_counter() - started
        env = {"DATABASE_URL": url, "RELAIS_ENV": "development", "SECRET_KEY": SECRET_KEY}
        command = [str(BIN / "relais"), "run", "--port", str(EMBEDDED_PORT)]
        with server(command, EMBEDDED_PORT, env) as process:
            base = f"http://127.0.0.1:{EMBEDDED_PORT}"
            coordinator = {"Authorization": f"Bearer {tokens['coordinator']}"}
            with requests.Session() as session:
                for page in range(1, 6):
                    listed = session.get(
                        f"{base}/api/orientation/cases?per_page=100&page={page}",
                        headers=coordinator,
                    )
                    assert listed.status_code == 200, listed.text
                assert listed.json()["total"] == EMBEDDED_CASES
                case_id = listed.json()["items"][0]["id"]
                assert session.get(
                    f"{base}/api/orientation/cases/{case_id}", headers=coordinator
                ).ok
                created = session.post(
                    f"{base}/api/orientation/signalements",
                    json=signalement(EMBEDDED_CASES + 1),
                    headers=coordinator,
                )
                assert created.status_code == 201, created.text
                assert session.post(
                    f"{base}/api/orientation/cases/{case_id}/transitions/triage",
                    json={"synthesis": "Bench."},
                    headers=coordinator,
                ).ok
                assert session.get(f"{base}/api/agenda/professionals", headers=coordinator).ok
            rss, pss = process_tree_memory(process.pid)
    return [
        {
            "name": "embedded_rss_mb",
            "value": round(pss, 1),
            "unit": "MB",
            "goal": "<= 150",
            "passed": pss <= 150,
            "rss_sum_mb": round(rss, 1),
            "cases": EMBEDDED_CASES,
            "load_seconds": round(load_seconds, 1),
            "note": "`relais run` is a gunicorn master and one worker forked from it: value is "
            "their proportional set size (shared pages counted once); rss_sum_mb adds both "
            "RSS, counting the pages shared after fork twice",
        }
    ]


def run() -> list[dict]:
    """Every figure of this module."""
    return [*pg_ratios(), *embedded_rss()]
