"""Benchmarks: each `bench/bench_*.py` module measures a goal side by side with a baseline."""
