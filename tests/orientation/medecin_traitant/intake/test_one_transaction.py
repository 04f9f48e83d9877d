"""A signalement is one transaction: its reference comes from a counter row updated in that
transaction, so concurrent signalements get distinct numbers with no gap, even when some are
refused as duplicates (their rollback gives the number back); the case, its history, the audit
entry and the event are written by one flush, and nothing is read back after the insert."""

from __future__ import annotations

import threading

from sqlalchemy import event, select

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


def test_concurrent_signalements_are_numbered_without_duplicates_or_gaps(world, app):
    existing = world.client.post(
        f"{MT}/signalements", json=payloads.signalement(), headers=world.submitter
    ).get_json()
    twin = payloads.signalement()
    twin["patient"] = existing["patient"]
    bodies = [payloads.signalement() for _ in range(NEW)] + [twin] * DUPLICATES
    responses = _concurrently(app, bodies, world.submitter)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * NEW + [409] * DUPLICATES
    year = today_paris().year
    numbers = sorted(
        int(r.get_json()["reference"].rsplit("-", 1)[1]) for r in responses if r.status_code == 201
    )
    # The first case took number 1; the refused duplicates gave theirs back.
    assert numbers == list(range(2, NEW + 2))
    with app.app_context():
        counter = db.session.get(ReferenceCounter, ("MT", year))
        assert counter is not None and counter.value == NEW + 1


def test_a_signalement_is_one_transaction_with_nothing_read_back(world, app):
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
            wrote[0] = wrote[0] or seen[-1].startswith(("INSERT", "UPDATE", "DELETE"))

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
    writes = [s for s in seen if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert sorted(w.split()[2] for w in writes) == [
        "audit_entries",
        "orientation_mt_cases",
        "orientation_mt_history",
        "outbox_events",
        "reference_counters",
    ]
    assert commits.count(True) == 1
    inserted = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO orientation_mt"))
    # Neither the case, nor its history, nor its proposals (a new case has none).
    assert not any("FROM orientation_mt_" in s for s in seen[inserted:])
    with app.app_context():
        stored = db.session.scalar(
            select(ReferenceCounter.value).where(ReferenceCounter.prefix == "MT")
        )
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
    first_write = next(
        i for i, s in enumerate(seen) if s.startswith(("INSERT", "UPDATE", "DELETE"))
    )
    assert any("FROM orientation_mt_history" in s for s in seen[:first_write])
    assert not any("FROM orientation_mt_history" in s for s in seen[first_write:])
