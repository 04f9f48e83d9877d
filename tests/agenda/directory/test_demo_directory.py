"""The demo directory: realistic availability and structures of every kind a coordinator calls."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from services.agenda.directory.models import Organisation, Professional
from services.demo import seed_demo_data
from services.orientation.epp.models import EppReferral
from shared.extensions import db


def test_demo_professionals_have_places_some_full_and_midwives_with_capacity(app):
    with app.app_context():
        list(seed_demo_data())
        # the demo's own directory (the history's synthetic professionals aside)
        people = [
            p
            for p in db.session.scalars(select(Professional))
            if not (p.mssante_email or "").endswith("@synthetique.mssante.test")
        ]
        caring = [p for p in people if p.profession in {"gp", "midwife", "nurse"}]
        with_places = [p for p in caring if p.accepts_new_patients and p.new_patient_capacity > 0]
        full = [p for p in caring if p.new_patient_capacity == 0]
        assert len(with_places) > len(caring) / 2
        assert full, "some entries are full"
        midwives = [p for p in people if p.profession == "midwife"]
        assert midwives and all(m.new_patient_capacity > 0 for m in midwives)
        assert len({p.capacity_updated_at.date() for p in caring}) > 2, "varied freshness"
        assert any(p.qualifications for p in caring)
        assigned = db.session.scalars(
            select(EppReferral).where(EppReferral.assigned_professional_id.is_not(None))
        ).all()
        assert assigned


def test_demo_structures_of_each_kind_serve_communes(app):
    with app.app_context():
        list(seed_demo_data())
        organisations = list(db.session.scalars(select(Organisation)))
        kinds = Counter(o.kind for o in organisations)
        assert {"dac", "pmi", "ccas", "cmp", "ssiad", "had"} <= kinds.keys()
        assert all(o.latitude is not None for o in organisations)
        assert sum(1 for o in organisations if o.communes_served) >= len(organisations) - 1
