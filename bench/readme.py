"""Show the last full benchmark run in the README: `python -m bench.readme` (`make bench-readme`,
run by `make bench`).

Reads bench/history.jsonl and rewrites the README's part between the markers below with the
last run that was complete (every module) and not quick: its date, commit, duration and load,
and one row per figure. Without such a run the README is left as it is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.__main__ import HISTORY

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- bench:last-run -->", "<!-- /bench:last-run -->"


def last_full_run(history: Path = HISTORY) -> dict | None:
    """The newest complete, full-size run recorded, if any."""
    if not history.exists():
        return None
    runs = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
    full = [run for run in runs if run.get("complete") and not run.get("quick")]
    return full[-1] if full else None


def _value(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def render(run: dict) -> str:
    """The README's block for `run`."""
    lines = [
        f"Last full `make bench`: {run['date'].replace('T', ' ').replace('+00:00', ' UTC')}, "
        f"commit `{run['commit'][:10]}`, {run['seconds'] / 60:.1f} min, "
        f"{run['cpu_count']} cores, load average {run['load_average_1min_at_start']} at the "
        "start (from `bench/history.jsonl`, rendered by `make bench-readme`).",
        "",
        "| figure | value | goal | met |",
        "|---|---|---|---|",
    ]
    for name, figure in run["figures"].items():
        met = "yes" if figure.get("passed") else "**no**"
        lines.append(
            f"| `{name}` | {_value(figure['value'])} {figure.get('unit') or ''} "
            f"| {figure.get('goal') or ''} | {met} |"
        )
    return "\n".join(lines)


def rewrite(text: str, block: str) -> str:
    """`text` with the part between the markers replaced by `block`."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return f"{text[:start]}\n{block}\n{text[end:]}"


def main() -> int:
    run = last_full_run()
    if run is None:
        print("no complete full-size run in bench/history.jsonl: README left as it is")
        return 0
    README.write_text(rewrite(README.read_text(), render(run)))
    print(f"README: last full run of {run['date']} shown")
    return 0


if __name__ == "__main__":
    sys.exit(main())
