"""The audit trail is a hash chain: `relais audit verify` finds the first entry altered, removed
or slipped in, concurrent writers never fork it, and the migration chains the existing rows."""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid

import psycopg
import pytest
from alembic import command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import column, create_engine, insert, select, table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from services.bootstrap import SCHEMA
from shared.audit.chain import GENESIS, digest
from shared.audit.models import AuditChain, AuditEntry, write_held_entries
from shared.audit.service import record_audit, record_audits
from shared.audit.verification import verify_chain
from shared.db import unit_of_work
from shared.extensions import db
from shared.migrations.runner import alembic_config
from shared.settings import normalise_database_url
from shared.timeutil import utcnow
from tests.conftest import PG_ADMIN_URL
from tests.support.database import triggers_lifted

# The last revision of the `shared` branch before the chain existed.
BEFORE_THE_CHAIN = "7d5a9341e609"
FIELDS_BEFORE = ("id", "at", "service", "user_email", "action", "reference")


def _record(app, count: int, reference: str = "MT-2026-000001") -> None:
    with app.app_context(), unit_of_work():
        for _ in range(count):
            record_audit(action="read", reference=reference, user_email="coord@relais.test")


def _entries(app) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _tamper(app, statement: str) -> None:
    """Change the trail as a superuser could, its triggers lifted."""
    with app.app_context(), db.engine.begin() as conn, triggers_lifted(conn):
        conn.execute(text(statement))


def test_each_entry_is_chained_to_the_one_before(app):
    _record(app, 2)
    _record(app, 1)
    entries = _entries(app)
    assert [entry.seq for entry in entries] == [1, 2, 3]
    previous = GENESIS
    for entry in entries:
        assert entry.hash == digest(previous, entry)
        previous = entry.hash
    with app.app_context():
        chain = db.session.get(AuditChain, 1)
        assert (chain.head_seq, chain.head_hash) == (3, previous)


