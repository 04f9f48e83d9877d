"""Run the benchmarks: `python -m bench [module …]`; writes bench/results.json and prints a table.

Each module `bench/bench_<name>.py` exposes `run() -> list[dict]`, one dict per figure:
`{"name", "value", "unit", "goal", "passed", …}` (extra keys such as the baseline are kept).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def discover() -> list[str]:
    """Names of the benchmark modules, in alphabetical order."""
    package = Path(__file__).resolve().parent
    return sorted(
        m.name for m in pkgutil.iter_modules([str(package)]) if m.name.startswith("bench_")
    )


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


def main(argv: list[str]) -> int:
    names = [f"bench_{n.removeprefix('bench_')}" for n in argv] or discover()
    results: list[dict] = []
    for name in names:
        started = time.perf_counter()
        print(f"running {name}…", flush=True)
        module = importlib.import_module(f"bench.{name}")
        for row in module.run():
            row.setdefault("module", name)
            results.append(row)
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
