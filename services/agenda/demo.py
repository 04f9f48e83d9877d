"""Demo agenda for `make run`: SNP and teleconsultation slots for the next two weeks, a pair."""

from __future__ import annotations

from services.agenda.directory.models import Professional
from services.agenda.pairings.service import create_pairing
from services.agenda.slots.service import publish_recurring
from shared.auth.models import User
from shared.auth.principal import Principal
from shared.timeutil import today_paris

WEEKDAYS = range(1, 6)


def seed_agenda_demo(*, professionals: dict[str, list[Professional]], coordinator: User) -> int:
    """Publish evening SNP slots for every GP (and afternoon teleconsultations for some)."""
    principal = Principal(
        user_id=coordinator.id, email=coordinator.email, roles=frozenset(coordinator.roles)
    )
    created = 0
    for index, gp in enumerate(professionals["gp"]):
        plans = [("snp", "18:00", "19:00", 20)]
        if gp.teleconsultation:
            plans.append(("teleconsultation", "14:00", "15:00", 30))
        for kind, start, end, minutes in plans:
            for weekday in WEEKDAYS:
                if (weekday + index) % 2 and kind == "snp":
                    continue  # each GP holds SNP slots on some evenings only
                result = publish_recurring(
                    principal=principal,
                    data={
                        "professional_id": gp.id,
                        "kind": kind,
                        "weekday": weekday,
                        "start_time": start,
                        "end_time": end,
                        "slot_minutes": minutes,
                        "count": None,
                        "weeks": 2,
                        "start_date": today_paris(),
                    },
                )
                created += len(result.slots)
    if professionals["nurse"] and professionals["gp"]:
        create_pairing(
            nurse_id=professionals["nurse"][0].id,
            gp_id=professionals["gp"][0].id,
            principal=principal,
        )
    return created
