"""Timing of pages through the WSGI app in-process (Flask test client): server time only.
Shared by the page benchmarks (`bench_lists`, `bench_pages`)."""

from __future__ import annotations

import statistics
import time


def page_times(client, urls: list[str]) -> list[float]:
    """Milliseconds of each GET, in order; every page must answer 200."""
    timings = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]
