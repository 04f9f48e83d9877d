"""The registry of indicator blocks: one entry per mission.

A block is a name, the figures it shows when it has nothing to say (`zero`), and a source:
a function `(period) -> (totals, {"YYYY-MM": figures})`.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.orientation.discharges.indicators import monthly_discharge_indicators
from services.orientation.epp.indicators import epp_block
from services.orientation.indicators import agenda_client
from services.orientation.indicators.queries import medecin_traitant_block
from services.orientation.indicators.sources import Figures, Monthly, Source, summed
from services.orientation.indicators.territory import territory_block
from shared.periods import Period


@dataclass(frozen=True)
class Block:
    """One block of the indicators document (`medecin_traitant`, `epp`, …)."""

    name: str
    zero: Figures
    source: Source
    monthly: bool = True  # False: a state at one instant (the directory), not counts by month
    optional: bool = False  # True: left out of the document when it has nothing (territory)

    def compute(self, period: Period) -> tuple[Figures, Monthly]:
        """This block's totals and monthly figures, zeros filled in where absent."""
        totals, monthly = self.source(period)
        if not self.monthly:
            return {**self.zero, **totals}, {}
        months = {
            m.label: {**_flat_zero(self.zero), **monthly.get(m.label, {})} for m in period.months()
        }
        return {**self.zero, **totals}, months


def _flat_zero(zero: Figures) -> Figures:
    """The scalar figures of a block, the only ones repeated month by month."""
    return {key: value for key, value in zero.items() if isinstance(value, int | float)}


EPP_ZERO: Figures = {"referrals": 0, "completed": 0, "patients_oriented": 0}
DISCHARGES_ZERO: Figures = {"cases": 0, "ready_before_discharge": 0, "discharged": 0}
AGENDA_ZERO: Figures = {
    "snp_slots_published": 0,
    "snp_slots_booked": 0,
    "teleconsultations_completed": 0,
    "professionals_publishing": 0,
    "professionals_booking": 0,
}
TELECONSULTATION_ZERO: Figures = {"nurses": 0, "gps": 0, "completed": 0}
DIRECTORY_ZERO: Figures = {"volunteer_gps": 0, "volunteer_capacity": 0}

BLOCKS: tuple[Block, ...] = (
    Block(
        "medecin_traitant",
        zero={"signalements": 0, "oriented": 0, "oriented_ald": 0, "cancelled": 0},
        source=medecin_traitant_block,
    ),
    Block("epp", zero=EPP_ZERO, source=epp_block),
    Block(
        "discharges",
        zero=DISCHARGES_ZERO,
        source=summed(monthly_discharge_indicators, zero=DISCHARGES_ZERO),
    ),
    Block("agenda", zero=AGENDA_ZERO, source=agenda_client.agenda_block),
    Block(
        "teleconsultation",
        zero=TELECONSULTATION_ZERO,
        source=agenda_client.teleconsultation_block,
    ),
    Block("directory", zero=DIRECTORY_ZERO, source=agenda_client.directory_block, monthly=False),
    Block("territory", zero={}, source=territory_block, monthly=False, optional=True),
)
