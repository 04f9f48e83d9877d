"""Profile one signalement server-side: `python -m bench.profile_intake [--requests N] [--db …]`;
`--transitions` profiles hold/resume transitions (`transition_ratio`'s requests) instead.

Builds the orientation service on a fresh PostgreSQL database (or `--db sqlite`), with the
production settings of `bench_orientation` (a leased Redis database as `REDIS_URL`: the web
process only enqueues, as in production) and a bearer token written to the database, posts N
signalements through the WSGI app in-process (Flask test client: no network, no gunicorn)
under cProfile, and prints the SQL statements one signalement sends, the commits, and the top
functions by own and by cumulative time. The profiler's clock is the thread's CPU time
(`time.thread_time`): waits on the database are left out, their count is the statement list.
docs/performance.md quotes its output.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import event, select

from bench.bench_orientation import (
    ENCRYPTION_KEYS,
    SECRET_KEY,
    make_accounts,
    pg_database,
    signalement,
)
from bench.redis_lease import leased_redis_url


def profile(url: str, redis_url: str, requests: int, top: int, transitions: bool = False) -> str:
    from services.bootstrap import SCHEMA, create_app
    from services.orientation.medecin_traitant.models import MedecinTraitantCase
    from shared.extensions import db
    from shared.migrations.runner import upgrade
    from shared.settings import Settings

    upgrade(url, SCHEMA)
    tokens = make_accounts(url)
    settings = Settings(
        env="production",
        database_url=url,
        secret_key=SECRET_KEY,
        encryption_keys=ENCRYPTION_KEYS,
        redis_url=redis_url,
        log_level="WARNING",
    )
    app = create_app(("orientation",), settings)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['professional']}"}
    coordinator = {"Authorization": f"Bearer {tokens['coordinator']}"}
    statements: Counter[str] = Counter()
    commits = [0]
    with app.app_context():
        engine = db.engine

    def count_statement(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements[" ".join(statement.split())[:90]] += 1

    def count_commit(_conn) -> None:
        commits[0] += 1

    def submit(n: int) -> None:
        response = client.post(
            "/api/orientation/signalements", json=signalement(n), headers=headers
        )
        assert response.status_code == 201, response.get_json()

    case_ids: list[str] = []
    held: set[str] = set()

    def hold_or_resume(n: int) -> None:
        # As `transition_ratio`: each case in turn is held, and resumed the next time round.
        case_id = case_ids[n % len(case_ids)]
        name, body = ("resume", {}) if case_id in held else ("hold", {"reason": "Bench."})
        response = client.post(
            f"/api/orientation/cases/{case_id}/transitions/{name}", json=body, headers=coordinator
        )
        assert response.status_code == 200, response.get_json()
        (held.discard if name == "resume" else held.add)(case_id)

    post = submit
    if transitions:
        for n in range(1, 51):
            submit(n)
        with app.app_context():
            case_ids = [str(case.id) for case in db.session.scalars(select(MedecinTraitantCase))]
            db.session.remove()
        post = hold_or_resume
    for n in range(1, 21):  # warm-up: imports, compiled statements, pool
        post(n)
    event.listen(engine, "before_cursor_execute", count_statement)
    event.listen(engine, "commit", count_commit)
    post(21)
    event.remove(engine, "before_cursor_execute", count_statement)
    event.remove(engine, "commit", count_commit)
    latencies = []
    for n in range(22, 22 + requests):
        started = time.perf_counter()
        post(n)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for n in range(22 + requests, 22 + 2 * requests):
        post(n)
    profiler.disable()
    with app.app_context():
        db.session.remove()
        engine.dispose()

    out = io.StringIO()
    what = "one transition" if transitions else "one signalement"
    out.write(f"{what}: {sum(statements.values())} SQL statements, {commits[0]} commits\n")
    median, p90 = latencies[len(latencies) // 2], latencies[len(latencies) * 9 // 10]
    out.write(
        f"wall time, one after the other, unprofiled: median {median * 1000:.2f} ms, "
        f"p90 {p90 * 1000:.2f} ms\n"
    )
    for statement, count in statements.most_common():
        out.write(f"  {count} × {statement}\n")
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt  # type: ignore[attr-defined]
    out.write(f"\n{requests} requests, {total / requests * 1000:.2f} ms of CPU each (profiled)\n")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    # The project's own functions (and the crypto they call), by cumulative time.
    stats.sort_stats("cumulative").print_stats(r"(/shared/|/services/|crypto)", top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--db", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--transitions", action="store_true", help="hold/resume, not intake")
    args = parser.parse_args()
    with leased_redis_url() as redis_url:
        if args.db == "sqlite":
            with tempfile.TemporaryDirectory(prefix="relais-profile-") as folder:
                url = f"sqlite:///{Path(folder) / 'p.sqlite3'}"
                print(profile(url, redis_url, args.requests, args.top, args.transitions))
        else:
            with pg_database() as url:
                print(profile(url, redis_url, args.requests, args.top, args.transitions))


if __name__ == "__main__":
    main()
