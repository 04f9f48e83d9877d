"""The application role documented in docs/deploy.md reads and appends to the audit trail,
purges it through `audit_purge` only, and can neither change nor erase it."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shared.audit.models import AuditEntry
from shared.audit.verification import verify_chain
from shared.timeutil import utcnow

pytestmark = pytest.mark.postgres_only

DEPLOY_DOC = Path(__file__).resolve().parents[3] / "docs" / "deploy.md"
FORBIDDEN = (
    "UPDATE audit_entries SET user_email = 'x@relais.test'",
    "DELETE FROM audit_entries",
    "TRUNCATE audit_entries",
    "UPDATE audit_chain SET purging_through = 1000000",
    "TRUNCATE audit_chain",
)


def documented_grants(role: str) -> list[str]:
    """The statements of the block marked `application-role-grants`, for `role`."""
    block = re.search(
        r"<!-- application-role-grants -->\n```sql\n(.*?)```",
        DEPLOY_DOC.read_text(encoding="utf-8"),
        re.S,
    )
    assert block, "docs/deploy.md lost its application-role-grants block"
    lines = [line for line in block.group(1).splitlines() if not line.startswith("--")]
    sql = "\n".join(lines).replace("relais_app", role)
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


def _entry(days_old: int) -> AuditEntry:
    return AuditEntry(
        at=utcnow() - dt.timedelta(days=days_old),
        service="orientation",
        user_email="coord@relais.test",
        action="read",
        reference=f"MT-{days_old}",
    )


@pytest.fixture
def owner(app, settings) -> Iterator[Engine]:
    """The owner of the tables (the suite's superuser, who ran the migrations)."""
    engine = create_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app_role(owner, settings) -> Iterator[Engine]:
    """An engine whose connections act as a new role given exactly the documented grants."""
    role = f"relais_app_{os.getpid()}"
    with owner.begin() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))  # left by an interrupted run
        conn.execute(text(f"CREATE ROLE {role}"))
        for statement in documented_grants(role):
            conn.execute(text(statement))
    engine = create_engine(settings.database_url)

    @event.listens_for(engine, "connect")
    def _as_role(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {role}")
        dbapi_connection.commit()

    yield engine
    engine.dispose()
    with owner.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
        conn.execute(text(f"DROP ROLE {role}"))


def test_the_application_role_appends_and_reads(app_role):
    with Session(app_role) as session:
        session.add_all([_entry(1), _entry(0)])
        session.commit()
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 2
        assert verify_chain(session).broken is None


@pytest.mark.parametrize("statement", FORBIDDEN)
def test_the_application_role_cannot_alter_the_trail(owner, app_role, statement):
    with Session(owner) as session:
        session.add(_entry(400))
        session.commit()
    with app_role.connect() as conn:
        conn.execute(text("SELECT set_config('relais.audit_purge_before', now()::text, true)"))
        with pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text(statement))
    with Session(owner) as session:
        assert session.scalar(select(AuditEntry.reference)) == "MT-400"
        assert verify_chain(session).broken is None


def test_the_application_role_purges_through_the_function_only(owner, app_role):
    with Session(owner) as session:
        session.add_all([_entry(400), _entry(10)])
        session.commit()
    with app_role.connect() as conn:
        with pytest.raises(DBAPIError, match="at least 180"):
            conn.execute(text("SELECT audit_purge(1)"))
        conn.rollback()
        assert conn.scalar(text("SELECT audit_purge(365)")) == 1
        conn.commit()
    with Session(app_role) as session:
        assert list(session.scalars(select(AuditEntry.reference))) == ["MT-10"]
        report = verify_chain(session)
        assert (report.broken, report.first_seq, report.head_seq) == (None, 2, 2)


def test_the_application_role_numbers_references_from_sequences_it_cannot_create(app_role):
    """`reference_next` creates the year's sequence as the schema's owner: the application's
    role, which creates nothing, still numbers the first case of a year."""
    with Session(app_role) as session:
        numbers = [session.scalar(text("SELECT reference_next('ROLE', 2031)")) for _ in range(2)]
        session.commit()
        with pytest.raises(DBAPIError, match="permission denied"):
            session.execute(text("CREATE SEQUENCE role_made_this"))
    assert numbers == [1, 2]
