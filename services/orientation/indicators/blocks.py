"""The registry of indicator blocks: one entry per mission, each reading 0 until its code lands.

A block is a name, the figures it shows when it has nothing to say (`zero`), and a source:
a function `(period) -> (totals, {"YYYY-MM": figures})`. Blocks computed by other case types
are named by module and function, imported only when that module exists, so a branch that has
not landed yet leaves its block at 0 instead of breaking the endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.orientation.indicators import agenda_client
from services.orientation.indicators.period import Period
from services.orientation.indicators.queries import medecin_traitant_block
from services.orientation.indicators.sources import Figures, Monthly, Source, module_source


@dataclass(frozen=True)
class Block:
    """One block of the indicators document (`medecin_traitant`, `epp`, …)."""

    name: str
    zero: Figures
    source: Source

    def compute(self, period: Period) -> tuple[Figures, Monthly]:
        """This block's totals and monthly figures, zeros filled in where absent."""
        totals, monthly = self.source(period)
        months = {
            m.label: {**_flat_zero(self.zero), **monthly.get(m.label, {})} for m in period.months()
        }
        return {**self.zero, **totals}, months


def _flat_zero(zero: Figures) -> Figures:
    """The scalar figures of a block, the only ones repeated month by month."""
    return {key: value for key, value in zero.items() if isinstance(value, int | float)}


def _medecin_traitant(period: Period) -> tuple[Figures, Monthly]:
    return medecin_traitant_block(period)


EPP_ZERO: Figures = {"referrals": 0, "completed": 0}
DISCHARGES_ZERO: Figures = {"cases": 0, "ready_before_discharge": 0, "discharged": 0}
AGENDA_ZERO: Figures = {
    "snp_slots_published": 0,
    "snp_slots_booked": 0,
    "teleconsultations_completed": 0,
}

BLOCKS: tuple[Block, ...] = (
    Block(
        "medecin_traitant",
        zero={"signalements": 0, "oriented": 0, "oriented_ald": 0, "cancelled": 0},
        source=_medecin_traitant,
    ),
    Block(
        "epp",
        zero=EPP_ZERO,
        source=module_source(
            "services.orientation.epp.indicators",
            None,  # every figure is a count: the totals are the sums of the months
            "monthly_epp_indicators",
            name="epp",
            zero=EPP_ZERO,
        ),
    ),
    Block(
        "discharges",
        zero=DISCHARGES_ZERO,
        source=module_source(
            "services.orientation.discharges.indicators",
            None,  # every figure is a count: the totals are the sums of the months
            "monthly_discharge_indicators",
            name="discharges",
            zero=DISCHARGES_ZERO,
        ),
    ),
    Block("agenda", zero=AGENDA_ZERO, source=agenda_client.agenda_source(AGENDA_ZERO)),
)
