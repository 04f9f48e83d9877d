"""The permission matrix: every route × role, derived from the app's own declarations.

Route-level rules come from `@allow(...)` (`view.__relais_roles__`), `@page(...)` on the pages
(`view.__relais_page_roles__`, every role when none is named) and `@public`; nothing is
written twice. Record-level rules (which rows a caller sees among those the route lets them
reach) are enforced by the services and described here, keyed by endpoint, or on the view with
`@record_rule("…")`. `docs/security.md` embeds the table this module renders.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from shared.auth.roles import ALL_ROLES

# Endpoints served without a declaration of ours: Flask's static files.
STATIC_ENDPOINTS = ("static", "*.static")
# Record-level rules of views that predate `@record_rule`; glob patterns on endpoint names.
RECORD_RULES: dict[str, str] = {
    "auth.logout": "revokes only the caller's own token",
    "*_audit.list_audit_entries": "the whole trail of the service (no patient data in it)",
    "orientation_medecin_traitant.list_cases": (
        "coordinator: every case; other clinical roles, partner and dac: only cases they "
        "submitted; "
        "gp: also cases proposed to or accepted by their directory entry; others are left out"
    ),
    "orientation_medecin_traitant.get_case": (
        "as the list; a case the caller may not see answers 404 (its existence is not revealed)"
    ),
    "orientation_medecin_traitant.get_suggestions": "coordinator only (any case)",
    "orientation_medecin_traitant.fire_transition": (
        "the case must be visible (else 404); then the machine's actors decide (else 403): "
        "accept/decline by the proposed GP, confirm by the accepting GP, cancel by the "
        "submitter while submitted, the rest by the coordinator"
    ),
    "agenda_directory.update_professional": (
        "gp, midwife, nurse: only their own directory entry (else 403)"
    ),
    # Hospital discharges (DAC).
    "orientation_discharges.list_discharges": (
        "dac, coordinator: every case; gp, midwife, nurse, professional: only cases naming "
        "their directory entry among the city professionals; others are left out"
    ),
    "orientation_discharges.get_discharge": "as the list; a case the caller may not see is 404",
    "orientation_discharges.update_discharge": "dac, coordinator: any case",
    "orientation_discharges.fire_transition": "dac, coordinator: any case (the machine's actors)",
    "orientation_discharges.get_worklist": "dac, coordinator: every open case",
    # EPP referrals to a midwife.
    "orientation_epp.list_referrals": (
        "coordinator: every referral; others: the referrals they submitted; midwife: also "
        "those assigned to her directory entry"
    ),
    "orientation_epp.get_referral": "as the list; a referral the caller may not see is 404",
    "orientation_epp.get_suggestions": "coordinator only (any referral)",
    "orientation_epp.fire_transition": (
        "the referral must be visible (else 404); then the machine's actors decide (else 403): "
        "assign by the coordinator, accept/decline by the assigned midwife, complete by her or "
        "the coordinator, cancel by the coordinator or the submitter while submitted"
    ),
    # Indicators: figures, never a patient.
    "*_indicators.get_indicators": "aggregated counts only, never a patient",
    "agenda_indicators.indicators": "aggregated counts only, never a patient",
    "orientation_indicators.get_extract": (
        "one row per case without any identity (no name, NIR, phone, address); audited"
    ),
    # Agenda: slots, bookings, teleconsultations, standing pairs, calendar feeds.
    "agenda_slots.publish_slot": "gp: only their own slots; coordinator: anyone's",
    "agenda_slots.publish_recurring": "gp: only their own slots; coordinator: anyone's",
    "agenda_slots.withdraw_slot": "gp: only their own slots (else 403); coordinator: any",
    "agenda_bookings.book_slot": "the booker is recorded; the slot's GP sees the booking",
    "agenda_bookings.list_bookings": (
        "coordinator: every booking; others: the bookings they made and those on their own "
        "slots (the slot's GP); others are left out"
    ),
    "agenda_bookings.get_booking": "as the list; a booking the caller may not see is 404",
    "agenda_bookings.cancel_booking": "the booker, the slot's GP, the coordinator (else 404)",
    "agenda_teleconsultation.request_teleconsultation": (
        "nurse linked to a directory entry (else 403); she becomes the case's nurse"
    ),
    "agenda_teleconsultation.list_teleconsultations": (
        "coordinator: every case; nurse: the cases she requested; gp: the cases scheduled "
        "with them; others are left out"
    ),
    "agenda_teleconsultation.get_teleconsultation": (
        "as the list; a case the caller may not see is 404"
    ),
    "agenda_teleconsultation.fire_transition": (
        "the case must be visible (else 404); then the machine's actors decide (else 403): "
        "pair by the nurse or coordinator, complete/no_show by the nurse, the GP or the "
        "coordinator, cancel by the nurse or the coordinator"
    ),
    "agenda_pairings.create_pairing": (
        "nurse: only pairs of her own (else 403); coordinator, admin: any"
    ),
    "agenda_pairings.list_pairings": "coordinator, admin: every pair; nurse, gp: their own pairs",
    "agenda_pairings.delete_pairing": (
        "nurse, gp: their own pairs (else 403); coordinator, admin: any"
    ),
    "agenda_calendar.*_feed": "the caller's own feed address only",
    # Notifications.
    "notifications.inbox": "the caller's own inbox only",
    "notifications.mark_read": "the caller's own items only (another's is 404)",
    "notifications.*_preferences": "the caller's own preferences only",
    "notifications.deliveries": "deliveries of one case reference (recipients, statuses)",
    "metrics": "answers only the loopback interface or a caller presenting METRICS_TOKEN",
    "web.home": "the login form; once logged in, the caller's own tasks",
    "web.login": "checks the credentials (throttled); CSRF token of the form",
    "web.logout": "closes only the caller's own session",
    "orientation_mt_pages.*": "the same rules as the API of médecin-traitant cases",
}
MATRIX_START = "<!-- permission-matrix:start (generated by `relais security matrix`) -->"
MATRIX_END = "<!-- permission-matrix:end -->"
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")


@dataclass(frozen=True)
class Route:
    """One URL rule of the app and who may call it."""

    path: str
    methods: tuple[str, ...]
    endpoint: str
    public: bool
    roles: frozenset[str] | None  # None: neither `@allow` nor `@public` (refused by the tests)
    record_rule: str | None

    @property
    def declared(self) -> bool:
        """Whether the route says who may call it."""
        return self.public or self.roles is not None

    @property
    def is_api(self) -> bool:
        """API routes take bearer tokens; pages take the session cookie."""
        return self.path.startswith("/api/")


def _record_rule(endpoint: str, view: object) -> str | None:
    declared = getattr(view, "__relais_record_rule__", None)
    if declared:
        return declared
    for pattern, rule in RECORD_RULES.items():
        if fnmatch.fnmatchcase(endpoint, pattern):
            return rule
    return None


def routes(app: Flask) -> Iterator[Route]:
    """Every URL rule of `app`, sorted by path, with its declared roles."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[rule.endpoint]
        is_static = any(fnmatch.fnmatchcase(rule.endpoint, p) for p in STATIC_ENDPOINTS)
        roles = getattr(view, "__relais_roles__", None)
        if roles is None:
            page_roles = getattr(view, "__relais_page_roles__", None)
            if page_roles is not None:
                roles = page_roles or frozenset(ALL_ROLES)
        yield Route(
            path=rule.rule,
            methods=tuple(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})),
            endpoint=rule.endpoint,
            public=is_static or bool(getattr(view, "__relais_public__", False)),
            roles=frozenset(roles) if roles is not None else None,
            record_rule=_record_rule(rule.endpoint, view),
        )


