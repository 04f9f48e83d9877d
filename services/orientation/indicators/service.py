"""Use cases of the indicators: the report for a period, its files, the pseudonymised extract."""

from __future__ import annotations

from typing import Any

from services.orientation.indicators.blocks import BLOCKS
from services.orientation.indicators.period import Period
from shared.audit.service import record_audit
from shared.db import unit_of_work


def indicators(period: Period) -> dict[str, Any]:
    """The contract's indicators document: one entry per block, then the months."""
    document: dict[str, Any] = {"period": period.as_dict()}
    months: dict[str, dict[str, Any]] = {
        m.label: {"month": m.label, "from": m.first_day.isoformat(), "to": m.last_day.isoformat()}
        for m in period.months()
    }
    for block in BLOCKS:
        totals, monthly = block.compute(period)
        document[block.name] = totals
        for label, figures in monthly.items():
            months[label][block.name] = figures
    document["by_month"] = list(months.values())
    return document


def audit_reference(kind: str, period: Period) -> str:
    """`indicators:2026-01-01/2026-12-31`: what was exported, in the audit's 32 characters."""
    return f"{kind}:{period.first_day.isoformat()}/{period.last_day.isoformat()}"


def record_export(kind: str, period: Period) -> None:
    """Record in the audit trail that figures or an extract left the application as a file."""
    with unit_of_work():
        record_audit(action="export", reference=audit_reference(kind, period))
