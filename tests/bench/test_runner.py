"""The benchmark runner's machinery: alternated medians, kept databases, the history and the
README's table."""

from __future__ import annotations

import itertools
import json
import os

import psycopg
import pytest

from bench import __main__ as bench_main
from bench import readme, runner


def test_a_ratio_is_the_median_of_alternated_runs():
    calls: list[str] = []
    baseline_rates = iter([100.0, 50.0, 200.0])
    candidate_rates = iter([60.0, 10.0, 100.0])

    def baseline() -> float:
        calls.append("baseline")
        return next(baseline_rates)

    def candidate() -> float:
        calls.append("candidate")
        return next(candidate_rates)

    result = runner.alternated(baseline, candidate, runs=3)
    assert calls == ["baseline", "candidate"] * 3
    assert result.ratios == [0.6, 0.2, 0.5]
    assert result.ratio == 0.5
    assert result.summary()["run_ratios"] == [0.6, 0.2, 0.5]


@pytest.mark.postgres_only
def test_a_kept_database_is_reused_for_the_same_key_and_rebuilt_otherwise():
    name = f"relais_test_kept_{os.getpid()}"
    builds = itertools.count(1)

    def build(url: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE built (n integer)")
            conn.execute("INSERT INTO built VALUES (%s)", (next(builds),))

    def built_number(url: str) -> int:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT n FROM built").fetchone()[0]

    try:
        first = runner.kept_database(name, {"seed": 1, "size": 10}, build)
        assert first.built_seconds is not None and built_number(first.url) == 1
        again = runner.kept_database(name, {"seed": 1, "size": 10}, build)
        assert again.built_seconds is None and built_number(again.url) == 1
        other = runner.kept_database(name, {"seed": 1, "size": 20}, build)
        assert other.built_seconds is not None and built_number(other.url) == 2
        # The stored key names the code's migration heads: a new migration means a rebuild.
        with psycopg.connect(runner.PG_ADMIN_URL) as conn:
            comment = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                (name,),
            ).fetchone()[0]
        assert json.loads(comment)["migration_heads"] == runner.migration_heads()
        with runner.copy_of(other.url) as copy:
            assert built_number(copy) == 2
    finally:
        with psycopg.connect(runner.PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres_only
def test_an_interrupted_build_is_never_reused():
    name = f"relais_test_kept_broken_{os.getpid()}"

    def broken(_url: str) -> None:
        raise RuntimeError("interrupted")

    try:
        with pytest.raises(RuntimeError):
            runner.kept_database(name, {"seed": 1}, broken)
        rebuilt = runner.kept_database(name, {"seed": 1}, lambda _url: None)
        assert rebuilt.built_seconds is not None
    finally:
        with psycopg.connect(runner.PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _entry(quick: bool, value: float, complete: bool = True) -> dict:
    entry = bench_main.history_entry(
        [
            {
                "name": "intake_ratio",
                "value": value,
                "unit": "ratio",
                "goal": ">= 0.5",
                "passed": value >= 0.5,
            }
        ],
        modules=bench_main.discover() if complete else ["bench_orientation"],
        quick=quick,
        seconds=600.0,
        module_seconds={"bench_orientation": 120.04},
        load=0.4,
    )
    return entry


def test_the_readme_shows_the_last_complete_full_run(tmp_path):
    history = tmp_path / "history.jsonl"
    entries = [
        _entry(False, 0.41),
        _entry(False, 0.55),
        _entry(True, 0.3),
        _entry(False, 0.2, complete=False),
    ]
    history.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    run = readme.last_full_run(history)
    assert run is not None and run["figures"]["intake_ratio"]["value"] == 0.55
    text = f"before\n{readme.BEGIN}\nhand-made table\n{readme.END}\nafter\n"
    rewritten = readme.rewrite(text, readme.render(run))
    assert "hand-made table" not in rewritten
    assert "| `intake_ratio` | 0.55 ratio | >= 0.5 | yes |" in rewritten
    assert rewritten.startswith("before\n") and rewritten.endswith(f"{readme.END}\nafter\n")
    assert readme.last_full_run(tmp_path / "missing.jsonl") is None


def test_a_history_entry_names_the_commit_and_every_figure():
    entry = _entry(True, 0.5)
    assert entry["quick"] is True and entry["complete"] is True
    assert len(entry["commit"].removesuffix("-dirty")) == 40
    assert entry["module_seconds"] == {"orientation": 120.0}
    assert entry["figures"]["intake_ratio"] == {
        "value": 0.5,
        "unit": "ratio",
        "goal": ">= 0.5",
        "passed": True,
    }
