"""`bulk_insert` (COPY on PostgreSQL) and `among` (many keys in one parameter on PostgreSQL):
the same rows as the ORM would write and an `IN` would find, on both backends."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.agenda.directory.models import Professional
from shared.db import among, bulk_insert, unit_of_work
from shared.extensions import db


def _row(rpps: str, **values) -> dict:
    return {
        "id": uuid.uuid4(),
        "rpps": rpps,
        "last_name": "Exemple",
        "first_name": "Camille",
        "profession": "gp",
        "postal_code": "77000",
        "city": "Melun",
        **values,
    }


def _stored(rpps: str) -> Professional:
    professional = db.session.scalar(select(Professional).where(Professional.rpps == rpps))
    assert professional is not None
    return professional


def test_left_out_columns_take_their_python_defaults_and_json_is_stored(app):
    with app.app_context():
        with unit_of_work() as session:
            bulk_insert(
                session,
                Professional.__table__,
                [
                    _row("10000000017", languages=["fr", "en"], qualifications=["msu"]),
                    _row("10000000025", languages=["fr"], qualifications=[]),
                ],
            )
        first, second = _stored("10000000017"), _stored("10000000025")
        assert (first.languages, first.qualifications) == (["fr", "en"], ["msu"])
        assert (second.languages, second.qualifications) == (["fr"], [])
        for professional in (first, second):
            assert professional.active is True  # a constant default
            assert professional.accepts_new_patients is False
            assert professional.new_patient_capacity == 0
            assert professional.created_at is not None  # a callable default
            assert professional.mssante_email is None  # no default: NULL


@pytest.mark.postgres_only
def test_rows_of_one_copy_may_leave_out_different_columns(app):
    with app.app_context():
        with unit_of_work() as session:
            bulk_insert(
                session,
                Professional.__table__,
                [
                    _row("10000000017", languages=["de"]),
                    _row("10000000025", qualifications=["etp"], new_patient_capacity=4),
                    _row("10000000033", languages=["es"], active=False),
                ],
            )
        first, second, third = (
            _stored(rpps) for rpps in ("10000000017", "10000000025", "10000000033")
        )
        assert (first.languages, first.qualifications, first.active) == (["de"], [], True)
        assert (second.languages, second.qualifications) == ([], ["etp"])
        assert second.new_patient_capacity == 4
        assert (third.languages, third.active, third.new_patient_capacity) == (["es"], False, 0)


def test_among_finds_what_an_in_list_finds(app):
    with app.app_context():
        with unit_of_work() as session:
            bulk_insert(
                session,
                Professional.__table__,
                [_row(rpps) for rpps in ("10000000017", "10000000025", "10000000033")],
            )
        wanted = ["10000000017", "10000000033", *(f"2{n:010d}" for n in range(1000))]
        found = db.session.scalars(
            select(Professional.rpps).where(among(Professional.rpps, wanted))
        ).all()
        listed = db.session.scalars(
            select(Professional.rpps).where(Professional.rpps.in_(wanted))
        ).all()
        assert sorted(found) == sorted(listed) == ["10000000017", "10000000033"]
        # A value longer than the column is no key of it (never cut to the column's length).
        longer = select(Professional.rpps).where(among(Professional.rpps, ["100000000171"]))
        assert db.session.scalars(longer).all() == []
        assert (
            db.session.scalars(select(Professional).where(among(Professional.rpps, []))).all() == []
        )
