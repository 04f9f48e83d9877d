"""A signalement is one transaction. Its reference comes, on PostgreSQL, from the sequence of
(prefix, year), which locks nothing: concurrent signalements get distinct numbers, and those
refused as duplicates leave gaps; on SQLite, from a counter row updated in that transaction:
no gap, a rollback gives the number back. The case, its history, the audit entry and the event
are written by one flush, and nothing is read back after the insert."""

from __future__ import annotations

import threading

from sqlalchemy import event, text

from shared.cases.references import ReferenceCounter
from shared.extensions import db
from shared.timeutil import today_paris
from tests.support import payloads
from tests.support.factories import MT

NEW, DUPLICATES = 12, 4


def _concurrently(app, bodies: list[dict], headers: dict) -> list:
    """POST every body at the same moment, each from its own thread (and connection)."""
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def send(index: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[index] = client.post(f"{MT}/signalements", json=bodies[index], headers=headers)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def _written_table(statement: str) -> str | None:
    """The table `statement` writes to, if it writes: an INSERT, UPDATE or DELETE, or
    PostgreSQL's `audit_append` call, which inserts the transaction's audit entries."""
    if statement.startswith("SELECT audit_append("):
        return "audit_entries"
    if statement.startswith("UPDATE"):
        return statement.split()[1]
    if statement.startswith(("INSERT", "DELETE")):
        return statement.split()[2]
    return None


def _last_number(backend: str) -> int:
    """The last number given for MT this year (the sequence's, or the counter row's)."""
    year = today_paris().year
    if backend == "postgresql":
        return db.session.scalar(text(f"SELECT last_value FROM reference_mt_{year}"))
    counter = db.session.get(ReferenceCounter, ("MT", year))
    assert counter is not None
    return counter.value


def test_concurrent_signalements_are_numbered_without_duplicates(world, app, backend):
    existing = world.client.post(
        f"{MT}/signalements", json=payloads.signalement(), headers=world.submitter
    ).get_json()
    twin = payloads.signalement()
    twin["patient"] = existing["patient"]
    bodies = [payloads.signalement() for _ in range(NEW)] + [twin] * DUPLICATES
    responses = _concurrently(app, bodies, world.submitter)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * NEW + [409] * DUPLICATES
    numbers = sorted(
        int(r.get_json()["reference"].rsplit("-", 1)[1]) for r in responses if r.status_code == 201
    )
    assert len(set(numbers)) == NEW
    with app.app_context():
        last = _last_number(backend)
    if backend == "postgresql":
        # The first case took number 1; each refused duplicate burnt the number it drew.
        assert set(numbers) < set(range(2, NEW + DUPLICATES + 2))
        assert last == NEW + DUPLICATES + 1
    else:
        # The refused duplicates gave their numbers back.
        assert numbers == list(range(2, NEW + 2))
        assert last == NEW + 1


def test_a_signalement_is_one_transaction_with_nothing_read_back(world, app, backend):
    world.client.post(f"{MT}/signalements", json=payloads.signalement(), headers=world.submitter)
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    commits: list[bool] = []

    here = threading.get_ident()  # not the embedded delivery thread's statements

    wrote = [False]

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        if threading.get_ident() == here:
            seen.append(" ".join(statement.split()))
            wrote[0] = wrote[0] or _written_table(seen[-1]) is not None

    def committed(_conn) -> None:
        # On SQLite the request's read transaction (the token check) is committed before the
        # write transaction begins (`shared.db.unit_of_work`): only transactions that wrote count.
        if threading.get_ident() == here:
            commits.append(wrote[0])
            wrote[0] = False

    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "commit", committed)
    try:
        response = world.client.post(
            f"{MT}/signalements", json=payloads.signalement(), headers=world.submitter
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", committed)
    assert response.status_code == 201, response.get_json()
    written = [table for table in map(_written_table, seen) if table is not None]
    tables = ["audit_entries", "orientation_mt_cases", "orientation_mt_history", "outbox_events"]
    if backend == "sqlite":
        tables.append("reference_counters")
    assert sorted(written) == tables
    assert commits.count(True) == 1
    inserted = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO orientation_mt"))
    # Neither the case, nor its history, nor its proposals (a new case has none).
    assert not any("FROM orientation_mt_" in s for s in seen[inserted:])
    with app.app_context():
        stored = _last_number(backend)
    assert response.get_json()["reference"].endswith(f"-{stored:06d}")


def test_a_transition_reads_the_history_before_its_first_write(world, app):
    """Its writes then all go in the commit's flush, with no flush of their own before the read;
    the audit entry comes last (the chain's lock covers no read of the transaction)."""
    created = world.client.post(
        f"{MT}/signalements", json=payloads.signalement(), headers=world.submitter
    )
    case_id = created.get_json()["id"]
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    here = threading.get_ident()

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        if threading.get_ident() == here:
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = world.client.post(
            f"{MT}/cases/{case_id}/transitions/hold",
            json={"reason": "En attente du dossier."},
            headers=world.coordinator,
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.get_json()
    assert [entry["transition"] for entry in response.get_json()["history"]] == ["submit", "hold"]
    first_write = next(i for i, s in enumerate(seen) if _written_table(s) is not None)
    assert any("FROM orientation_mt_history" in s for s in seen[:first_write])
    assert not any("FROM orientation_mt_history" in s for s in seen[first_write:])
    # The proposals the response shows are read with the case, not after the commit.
    last_write = max(i for i, s in enumerate(seen) if _written_table(s) is not None)
    assert any("FROM orientation_mt_proposals" in s for s in seen[:first_write])
    assert not any(s.startswith("SELECT") for s in seen[last_write + 1 :])
