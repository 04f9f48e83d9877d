"""The audit trail is append-only; retention removes only expired entries; no patient data."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from shared.audit.models import AuditEntry
from shared.audit.retention import MIN_RETENTION_DAYS, RetentionTooShort, purge_expired
from shared.audit.verification import verify_chain
from shared.extensions import db
from shared.timeutil import utcnow
from tests.conftest import TEST_PASSWORD
from tests.support import payloads


def _entry(days_old: int, reference: str) -> AuditEntry:
    return AuditEntry(
        at=utcnow() - dt.timedelta(days=days_old),
        service="orientation",
        user_email="coordinator@relais.test",
        action="read",
        reference=reference,
        ip="127.0.0.1",
    )


def _store(*entries: AuditEntry) -> None:
    db.session.add_all(entries)
    db.session.commit()


def _references() -> set[str]:
    return set(db.session.scalars(select(AuditEntry.reference)))


def test_updating_an_audit_entry_is_refused_by_the_database(app):
    with app.app_context():
        _store(_entry(1, "MT-2026-000001"))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(update(AuditEntry).values(user_email="someone-else@relais.test"))
        db.session.rollback()
        assert db.session.scalar(select(AuditEntry.user_email)) == "coordinator@relais.test"


def test_deleting_an_audit_entry_outside_the_purge_is_refused(app):
    with app.app_context():
        _store(_entry(500, "MT-2026-000001"))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(delete(AuditEntry))
        db.session.rollback()
        assert _references() == {"MT-2026-000001"}


@pytest.mark.postgres_only
def test_truncating_the_trail_is_refused(app):
    with app.app_context():
        _store(_entry(500, "MT-2026-000001"))
        for table in ("audit_entries", "audit_chain"):
            with pytest.raises(DBAPIError, match="append-only: TRUNCATE refused"):
                db.session.execute(text(f"TRUNCATE {table}"))
            db.session.rollback()
        assert _references() == {"MT-2026-000001"}


@pytest.mark.postgres_only
def test_the_former_purge_switch_no_longer_opens_the_trail(app):
    with app.app_context():
        _store(_entry(500, "MT-2026-000002"))
        db.session.execute(
            text("SELECT set_config('relais.audit_purge_before', :cutoff, true)"),
            {"cutoff": utcnow().isoformat()},
        )
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(delete(AuditEntry))
        db.session.rollback()
        assert _references() == {"MT-2026-000002"}


def test_purge_removes_only_entries_older_than_the_retention(app):
    with app.app_context():
        _store(
            _entry(400, "MT-OLD-1"),
            _entry(366, "MT-OLD-2"),
            _entry(364, "MT-KEPT-1"),
            _entry(0, "MT-KEPT-2"),
        )
        assert purge_expired(retention_days=365) == 2
        assert _references() == {"MT-KEPT-1", "MT-KEPT-2"}
        assert purge_expired(retention_days=365) == 0
        assert verify_chain(db.session).broken is None


def test_purge_removes_only_the_start_of_the_chain(app):
    with app.app_context():
        # An old entry written after a recent one (a clock set back) waits for the recent one:
        # what is kept must still verify from the anchor.
        for days_old, reference in ((400, "MT-OLD"), (10, "MT-RECENT"), (300, "MT-LATE")):
            db.session.add(_entry(days_old, reference))
            db.session.commit()
        assert purge_expired(retention_days=200) == 1
        assert _references() == {"MT-RECENT", "MT-LATE"}
        report = verify_chain(db.session)
        assert (report.broken, report.checked, report.first_seq) == (None, 2, 2)


def test_purge_refuses_a_retention_under_the_floor(app):
    with app.app_context():
        _store(_entry(400, "MT-OLD"))
        with pytest.raises(RetentionTooShort):
            purge_expired(retention_days=MIN_RETENTION_DAYS - 1)
        assert _references() == {"MT-OLD"}


@pytest.mark.postgres_only
def test_the_database_purge_function_has_the_same_floor(app):
    with app.app_context():
        _store(_entry(400, "MT-OLD"))
        with pytest.raises(DBAPIError, match=f"at least {MIN_RETENTION_DAYS}"):
            db.session.scalar(text("SELECT audit_purge(:days)"), {"days": MIN_RETENTION_DAYS - 1})
        db.session.rollback()
        assert _references() == {"MT-OLD"}
        assert db.session.scalar(text("SELECT audit_purge(:days)"), {"days": MIN_RETENTION_DAYS})
        db.session.commit()
        assert _references() == set()


def test_purge_command_uses_the_retention_setting(app, runner_env, cli_runner):
    with app.app_context():
        _store(_entry(250, "MT-OLD"), _entry(190, "MT-KEPT"))
    result = cli_runner(["audit", "purge"], AUDIT_RETENTION_DAYS="200")
    assert result.exit_code == 0, result.output
    assert "1 entrée(s) d'audit de plus de 200 jours" in result.output
    with app.app_context():
        assert _references() == {"MT-KEPT"}


def test_the_trail_records_reads_and_changes_without_patient_data(app, client, accounts):
    professional = accounts.create("professional")
    body = payloads.signalement()
    created = client.post("/api/orientation/signalements", json=body, headers=professional)
    assert created.status_code == 201
    case = created.get_json()
    read = client.get(f"/api/orientation/cases/{case['id']}", headers=professional)
    assert read.status_code == 200
    assert client.get("/api/orientation/cases", headers=professional).status_code == 200

    admin = accounts.create("admin")
    trail = client.get(f"/api/orientation/audit?reference={case['reference']}", headers=admin)
    assert trail.status_code == 200
    actions = sorted(item["action"] for item in trail.get_json()["items"])
    assert actions == ["create", "read", "read"]

    patient = body["patient"]
    secrets = [patient["last_name"], patient["first_name"], patient["nir"], patient["phone"]]
    with app.app_context():
        rows = db.session.execute(select(AuditEntry)).scalars().all()
        stored = " ".join(
            str(getattr(row, column.key)) for row in rows for column in AuditEntry.__table__.c
        )
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == len(rows) >= 3
    for secret in secrets:
        assert secret not in stored


def test_a_login_is_recorded_with_the_address(app, client, accounts):
    accounts.create("coordinator", email="login-audit@relais.test")
    response = client.post(
        "/api/auth/token",
        json={"email": "login-audit@relais.test", "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.44"},
    )
    assert response.status_code == 200
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login")).one()
    assert (entry.user_email, entry.ip, entry.reference) == (
        "login-audit@relais.test",
        "192.0.2.44",
        None,
    )