def test_a_page_of_reads_is_one_entry_a_case_chained_after_those_added_before(app, cli_runner):
    references = [f"MT-2026-{n:06d}" for n in range(1, 6)]
    with app.app_context(), unit_of_work():
        record_audit(action="update", reference="SH-2026-000001", user_email="dac@relais.test")
        record_audits(action="read", references=references)
    _record(app, 1)
    entries = _entries(app)
    assert [(entry.seq, entry.action, entry.reference) for entry in entries] == [
        (1, "update", "SH-2026-000001"),
        *((seq, "read", ref) for seq, ref in enumerate(references, start=2)),
        (7, "read", "MT-2026-000001"),
    ]
    assert {entry.user_email for entry in entries[1:6]} == {"system@relais"}
    result = cli_runner(["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "7 entrée(s) vérifiée(s), n° 1 à 7" in result.output


def test_an_unknown_action_is_refused_for_a_page_too(app):
    with app.app_context(), pytest.raises(ValueError, match="unknown audit action"):
        record_audits(action="glance", references=["MT-2026-000001"])


def test_verify_reports_an_intact_chain(app, cli_runner):
    _record(app, 3)
    result = cli_runner(["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Chaîne intacte."
    assert "3 entrée(s) vérifiée(s), n° 1 à 3" in result.output


def test_verify_names_the_entry_a_superuser_changed(app, cli_runner):
    _record(app, 4)
    changed = _entries(app)[2]
    _tamper(app, f"UPDATE audit_entries SET user_email = 'x@relais.test' WHERE seq = {changed.seq}")
    result = cli_runner(["audit", "verify"])
    assert result.exit_code == 1
    assert f"Chaîne rompue à l'entrée n° 3 (id {changed.id}, {changed.at.isoformat()})" in (
        result.output
    )
    assert "empreinte incorrecte" in result.output
    assert "2 entrée(s) intacte(s) avant elle." in result.output


def test_verify_names_the_entry_after_a_removed_one(app, cli_runner):
    _record(app, 4)
    after = _entries(app)[2]
    _tamper(app, "DELETE FROM audit_entries WHERE seq = 2")
    result = cli_runner(["audit", "verify"])
    assert result.exit_code == 1
    assert f"Chaîne rompue à l'entrée n° 3 (id {after.id}" in result.output
    assert "entrée(s) n° 2 à 2 manquante(s)" in result.output


def test_verify_notices_that_the_last_entries_were_removed(app, cli_runner):
    _record(app, 3)
    _tamper(app, "DELETE FROM audit_entries WHERE seq = 3")
    result = cli_runner(["audit", "verify"])
    assert result.exit_code == 1
    broken = "Chaîne rompue à l'entrée n° 3 : la tête de chaîne annonce l'entrée n° 3"
    assert broken in result.output


def test_an_entry_that_does_not_take_the_next_place_is_refused(app):
    _record(app, 1)
    with app.app_context():
        row = {
            "id": uuid.uuid4(),
            "at": utcnow(),
            "service": "orientation",
            "user_email": "x@relais.test",
            "action": "read",
            "seq": 5,
            "hash": GENESIS,
        }
        with pytest.raises(DBAPIError, match="does not follow the head of the chain"):
            db.session.execute(insert(AuditEntry).values(**row))
        db.session.rollback()
    assert [entry.seq for entry in _entries(app)] == [1]


def test_entries_inserted_together_must_follow_the_head_without_a_gap(app):
    _record(app, 1)

    def row(seq: int) -> dict:
        return {
            "id": uuid.uuid4(),
            "at": utcnow(),
            "service": "orientation",
            "user_email": "x@relais.test",
            "action": "read",
            "seq": seq,
            "hash": GENESIS,
        }

    refused = "does not follow the head of the chain|uq_audit_entries_seq"
    with app.app_context():
        for seqs in ((2, 4), (3, 4), (1, 2)):
            with pytest.raises(DBAPIError, match=refused):
                db.session.execute(insert(AuditEntry).values([row(seq) for seq in seqs]))
            db.session.rollback()
    assert [entry.seq for entry in _entries(app)] == [1]


@pytest.mark.postgres_only
def test_a_page_of_reads_moves_the_head_of_the_chain_once(app):
    references = [f"MT-2026-{n:06d}" for n in range(1, 51)]
    with app.app_context(), unit_of_work():
        record_audits(action="read", references=references)
        write_held_entries(db.session())  # as the commit does, to read the statistics before it
        updates = db.session.scalar(
            text("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'audit_chain'")
        )
    assert updates == 1
    entries = _entries(app)
    assert [entry.reference for entry in entries] == references
    with app.app_context():
        chain = db.session.get(AuditChain, 1)
        assert (chain.head_seq, chain.head_hash) == (50, entries[-1].hash)


@pytest.mark.postgres_only
def test_concurrent_writers_never_fork_the_chain(app):
    writers, each = 6, 5
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            start.wait()
            for _ in range(each):
                _record(app, 1)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [entry.seq for entry in _entries(app)] == list(range(1, writers * each + 1))
    with app.app_context():
        assert verify_chain(db.session).broken is None


@pytest.fixture
def fresh_database_url(backend, tmp_path):
    """An empty database of the suite's backend, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'avant-la-chaine.sqlite3'}"
        return
    name = f"relais_chain_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield normalise_database_url(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migration_chains_the_rows_written_before_it(fresh_database_url):
    config = alembic_config(fresh_database_url, SCHEMA)
    command.upgrade(config, BEFORE_THE_CHAIN)
    engine = create_engine(fresh_database_url)
    # The table as it was then: no place in a chain, no hash.
    before = table(
        "audit_entries",
        *(column(name, AuditEntry.__table__.c[name].type) for name in FIELDS_BEFORE),
    )
    written = [("MT-B", 2), ("MT-A", 3), ("MT-C", 1)]  # in this order, days old
    with engine.begin() as conn:
        conn.execute(
            before.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "at": utcnow() - dt.timedelta(days=days_old),
                    "service": "orientation",
                    "user_email": "coord@relais.test",
                    "action": "read",
                    "reference": reference,
                }
                for reference, days_old in written
            ],
        )
    command.upgrade(config, "heads")
    try:
        with Session(engine) as session:
            chained = session.scalars(select(AuditEntry.reference).order_by(AuditEntry.seq))
            assert list(chained) == ["MT-A", "MT-B", "MT-C"]  # oldest first
            report = verify_chain(session)
            assert (report.broken, report.checked, report.head_seq) == (None, 3, 3)
            session.add(AuditEntry(service="agenda", user_email="x@relais.test", action="read"))
            session.commit()
            assert verify_chain(session).head_seq == 4
            assert verify_chain(session).broken is None
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_the_chain_is_locked_only_by_the_statements_just_before_the_commit(app):
    advisory_locks = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    )
    with app.app_context(), unit_of_work():
        record_audit(action="update", reference="SH-2026-000001", user_email="dac@relais.test")
        db.session.flush()
        assert db.session.scalar(advisory_locks) == 0
        write_held_entries(db.session())
        assert db.session.scalar(advisory_locks) == 1
    assert [entry.reference for entry in _entries(app)] == ["SH-2026-000001"]


@pytest.mark.postgres_only
def test_a_writer_busy_after_its_audit_does_not_hold_back_the_others(app):
    recorded, other_committed = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with app.app_context(), unit_of_work():
            record_audit(action="read", reference="MT-2026-000001", user_email="a@relais.test")
            db.session.flush()
            recorded.set()
            # Still working on its transaction: the other writer must not wait for it.
            assert other_committed.wait(timeout=10)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert recorded.wait(timeout=10)
    _record(app, 1, reference="MT-2026-000002")
    other_committed.set()
    thread.join()
    assert [entry.reference for entry in _entries(app)] == ["MT-2026-000002", "MT-2026-000001"]


def test_a_rolled_back_transaction_leaves_no_entry_behind(app):
    with app.app_context():
        record_audit(action="read", reference="MT-2026-000009", user_email="a@relais.test")
        db.session.rollback()
        db.session.commit()
    _record(app, 1)
    assert [entry.reference for entry in _entries(app)] == ["MT-2026-000001"]


# Text a request can put in an entry (e-mail, reference, address): any character PostgreSQL's
# text stores, i.e. no NUL and no lone surrogate.
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)


@pytest.mark.postgres_only
@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(_TEXT, _TEXT, st.one_of(st.none(), _TEXT)), min_size=1, max_size=4))
def test_the_database_links_entries_as_python_verifies_them(app, rows):
    """PostgreSQL's `audit_append` hashes the bytes `digest` hashes, whatever the text: quotes,
    backslashes, newlines, accents, emoji, characters outside the basic plane."""
    with app.app_context(), unit_of_work():
        for email, reference, ip in rows:
            record_audit(action="read", reference=reference, user_email=email, ip=ip)
    entries = _entries(app)
    previous = GENESIS
    for entry in entries:
        assert entry.hash == digest(previous, entry)
        previous = entry.hash
    assert [(e.user_email, e.reference, e.ip) for e in entries[-len(rows) :]] == rows
    with app.app_context():
        assert verify_chain(db.session).broken is None
