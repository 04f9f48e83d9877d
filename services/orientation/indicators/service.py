"""Use cases of the indicators: the report for a period, its files, the pseudonymised extract."""

from __future__ import annotations

from typing import Any

from services.orientation.indicators.blocks import BLOCKS
from shared.audit.service import record_audit
from shared.db import one_snapshot, unit_of_work
from shared.periods import Period


def indicators(period: Period) -> dict[str, Any]:
    """The contract's indicators document: one entry per block, then the months, every figure
    read from one snapshot of the database (the agenda's too when it runs in this process)."""
    document: dict[str, Any] = {"period": period.as_dict()}
    months: dict[str, dict[str, Any]] = {
        m.label: {"month": m.label, "from": m.first_day.isoformat(), "to": m.last_day.isoformat()}
        for m in period.months()
    }
    with one_snapshot():
        computed = [(block.name, *block.compute(period)) for block in BLOCKS]
    optional = {block.name for block in BLOCKS if block.optional}
    for name, totals, monthly in computed:
        if name in optional and not totals:
            continue
        document[name] = totals
        for label, figures in monthly.items():
            months[label][name] = figures
    document["by_month"] = list(months.values())
    return document


def audit_reference(kind: str, period: Period) -> str:
    """`indicators:2026-01-01/2026-12-31`: what was exported, in the audit's 32 characters."""
    return f"{kind}:{period.first_day.isoformat()}/{period.last_day.isoformat()}"


def record_export(kind: str, period: Period) -> None:
    """Record in the audit trail that figures or an extract left the application as a file."""
    with unit_of_work():
        record_audit(action="export", reference=audit_reference(kind, period))
