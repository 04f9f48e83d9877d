"""Run the benchmarks: `python -m bench [--quick] [module …]`; writes bench/results.json,
appends the run to bench/history.jsonl and prints a table.

Each module `bench/bench_<name>.py` exposes `run() -> list[dict]`, one dict per figure:
`{"name", "value", "unit", "goal", "passed", …}` (extra keys such as the baseline are kept).
`--quick` (`make bench-quick`) sets `BENCH_QUICK=1` before any module is imported: each module
then takes its reduced sizes (`bench.runner.size`). `python -m bench.readme` shows the last
full run in the README.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
HISTORY = HERE / "history.jsonl"


# Reduced sizes of the modules that read their sizes from `BENCH_*` variables themselves, set
# in quick mode unless given (the other modules call `bench.runner.size`).
QUICK_SIZES = {
    "BENCH_DIRECTORY_LINES": "100000",
    "BENCH_DIRECTORY_PROFESSIONALS": "10000",
}


def discover() -> list[str]:
    """Names of the benchmark modules, in alphabetical order."""
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))


def print_table(results: list[dict]) -> None:
    """A readable summary of every figure."""
    print(f"\n{'benchmark':<34} {'value':>12} {'unit':<12} {'goal':<12} ok")
    print("-" * 76)
    for row in results:
        value = row["value"]
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(
            f"{row['name']:<34} {shown:>12} {row['unit']:<12} {row.get('goal', ''):<12} "
            f"{'yes' if row.get('passed') else 'NO'}"
        )


def current_commit() -> str:
    """The checked-out commit, `-dirty` when the work tree has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def history_entry(
    results: list[dict],
    *,
    modules: list[str],
    quick: bool,
    seconds: float,
    module_seconds: dict[str, float],
    load: float,
) -> dict:
    """One line of bench/history.jsonl: when, on what, how, and every figure."""
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": current_commit(),
        "quick": quick,
        "modules": [name.removeprefix("bench_") for name in modules],
        "complete": sorted(modules) == discover(),
        "seconds": round(seconds, 1),
        "module_seconds": {
            name.removeprefix("bench_"): round(took, 1) for name, took in module_seconds.items()
        },
        "cpu_count": os.cpu_count(),
        "load_average_1min_at_start": round(load, 2),
        "figures": {
            row["name"]: {key: row.get(key) for key in ("value", "unit", "goal", "passed")}
            for row in results
        },
    }


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    if quick:
        os.environ["BENCH_QUICK"] = "1"
        for name, value in QUICK_SIZES.items():
            os.environ.setdefault(name, value)
    args = [arg for arg in argv if arg != "--quick"]
    names = [f"bench_{n.removeprefix('bench_')}" for n in args] or discover()
    load = os.getloadavg()[0]
    began = time.perf_counter()
    results: list[dict] = []
    module_seconds: dict[str, float] = {}
    for name in names:
        started = time.perf_counter()
        print(f"running {name}{' (quick)' if quick else ''}…", flush=True)
        try:
            rows = importlib.import_module(f"bench.{name}").run()
        except Exception:  # one broken module must not cost the others' figures
            traceback.print_exc()
            rows = [{"name": f"{name} (failed)", "value": 0, "unit": "", "passed": False}]
        for row in rows:
            row.setdefault("module", name)
            results.append(row)
        module_seconds[name] = time.perf_counter() - started
        print(f"  done in {module_seconds[name]:.1f} s", flush=True)
    seconds = time.perf_counter() - began
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    entry = history_entry(
        results,
        modules=names,
        quick=quick,
        seconds=seconds,
        module_seconds=module_seconds,
        load=load,
    )
    with HISTORY.open("a", encoding="utf-8") as history:
        history.write(json.dumps(entry, ensure_ascii=False) + "\n")
    print_table(results)
    print(f"\n{len(results)} figures in {seconds / 60:.1f} min; written to {RESULTS}")
    print(f"appended to {HISTORY}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
