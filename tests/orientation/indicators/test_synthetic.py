"""`relais seed-synthetic`: coherent, reproducible synthetic data of every case type and state."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from click.testing import CliRunner
from sqlalchemy import func, select

from services.agenda.bookings.models import Booking
from services.agenda.directory.models import Professional
from services.agenda.slots.models import Slot
from services.agenda.teleconsultation.models import TeleconsultationCase
from services.cli import cli
from services.orientation.discharges.machine import MACHINE as DISCHARGE_MACHINE
from services.orientation.discharges.models import DischargeCase, DischargeHistory
from services.orientation.epp.machine import MACHINE as EPP_MACHINE
from services.orientation.epp.models import EppHistory, EppReferral
from services.orientation.epp.states import STATES as EPP_STATES
from services.orientation.indicators.synthetic import (
    Context,
    case_mix,
    generate_discharges,
    generate_epp,
    generate_medecin_traitant,
    make_pools,
)
from services.orientation.medecin_traitant.machine import MACHINE as MT_MACHINE
from services.orientation.medecin_traitant.machine import OPEN_STATES
from services.orientation.medecin_traitant.models import MedecinTraitantCase as Case
from services.orientation.medecin_traitant.models import MedecinTraitantHistory as History
from shared.extensions import db
from shared.timeutil import PARIS, today_paris
from tests.support import synthetic


def test_case_mix_shares_the_cases_between_types_and_adds_up():
    assert case_mix(100_000) == {
        "medecin_traitant": 70_000,
        "discharges": 12_000,
        "epp": 12_000,
        "agenda": 6_000,
    }
    assert sum(case_mix(1234).values()) == 1234
    assert case_mix(0) == {"medecin_traitant": 0, "discharges": 0, "epp": 0, "agenda": 0}


def test_seed_synthetic_command_writes_every_case_type_and_reports_the_rows(app, settings):
    result = CliRunner().invoke(
        cli,
        ["seed-synthetic", "--cases", "1000", "--professionals", "20", "--months", "3"],
        env={
            "DATABASE_URL": settings.database_url,
            "RELAIS_ENV": "test",
            "SECRET_KEY": settings.secret_key,
        },
    )
    assert result.exit_code == 0, result.output
    for line in (
        "agenda_professionals : 20 lignes",
        "orientation_mt_cases : 700 lignes",
        "orientation_sh_cases : 120 lignes",
        "orientation_epp_referrals : 120 lignes",
        "agenda_tc_cases : 60 lignes",
    ):
        assert line in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Professional)) == 20
        assert db.session.scalar(select(func.count()).select_from(Slot)) > 300


def test_medecin_traitant_cases_cover_every_state_with_a_coherent_history(app):
    with app.app_context():
        synthetic.seed()
        cases = synthetic.check_history(Case, History, MT_MACHINE)
        assert len(cases) == 2100
        assert set(Counter(c.state for c in cases.values())) == set(MT_MACHINE.states)
        for case in cases.values():
            if case.state == "oriented":
                assert case.oriented_at == case.updated_at
                assert case.accepted_professional_id is not None
        # Some patients came back after their first case closed; never two open cases at once.
        keys = Counter(c.patient_key for c in cases.values())
        assert max(keys.values()) >= 2
        open_keys = Counter(c.patient_key for c in cases.values() if c.state in OPEN_STATES)
        assert max(open_keys.values()) == 1


def test_discharge_cases_cover_every_state_with_dates_in_order(app):
    with app.app_context():
        synthetic.seed()
        cases = synthetic.check_history(DischargeCase, DischargeHistory, DISCHARGE_MACHINE)
        assert len(cases) == 360
        assert set(Counter(c.state for c in cases.values())) == set(DISCHARGE_MACHINE.states)
        ready_before = 0
        for case in cases.values():
            assert case.reference.startswith("SH-")
            if case.state in ("ready", "discharged", "followed_up"):
                # Ready means every item the city needs was there.
                assert case.planned_discharge_date and case.summary and case.prescription
                assert case.professionals
                assert case.ready_on == case.ready_at.astimezone(PARIS).date()
                assert case.preparing_at < case.ready_at
            if case.state in ("discharged", "followed_up"):
                assert case.admission_date <= case.actual_discharge_date
                assert case.ready_at < case.discharged_at
                ready_before += case.ready_on < case.actual_discharge_date
            if case.state == "followed_up":
                assert case.follow_up_date >= case.actual_discharge_date
            if case.state == "cancelled":
                assert case.cancelled_at == case.updated_at and case.cancel_reason
        assert ready_before > 0
        # The worklist has cases stuck for want of their prescription.
        assert any(
            c.state in ("announced", "preparing") and c.prescription is None for c in cases.values()
        )


def test_epp_referrals_cover_every_state_one_open_referral_per_patient(app):
    with app.app_context():
        synthetic.seed()
        referrals = synthetic.check_history(EppReferral, EppHistory, EPP_MACHINE)
        assert len(referrals) == 360
        assert set(Counter(r.state for r in referrals.values())) == set(EPP_MACHINE.states)
        open_keys = Counter(r.patient_key for r in referrals.values() if r.state in EPP_STATES.open)
        assert max(open_keys.values()) == 1
        for referral in referrals.values():
            assert referral.patient_sex == "F"
            assert 0 <= referral.weeks_at_referral <= 42
            if referral.state in ("assigned", "accepted", "completed"):
                assert referral.assigned_professional_id is not None
                assert str(referral.assigned_professional_id) not in (
                    referral.excluded_professional_ids
                )
            if referral.state == "completed":
                assert referral.pregnancy_start_date <= referral.epp_date
                assert referral.epp_date <= referral.completed_at.astimezone(PARIS).date()
        # Declined referrals went back to the queue with the midwife excluded.
        assert any(r.excluded_professional_ids for r in referrals.values())


def test_references_are_unique_across_every_case_type(app):
    with app.app_context():
        synthetic.seed()
        references = [
            reference
            for model in (Case, DischargeCase, EppReferral, TeleconsultationCase)
            for reference in db.session.scalars(select(model.reference))
        ]
        assert len(references) == 3000
        assert len(set(references)) == len(references)
        assert all("-S" in reference for reference in references)


def test_indicators_have_figures_in_every_block_after_seeding(app, client, accounts):
    with app.app_context():
        synthetic.seed(cases=1500, professionals=30, months=4)
        assert db.session.scalar(select(func.count()).select_from(Booking)) > 0
    body = client.get(
        "/api/orientation/indicators",
        query_string={
            "from": (today_paris() - dt.timedelta(days=400)).isoformat(),
            "to": (today_paris() + dt.timedelta(days=20)).isoformat(),
        },
        headers=accounts.create("reporting"),
    ).get_json()
    figures = {
        "medecin_traitant": ("signalements", "oriented", "oriented_ald", "cancelled"),
        "epp": ("referrals", "completed"),
        "discharges": ("cases", "ready_before_discharge", "discharged"),
        "agenda": ("snp_slots_published", "snp_slots_booked", "teleconsultations_completed"),
    }
    for block, names in figures.items():
        for name in names:
            assert body[block][name] > 0, (block, name, body[block])
    assert body["medecin_traitant"]["signalements"] == 1050
    assert body["epp"]["referrals"] == 180
    assert body["discharges"]["cases"] == 180


def _rows(seed: int, now: dt.datetime) -> list:
    ctx = Context(rng=random.Random(seed), pools=make_pools(seed), now=now, months=3)  # noqa: S311
    ctx.gps = [ctx.uuid() for _ in range(5)]
    ctx.nurses = [ctx.uuid() for _ in range(2)]
    ctx.midwives = [ctx.uuid() for _ in range(2)]
    return [
        row
        for generator in (generate_medecin_traitant, generate_discharges, generate_epp)
        for _table, row in generator(ctx, 200)
    ]


def test_the_same_seed_gives_the_same_data():
    now = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    assert _rows(11, now) == _rows(11, now)
    assert _rows(11, now) != _rows(12, now)
