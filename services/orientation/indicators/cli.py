"""`relais seed-synthetic`: a large, reproducible synthetic data set for benchmarks and demos."""

from __future__ import annotations

import time

import click

from shared.commands import app_context, command_settings


@click.command("seed-synthetic")
@click.option("--cases", type=click.IntRange(min=0), default=10_000, show_default=True)
@click.option("--professionals", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--months", type=click.IntRange(min=1, max=240), default=12, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
def seed_synthetic(cases: int, professionals: int, months: int, seed: int) -> None:
    """Generate synthetic cases of every type (all states, coherent history) and professionals.

    --cases is shared: 70% médecin traitant, 12% discharges, 12% EPP, 6% teleconsultations,
    plus five SNP slots per teleconsultation (with their bookings).
    """
    from services.orientation.indicators.synthetic import seed_synthetic as generate

    settings = command_settings()
    if settings.env == "production":
        raise click.ClickException("Les données synthétiques sont refusées en production.")
    with app_context(settings=settings):
        started = time.perf_counter()
        counts = generate(cases=cases, professionals=professionals, months=months, seed=seed)
    for table, count in counts.items():
        click.echo(f"{table} : {count} lignes")
    click.echo(f"Données synthétiques créées en {time.perf_counter() - started:.1f} s.")
