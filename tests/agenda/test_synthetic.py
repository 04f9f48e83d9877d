"""Synthetic agenda data: slots that never overlap, bookings that match them, teleconsultations
whose history replays their state."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter, defaultdict

from sqlalchemy import select

from services.agenda.bookings.models import Booking
from services.agenda.slots.models import Slot
from services.agenda.synthetic import SNP_SLOTS_PER_CASE, generate_agenda, generate_professionals
from services.agenda.teleconsultation.machine import MACHINE
from services.agenda.teleconsultation.models import TeleconsultationCase, TeleconsultationHistory
from services.agenda.teleconsultation.schemas import CANCEL_REASONS
from shared.extensions import db
from shared.synthetic import Context, make_pools
from tests.support import synthetic


def test_slots_of_one_professional_never_overlap(app):
    with app.app_context():
        synthetic.seed()
        by_professional = defaultdict(list)
        for slot in db.session.scalars(select(Slot)):
            assert slot.end_at > slot.start_at
            assert slot.created_at < slot.start_at and slot.created_at <= synthetic.NOW
            if slot.withdrawn_at is not None:
                assert slot.created_at <= slot.withdrawn_at <= slot.start_at
            by_professional[slot.professional_id].append((slot.start_at, slot.end_at))
        for ranges in by_professional.values():
            ranges.sort()
            for (_start, end), (next_start, _end) in zip(ranges, ranges[1:], strict=False):
                assert end <= next_start
        kinds = Counter(s.kind for s in db.session.scalars(select(Slot)))
        # 180 teleconsultation cases (6% of 3000), five SNP slots each.
        assert kinds["snp"] == SNP_SLOTS_PER_CASE * 180
        assert kinds["teleconsultation"] >= 180


def test_bookings_copy_their_slot_and_one_at_most_is_active(app):
    with app.app_context():
        synthetic.seed()
        slots = {s.id: s for s in db.session.scalars(select(Slot))}
        bookings = list(db.session.scalars(select(Booking)))
        assert {b.kind for b in bookings} == {"snp", "teleconsultation"}
        active = Counter(b.slot_id for b in bookings if b.cancelled_at is None)
        assert max(active.values()) == 1
        assert any(b.cancelled_at is not None for b in bookings)
        for booking in bookings:
            slot = slots[booking.slot_id]
            assert (booking.professional_id, booking.kind) == (slot.professional_id, slot.kind)
            assert (booking.start_at, booking.end_at) == (slot.start_at, slot.end_at)
            assert slot.created_at <= booking.created_at < slot.start_at
            assert booking.created_at <= synthetic.NOW
            if booking.cancelled_at is None:
                assert slot.withdrawn_at is None
            else:
                assert booking.created_at <= booking.cancelled_at <= synthetic.NOW


def test_teleconsultations_replay_their_history_and_hold_their_booking(app):
    with app.app_context():
        synthetic.seed()
        cases = synthetic.check_history(TeleconsultationCase, TeleconsultationHistory, MACHINE)
        assert len(cases) == 180
        states = Counter(c.state for c in cases.values())
        assert {"scheduled", "completed", "cancelled"} <= set(states)
        bookings = {b.id: b for b in db.session.scalars(select(Booking))}
        by_case = defaultdict(list)
        for booking in bookings.values():
            if booking.teleconsultation_id is not None:
                by_case[booking.teleconsultation_id].append(booking)
        assert any(c.no_show_count > 0 for c in cases.values())
        for case in cases.values():
            assert case.window_from < case.window_to
            active = [b for b in by_case[case.id] if b.cancelled_at is None]
            if case.state in ("scheduled", "completed"):
                # The booking made by `pair`, in the window, still active.
                assert [b.id for b in active] == [case.booking_id]
                assert active[0].slot_id == case.slot_id
                assert case.window_from <= case.scheduled_start < case.window_to
            else:
                assert active == [] and case.booking_id is None
            if case.state == "completed":
                assert case.scheduled_end <= case.completed_at <= synthetic.NOW
            if case.state == "cancelled":
                assert case.cancel_reason in CANCEL_REASONS
            # Each no-show released its booking; a cancellation may have released one more.
            released = len(by_case[case.id]) - len(active)
            assert case.no_show_count <= released <= case.no_show_count + 1


def test_the_orientation_generators_do_not_import_the_agenda():
    code = (
        "import sys, services.orientation.indicators.synthetic;"
        "print(any(m.startswith('services.agenda') for m in sys.modules))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def _agenda_rows(seed: int) -> list:
    ctx = Context(rng=random.Random(seed), pools=make_pools(seed), now=synthetic.NOW, months=2)  # noqa: S311
    rows = list(generate_professionals(ctx, 12))
    rows += list(generate_agenda(ctx, 60))
    return [row for _table, row in rows]


def test_the_same_seed_gives_the_same_agenda():
    assert _agenda_rows(5) == _agenda_rows(5)
    assert _agenda_rows(5) != _agenda_rows(6)
