"""Timers of médecin-traitant proposals: a reminder to the GPs asked, then expiry of every
proposal of the case, back to triage.

The timers live in the database (`proposed_at`, `reminder_sent_at` of each case), so nothing is
lost when Redis is flushed; a periodic sweep fires what is due. It is idempotent and safe with
several workers: rows being handled elsewhere are skipped (`SKIP LOCKED`) and an expiry only
applies to the very version of the case that was found due.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from shared.auth.principal import SYSTEM
from shared.cases.service import announce, fire_transition
from shared.db import unit_of_work
from shared.errors import InvalidTransition, NotFound, VersionConflict
from shared.extensions import db
from shared.settings import Settings
from shared.timeutil import utcnow

log = logging.getLogger(__name__)
BATCH = 200


@dataclass(frozen=True)
class SweepResult:
    """What one sweep fired."""

    reminded: int
    expired: int


def sweep_proposals(now: dt.datetime | None = None) -> SweepResult:
    """Send due reminders and expire proposals left unanswered too long."""
    settings: Settings = current_app.config["RELAIS_SETTINGS"]
    now = now or utcnow()
    expired = _expire_due(now - dt.timedelta(days=settings.proposal_expiry_days))
    reminded = _remind_due(now - dt.timedelta(days=settings.proposal_reminder_days), now)
    return SweepResult(reminded=reminded, expired=expired)


def _remind_due(proposed_before: dt.datetime, now: dt.datetime) -> int:
    with unit_of_work() as session:
        cases = list(
            session.scalars(
                select(MedecinTraitantCase)
                .where(
                    MedecinTraitantCase.state == "proposed",
                    MedecinTraitantCase.proposed_at <= proposed_before,
                    MedecinTraitantCase.reminder_sent_at.is_(None),
                )
                .order_by(MedecinTraitantCase.proposed_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        for case in cases:
            case.reminder_sent_at = now
            announce(
                MEDECIN_TRAITANT,
                case,
                "reminder",
                before=case.state,
                principal=SYSTEM,
                extra={
                    "professional_ids": [str(pid) for pid in case.proposed_professional_ids],
                    "proposed_at": case.proposed_at.isoformat() if case.proposed_at else None,
                },
            )
        return len(cases)


def _expire_due(proposed_before: dt.datetime) -> int:
    # A plain read: `fire_transition` locks each case in its own unit of work and fires only
    # at the version read here, so a case answered, re-proposed or expired meanwhile is left
    # alone.
    due = db.session.execute(
        select(MedecinTraitantCase.id, MedecinTraitantCase.version)
        .where(
            MedecinTraitantCase.state == "proposed",
            MedecinTraitantCase.proposed_at <= proposed_before,
        )
        .order_by(MedecinTraitantCase.proposed_at)
        .limit(BATCH)
    ).all()
    expired = 0
    for case_id, version in due:
        try:
            fire_transition(
                MEDECIN_TRAITANT,
                case_id=case_id,
                name="expire",
                principal=SYSTEM,
                body={},
                if_match=version,
            )
            expired += 1
        except (InvalidTransition, VersionConflict, NotFound):
            # Answered, re-proposed or expired by another sweep meanwhile: nothing to do.
            log.info("timers: proposal %s changed before its expiry", case_id)
    return expired