def render_markdown(app: Flask) -> str:
    """The matrix as a Markdown table: one row per route and method, one column per role."""
    header = ["Method", "Path", *ALL_ROLES, "Record-level rule"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for route in routes(app):
        if route.public:
            cells = ["public"] * len(ALL_ROLES)
        elif route.roles is None:
            cells = ["UNDECLARED"] * len(ALL_ROLES)
        else:
            cells = ["✓" if role in route.roles else "—" for role in ALL_ROLES]
        path = _CONVERTER.sub(r"{\1}", route.path)
        for method in route.methods:
            row = [method, f"`{path}`", *cells, route.record_rule or ""]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def embed(document: str, table: str) -> str:
    """`document` with the text between the matrix markers replaced by `table`."""
    before, found, rest = document.partition(MATRIX_START)
    _, found_end, after = rest.partition(MATRIX_END)
    if not (found and found_end):
        raise ValueError("the document has no permission-matrix markers")
    return f"{before}{MATRIX_START}\n{table}{MATRIX_END}{after}"


def write_document(app: Flask, path: Path) -> bool:
    """Refresh the matrix embedded in `path`; True when the file changed."""
    current = path.read_text(encoding="utf-8")
    updated = embed(current, render_markdown(app))
    if updated != current:
        path.write_text(updated, encoding="utf-8")
    return updated != current
