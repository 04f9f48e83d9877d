"""The indicators' queries can be served by the indexes made for them (PostgreSQL).

An index on an expression, or a partial one, serves a query only if the query repeats the
expression or implies the predicate: a harmless-looking rewrite of a query (a filter moved or
dropped, another spelling of the delay) would silently bring back full scans. Each
statement the indicators run is captured and explained with sequential and bitmap scans
disabled and every other index of the table dropped (in a transaction rolled back), so the
plan names the index if and only if the planner can use it for that statement, whatever the
size and statistics of the test tables.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event

from services.agenda.indicators.service import agenda_indicators
from services.orientation.discharges.indicators import monthly_discharge_indicators
from services.orientation.epp.indicators import epp_block, monthly_epp_indicators
from services.orientation.indicators.queries import _percentiles, medecin_traitant_block
from shared.extensions import db
from shared.periods import Period
from tests.support.factories import utc

pytestmark = pytest.mark.postgres_only

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


def _statements(run: Callable[[], object]) -> list[tuple[str, object]]:
    """The SQL statements (and parameters) `run` sends to the database."""
    captured: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return captured


def _keep_only(index: str) -> None:
    """Drop, in the current transaction, every other index of `index`'s table (and the
    constraints some of them back)."""
    connection = db.session.connection()
    others = connection.exec_driver_sql(
        "SELECT i.indexrelid::regclass::text, c.conname, i.indrelid::regclass::text "
        "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid "
        "AND c.conrelid = i.indrelid "
        "WHERE i.indrelid = (SELECT indrelid FROM pg_index WHERE indexrelid = $1::regclass) "
        "AND i.indexrelid <> $1::regclass",
        (index,),
    ).all()
    for name, constraint, table in others:
        if constraint:
            connection.exec_driver_sql(
                f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}" CASCADE'
            )
        else:
            connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')


def _indexes_used(statement: str, parameters: object) -> set[str]:
    """Names of the indexes in the plan of `statement` when sequential and bitmap scans are
    disabled."""
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    names: set[str] = set()

    def walk(node: dict) -> None:
        if "Index Name" in node:
            names.add(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    plan = json.loads(plan) if isinstance(plan, str) else plan
    walk(plan[0]["Plan"])
    return names


def _all_indexes(run: Callable[[], object], index: str) -> Iterator[str]:
    statements = _statements(run)
    _keep_only(index)
    try:
        for statement, parameters in statements:
            yield from _indexes_used(statement, parameters)
    finally:
        db.session.rollback()


def test_the_percentiles_read_the_delays_from_their_index(app, world):
    created = utc(2026, 2, 1, 9)
    world.case_then("oriented", created, created + dt.timedelta(5))
    with app.app_context():
        run = lambda: _percentiles(Period(START, END), (0.5, 0.9))  # noqa: E731
        indexes = set(_all_indexes(run, "ix_orientation_mt_cases_delay"))
    assert "ix_orientation_mt_cases_delay" in indexes


@pytest.mark.parametrize(
    ("run", "index"),
    [
        (
            lambda: monthly_epp_indicators(Period(START, END)),
            "ix_orientation_epp_referrals_indicators_completed",
        ),
        (
            lambda: monthly_discharge_indicators(Period(START, END)),
            "ix_orientation_sh_cases_indicators_discharged",
        ),
        (
            lambda: agenda_indicators(start=START, end=END),
            "ix_agenda_bookings_indicators_active",
        ),
        (
            lambda: agenda_indicators(start=START, end=END),
            "ix_agenda_tc_cases_indicators_completed",
        ),
    ],
    ids=["epp completed", "discharges", "agenda bookings", "teleconsultations completed"],
)
def test_each_block_counts_from_its_partial_index(app, run, index):
    with app.app_context():
        assert index in set(_all_indexes(run, index))


def _scans(run: Callable[[], object], index: str, marker: str) -> set[str]:
    """Node types of the scans of `index` in the plans of the statements of `run` that
    mention `marker` (so as to pick the distinct counts among the block's statements)."""
    statements = [(s, p) for s, p in _statements(run) if marker in s]
    assert statements, f"no statement mentions {marker}"
    _keep_only(index)
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    found: set[str] = set()

    def walk(node: dict) -> None:
        if node.get("Index Name") == index:
            found.add(node["Node Type"])
        for child in node.get("Plans", []):
            walk(child)

    try:
        for statement, parameters in statements:
            plan = connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {statement}", parameters
            ).scalar()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            walk(plan[0]["Plan"])
    finally:
        db.session.rollback()
    return found


@pytest.mark.parametrize(
    ("run", "index", "marker"),
    [
        (
            lambda: agenda_indicators(start=START, end=END),
            "ix_agenda_slots_search",
            "professional_id",
        ),
        (
            lambda: agenda_indicators(start=START, end=END),
            "ix_agenda_bookings_indicators_active",
            "created_by",
        ),
        (
            lambda: agenda_indicators(start=START, end=END),
            "ix_agenda_tc_cases_indicators_completed",
            "nurse_professional_id",
        ),
        (
            lambda: epp_block(Period(START, END)),
            "ix_orientation_epp_referrals_indicators_accepted",
            "patient_key",
        ),
        (
            lambda: medecin_traitant_block(Period(START, END)),
            "ix_orientation_mt_cases_indicators_created",
            "orientation_mt_cases.source",
        ),
        (
            lambda: medecin_traitant_block(Period(START, END)),
            "ix_orientation_mt_cases_indicators_oriented",
            "orientation_mt_cases.source",
        ),
    ],
    ids=[
        "publishing",
        "booking",
        "nurses",
        "epp patients",
        "signalements by source",
        "oriented by source",
    ],
)
def test_distinct_and_source_counts_are_index_only_scans_of_their_covering_index(
    app, run, index, marker
):
    with app.app_context():
        assert _scans(run, index, marker) == {"Index Only Scan"}


def test_the_block_counts_the_delays_in_its_orientations_pass(app, world):
    """The percentiles' histogram comes from the orientations' scan (a third grouping set),
    not from a scan of its own, and gives the same percentiles as that scan would."""
    for day, delay in ((2, 1), (3, 4), (9, 12), (20, 30), (25, 2.5)):
        created = utc(2026, 2, day, 9)
        world.case_then("oriented", created, created + dt.timedelta(delay))
    with app.app_context():
        period = Period(START, END)
        blocks: list[dict] = []
        statements = _statements(lambda: blocks.append(medecin_traitant_block(period)[0]))
        by_delay = [s for s, _ in statements if "date_part" in s]
        assert by_delay and all("GROUPING SETS" in s for s in by_delay)
        median, p90 = _percentiles(period, (0.5, 0.9))
    assert blocks[0]["median_days_to_orientation"] == pytest.approx(median) == 4.0
    assert blocks[0]["p90_days_to_orientation"] == pytest.approx(p90)
