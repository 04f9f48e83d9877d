"""The directory: importing the Annuaire Santé extract, and searching 50,000 professionals.

`directory_import_rows_per_s`: `relais directory import` of a generated 1,000,000-line extract
(BENCH_DIRECTORY_LINES; 20 % of the rows in département 77, the filter) run in a child
process, lines per second; its peak resident memory is reported as `directory_import_peak_mb`.
`directory_search_ms`: p95 of 200 accent-insensitive name searches (with a profession filter,
one page of 25) over BENCH_DIRECTORY_PROFESSIONALS (50,000) professionals.
The database `relais_bench_directory` is this benchmark's own, recreated at each run.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from bench.directory_extract import write_extract
from shared.settings import Settings, normalise_database_url

PG_ADMIN_URL = os.environ.get("RELAIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "relais_bench_directory"
LINES = int(os.environ.get("BENCH_DIRECTORY_LINES", "1000000"))
PROFESSIONALS = int(os.environ.get("BENCH_DIRECTORY_PROFESSIONALS", "50000"))
SEARCHES = 200
# Peak RSS of the child process, read by the parent (Linux: kilobytes).
CHILD = (
    "import resource, sys; sys.argv = ['relais', *sys.argv[1:]];"
    "from services.cli import cli\n"
    "try:\n    cli(prog_name='relais')\nexcept SystemExit:\n    pass\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
)


def _fresh_database() -> str:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def _import(url: str, path: Path) -> tuple[float, float]:
    env = {**os.environ, "DATABASE_URL": url, "RELAIS_ENV": "development", "REDIS_URL": ""}
    args = ["directory", "import", str(path), "--format", "rpps", "--departement", "77"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - started
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return LINES / elapsed, peak_kb / 1024


def _search_p95(url: str) -> float:
    from services.agenda.directory.service import search_key, search_query
    from services.bootstrap import create_app
    from shared.extensions import db
    from shared.http.pagination import paginate

    app = create_app(settings=Settings(env="development", database_url=normalise_database_url(url)))
    rng = random.Random(15)
    with app.app_context():
        table = db.metadata.tables["agenda_professionals"]
        rows = [
            {
                "id": uuid.uuid4(),
                "rpps": f"{n:011d}",
                "last_name": f"Nomtest{n}",
                "first_name": "Élise",
                "search_name": search_key(f"Nomtest{n}", "Élise"),
                "profession": ("gp", "nurse", "midwife", "pharmacist")[n % 4],
                "postal_code": "77000",
                "city": "Melun",
                "languages": ["fr"],
                "qualifications": [],
            }
            for n in range(PROFESSIONALS)
        ]
        for start in range(0, len(rows), 5000):
            db.session.execute(table.insert(), rows[start : start + 5000])
        db.session.commit()
        db.session.execute(db.text("ANALYZE agenda_professionals"))
        timings = []
        for _ in range(SEARCHES):
            q = f"nomtest{rng.randrange(PROFESSIONALS)} elise"
            started = time.perf_counter()
            paginate(search_query(q=q, profession="gp"), page=1, per_page=25, dump=list)
            timings.append((time.perf_counter() - started) * 1000)
        db.session.remove()
        db.engine.dispose()
    return statistics.quantiles(timings, n=20)[18]


def run() -> list[dict]:
    """The directory's figures."""
    from services.bootstrap import SCHEMA
    from shared.migrations.runner import upgrade

    url = _fresh_database()
    upgrade(normalise_database_url(url), SCHEMA)
    with tempfile.TemporaryDirectory() as folder:
        path = write_extract(Path(folder) / "ps-libreacces-personne-activite.txt", LINES)
        rate, peak_mb = _import(url, path)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE agenda_professionals CASCADE")
    p95 = _search_p95(url)
    return [
        {
            "name": "directory_import_rows_per_s",
            "value": round(rate),
            "unit": "rows/s",
            "goal": ">= 20000",
            "passed": rate >= 20_000 and peak_mb <= 200,
            "lines": LINES,
        },
        {
            "name": "directory_import_peak_mb",
            "value": round(peak_mb, 1),
            "unit": "MB",
            "goal": "<= 200",
            "passed": peak_mb <= 200,
        },
        {
            "name": "directory_search_ms",
            "value": round(p95, 2),
            "unit": "ms (p95)",
            "goal": "<= 50",
            "passed": p95 <= 50,
            "professionals": PROFESSIONALS,
        },
    ]
