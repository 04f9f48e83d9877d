"""Synthetic data at scale for benchmarks and demos: reproducible, realistic, fast.

`seed_synthetic` splits the `--cases` asked for between the case types (`MIX`), then runs one
generator per case type (`GENERATORS`) after the directory's. A generator yields `(table, row)`
pairs with a coherent timeline: every transition later than the previous one, one history row
per transition, the case's columns matching its last state, no event after now (recent cases
are naturally still open). The machinery (pools, timelines, COPY writer) is `shared/synthetic.py`.

Generators of other services are named by module path and imported only when the run reaches
them: the orientation never imports the agenda's tables (directory, slots, teleconsultations).
References carry an `S` (`MT-2026-S0000001`, `SH-…`, `EPP-…`, `TC-…`) so they can never collide
with the numbered references of real cases; synthetic patient keys are keyed hashes of a
synthetic patient number, so generated identities never collide with one another. The NIR
stays null.
"""

from __future__ import annotations

import datetime as dt
import heapq
import importlib
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

from services.orientation.discharges.models import (
    DischargeCase,
    DischargeHistory,
    DischargeProfessional,
)
from services.orientation.epp.models import EppHistory, EppReferral
from services.orientation.medecin_traitant.models import (
    ACCEPTED,
    DECLINED,
    EXPIRED,
    PENDING,
    MedecinTraitantCase,
    MedecinTraitantHistory,
    MedecinTraitantProposal,
)
from services.orientation.medecin_traitant.priority import compute_priority
from shared.crypto import current_keyring
from shared.extensions import db
from shared.synthetic import (
    Context,
    Patient,
    Row,
    Timeline,
    Writer,
    analyse,
    case_columns,
    make_pools,
    new_patient,
    patient_columns,
    weighted,
)
from shared.timeutil import PARIS, utcnow

__all__ = ["GENERATORS", "MIX", "Context", "case_mix", "make_pools", "seed_synthetic"]

VULNERABILITIES = (
    ("c2s", 0.15),
    ("isolement", 0.20),
    ("precarite", 0.10),
    ("handicap", 0.06),
    ("barriere_linguistique", 0.05),
    ("sortie_hospitalisation", 0.05),
    ("troubles_cognitifs", 0.04),
)
ALD_LABELS = (
    "Diabète de type 2",
    "Insuffisance cardiaque",
    "Affection psychiatrique de longue durée",
    "Tumeur maligne",
    "Insuffisance respiratoire chronique",
    "Maladie de Parkinson",
)
REASONS = (
    "Médecin traitant parti à la retraite.",
    "Arrivée récente sur le territoire.",
    "Médecin traitant décédé.",
    "Médecin traitant a cessé son activité.",
    "Jamais déclaré de médecin traitant.",
)
CANCEL_REASONS = (
    ("found_gp", 0.40),
    ("unreachable", 0.20),
    ("moved_out", 0.15),
    ("duplicate", 0.08),
    ("consent_withdrawn", 0.07),
    ("deceased", 0.05),
    ("other", 0.05),
)
DECLINE_REASONS = ("Patientèle complète.", "Trop éloigné du cabinet.", "Pas de visites à domicile.")


# Seven in ten from member professionals, the rest from partners, hospitals and the import.
SYNTHETIC_SOURCES = (*["professional"] * 7, "partner", "hospital", "import")


def _medecin_traitant_case(ctx: Context, patient: Patient, created_at: dt.datetime) -> list[Row]:
    rng = ctx.rng
    ald = rng.random() < 0.35
    vulnerabilities = sorted(v for v, p in VULNERABILITIES if rng.random() < p)
    reduced_mobility = rng.random() < 0.15
    home_visits = reduced_mobility and rng.random() < 0.6
    ald_label = rng.choice(ALD_LABELS) if ald else None
    priority = compute_priority(
        birth_date=patient.birth_date,
        ald=ald,
        ald_label=ald_label,
        vulnerabilities=vulnerabilities,
        reduced_mobility=reduced_mobility,
        needs_home_visits=home_visits,
        today=created_at.astimezone(PARIS).date(),
    )
    case: dict[str, Any] = {
        **case_columns(ctx, "submitted", created_at),
        "ald": ald,
        "ald_label": ald_label,
        "vulnerabilities": json.dumps(vulnerabilities),
        "reduced_mobility": reduced_mobility,
        "needs_home_visits": home_visits,
        "languages": json.dumps(["fr"] if rng.random() < 0.9 else ["fr", "ar"]),
        "reason": rng.choice(REASONS),
        "consent_at": created_at,
        "priority": priority.level,
        "priority_score": priority.score,
        "priority_reasons": json.dumps(priority.reasons, ensure_ascii=False),
        "priority_overridden": False,
        "synthesis": None,
        "held_from": None,
        "hold_reason": None,
        "proposed_at": None,
        "reminder_sent_at": None,
        "excluded_professional_ids": [],
        "accepted_professional_id": None,
        "accepted_at": None,
        "appointment_date": None,
        "first_visit_date": None,
        "declared_on": None,
        "oriented_at": None,
        "previous_oriented_at": None,
        "cancel_reason": None,
        "cancelled_at": None,
        # Where patients came from, without drawing from `rng` (the other figures stay put).
        "source": SYNTHETIC_SOURCES[patient.number % len(SYNTHETIC_SOURCES)],
        "discharge_id": None,
        "discharge_reference": None,
        "contact_relationship": None,
        "contact_name": None,
        "contact_phone": None,
        "contact_email": None,
        "intake_notes": None,
        **patient_columns(ctx, patient, f"synthetic:{patient.number}"),
    }
    timeline = Timeline(ctx, case, MedecinTraitantHistory.__table__)
    proposals: dict[Any, dict[str, Any]] = {}
    _walk(ctx, case, timeline, proposals)
    if case["oriented_at"] is not None:
        case["previous_oriented_at"] = patient.last_oriented_at
        patient.last_oriented_at = case["oriented_at"]
    case["excluded_professional_ids"] = json.dumps(case["excluded_professional_ids"])
    asked = [(MedecinTraitantProposal.__table__, p) for p in proposals.values()]
    return [(MedecinTraitantCase.__table__, case), *asked, *timeline.rows]


def _cancel(ctx: Context, case: dict[str, Any], timeline: Timeline, days: tuple[float, float]):
    at = timeline.step("cancel", "cancelled", days)
    if at:
        case["cancel_reason"] = weighted(ctx.rng, CANCEL_REASONS)
        case["cancelled_at"] = at


def _walk(
    ctx: Context, case: dict[str, Any], timeline: Timeline, proposals: dict[Any, dict[str, Any]]
) -> None:
    """Move the case along the médecin-traitant workflow with realistic odds and delays; each
    GP asked gets a row in `proposals` (by GP), its status as the walk leaves it."""
    rng = ctx.rng
    if rng.random() < 0.04:
        return _cancel(ctx, case, timeline, (0.1, 5))
    if rng.random() < 0.05:
        if not timeline.step("hold", "on_hold", (0.5, 4)):
            return None
        case["held_from"], case["hold_reason"] = "submitted", "Patient injoignable pour l'instant."
        if not timeline.step("resume", "submitted", (3, 30)):
            return None
    if not timeline.step("triage", "triaged", (0.1, 6)):
        return None
    case["synthesis"] = "Synthèse de la coordination (données synthétiques)."
    for attempt in range(4):
        if rng.random() < 0.06:
            return _cancel(ctx, case, timeline, (1, 20))
        gp = rng.choice(ctx.gps) if ctx.gps else None
        # One case in ten waits long for a GP with room: the backlog the board must see.
        wait = (20, 160) if attempt == 0 and rng.random() < 0.1 else (0.5, 8)
        if gp is None or not timeline.step("propose", "proposed", wait):
            return None
        case["proposed_at"] = timeline.at
        # A GP drawn twice (the app would refuse it: they are excluded) keeps one row, the
        # last proposal's; the draws, and so every figure, stay as they were.
        asked = proposals[gp] = {
            "case_id": case["id"],
            "professional_id": gp,
            "proposed_at": timeline.at,
            "status": PENDING,
            "answered_at": None,
        }
        if attempt < 3 and rng.random() < 0.22:
            expire = rng.random() < 0.3
            name, comment = ("expire", None) if expire else ("decline", rng.choice(DECLINE_REASONS))
            if not timeline.step(name, "triaged", (14, 14.5) if expire else (0.5, 10), comment):
                return None
            asked["status"], asked["answered_at"] = (EXPIRED if expire else DECLINED), timeline.at
            case["excluded_professional_ids"].append(str(gp))
            case["proposed_at"] = None
            continue
        at = timeline.step("accept", "accepted", (0.3, 10))
        if not at:
            return None
        asked["status"], asked["answered_at"] = ACCEPTED, at
        case["accepted_professional_id"], case["accepted_at"] = gp, at
        case["appointment_date"] = (at + dt.timedelta(days=rng.randrange(2, 30))).date()
        at = timeline.step("confirm", "oriented", (2, 40))
        if not at:
            return None
        case["oriented_at"] = at
        case["first_visit_date"] = case["appointment_date"]
        case["declared_on"] = at.astimezone(PARIS).date()
        return None
    return None


def generate_medecin_traitant(ctx: Context, count: int) -> Iterator[Row]:
    """`count` médecin-traitant cases spread over the last `months`, 4% of them repeat patients
    (a second signalement after the first case closed)."""
    rng = ctx.rng
    closed: list[tuple[dt.datetime, int, Patient]] = []  # heap of (closed at, n, patient)
    ready: list[Patient] = []
    next_patient = 0
    for number, created_at in enumerate(ctx.creation_times(count), start=1):
        while closed and closed[0][0] < created_at:
            ready.append(heapq.heappop(closed)[2])
        if ready and rng.random() < 0.04:
            patient = ready.pop(rng.randrange(len(ready)))
        else:
            next_patient += 1
            patient = new_patient(ctx, next_patient)
        rows = _medecin_traitant_case(ctx, patient, created_at)
        case = rows[0][1]
        case["reference"] = f"MT-{created_at.year}-S{number:07d}"
        closing = case["oriented_at"] or case["cancelled_at"]
        if closing is not None:
            heapq.heappush(closed, (closing, number, patient))
        yield from rows


# --- hospital discharges --------------------------------------------------------------------

HOSPITALS = (
    ("Centre hospitalier synthétique de Lyon-Est", 0.35),
    ("Hôpital synthétique de la Croix-Rousse", 0.25),
    ("Clinique synthétique du Parc", 0.2),
    ("Centre hospitalier synthétique de Villeurbanne", 0.2),
)
HOSPITAL_SERVICES = (
    "Cardiologie",
    "Gériatrie",
    "Médecine interne",
    "Orthopédie",
    "Pneumologie",
    "Chirurgie digestive",
)
HOME_SERVICES = ("ssiad", "had", "prado", "portage_repas", "aide_a_domicile")
DISCHARGE_CANCEL_REASONS = (
    "Hospitalisation prolongée.",
    "Transfert en soins de suite.",
    "Retour à domicile organisé par la famille.",
)


def _discharge_professionals(ctx: Context, case: dict[str, Any]) -> list[Row]:
    """One to three city professionals on the case: a GP, often a nurse, sometimes another."""
    rng = ctx.rng
    named = [(ids, role) for ids, role in ((ctx.gps, "médecin traitant"),) if ids]
    if ctx.nurses and rng.random() < 0.7:
        named.append((ctx.nurses, "IDE"))
    if ctx.others and rng.random() < 0.3:
        named.append((ctx.others, "pharmacien"))
    return [
        (
            DischargeProfessional.__table__,
            {
                "id": ctx.uuid(),
                "case_id": case["id"],
                "professional_id": rng.choice(ids),
                "role": role,
                "position": position,
            },
        )
        for position, (ids, role) in enumerate(named)
    ]


def _discharge_case(ctx: Context, number: int, created_at: dt.datetime) -> list[Row]:
    rng = ctx.rng
    created_on = created_at.astimezone(PARIS).date()
    planned = created_on + dt.timedelta(days=rng.randrange(1, 11))
    case: dict[str, Any] = {
        **case_columns(ctx, "announced", created_at),
        "reference": f"SH-{created_at.year}-S{number:07d}",
        "hospital_name": weighted(rng, HOSPITALS),
        "hospital_service": rng.choice(HOSPITAL_SERVICES),
        "admission_date": created_on - dt.timedelta(days=rng.randrange(0, 12)),
        "planned_discharge_date": planned,
        "summary": "Compte rendu court (données synthétiques).",
        "prescription": "Ordonnance de sortie détaillée (données synthétiques).",
        "home_services": json.dumps(sorted(rng.sample(HOME_SERVICES, k=rng.randrange(0, 3)))),
        "notes": None,
        "preparing_at": None,
        "ready_at": None,
        "ready_on": None,
        "actual_discharge_date": None,
        "discharged_at": None,
        "follow_up_date": None,
        "follow_up_outcome": None,
        "follow_up_issues": None,
        "readmitted": None,
        "followed_up_at": None,
        "cancel_reason": None,
        "cancelled_at": None,
        "patient_has_gp": None,
        "signalement_case_id": None,
        "signalement_reference": None,
        **patient_columns(
            ctx, new_patient(ctx, number, ages=(40, 99, 80)), f"synthetic-sh:{number}"
        ),
    }
    professionals = _discharge_professionals(ctx, case)
    timeline = Timeline(ctx, case, DischargeHistory.__table__)
    _walk_discharge(ctx, case, timeline, has_professionals=bool(professionals))
    if case["state"] in ("announced", "preparing"):
        # Not ready yet: what the DAC still lacks (the worklist's "stuck" cases).
        if rng.random() < 0.35:
            case["prescription"] = None
        if rng.random() < 0.15:
            case["summary"] = None
        if case["state"] == "announced" and rng.random() < 0.1:
            case["planned_discharge_date"] = None
    return [(DischargeCase.__table__, case), *professionals, *timeline.rows]


def _walk_discharge(
    ctx: Context, case: dict[str, Any], timeline: Timeline, *, has_professionals: bool
) -> None:
    """announced → preparing → ready → discharged → followed_up, or cancelled on the way."""
    rng = ctx.rng
    cancel_at = rng.choice((1, 2, 3)) if rng.random() < 0.07 else 0
    if cancel_at == 1:
        return _cancel_discharge(ctx, case, timeline)
    at = timeline.step("prepare", "preparing", (0.05, 2))
    if not at:
        return None
    case["preparing_at"] = at
    if cancel_at == 2 or not has_professionals:
        return _cancel_discharge(ctx, case, timeline)
    # Usually ready a day or more before the planned date; sometimes only on the day.
    planned = dt.datetime.combine(case["planned_discharge_date"], dt.time(10), tzinfo=PARIS)
    target = planned - dt.timedelta(days=rng.uniform(0.2, 3) if rng.random() < 0.8 else 0)
    at = timeline.step_at(target.astimezone(dt.UTC), "mark_ready", "ready")
    if not at:
        return None
    case["ready_at"], case["ready_on"] = at, at.astimezone(PARIS).date()
    if cancel_at == 3:
        return _cancel_discharge(ctx, case, timeline)
    leaves = planned + dt.timedelta(days=rng.choice((0, 0, 0, 0, 1, 2)), hours=rng.uniform(0, 6))
    at = timeline.step_at(leaves.astimezone(dt.UTC), "discharge", "discharged")
    if not at:
        return None
    # Recorded on the day, or the next morning for the day before.
    actual = at.astimezone(PARIS).date() - dt.timedelta(days=int(rng.random() < 0.15))
    case["actual_discharge_date"] = max(actual, case["admission_date"])
    case["discharged_at"] = at
    at = timeline.step("follow_up", "followed_up", (1, 7))
    if not at:
        return None
    case["follow_up_date"] = at.astimezone(PARIS).date()
    case["follow_up_outcome"] = "Appel de suivi : retour à domicile sans difficulté majeure."
    case["follow_up_issues"] = rng.random() < 0.2
    case["readmitted"] = rng.random() < 0.05
    case["followed_up_at"] = at
    return None


def _cancel_discharge(ctx: Context, case: dict[str, Any], timeline: Timeline) -> None:
    at = timeline.step("cancel", "cancelled", (0.2, 4))
    if at:
        case["cancel_reason"] = ctx.rng.choice(DISCHARGE_CANCEL_REASONS)
        case["cancelled_at"] = at


def generate_discharges(ctx: Context, count: int) -> Iterator[Row]:
    """`count` hospital discharge cases over the period, each with its city professionals."""
    for number, created_at in enumerate(ctx.creation_times(count), start=1):
        yield from _discharge_case(ctx, number, created_at)


# --- EPP referrals --------------------------------------------------------------------------

EPP_DECLINE_REASONS = ("Pas de disponibilité avant plusieurs semaines.", "Trop éloignée.")
EPP_CANCEL_REASONS = (
    "La patiente a déménagé.",
    "EPP réalisé par ailleurs.",
    "La patiente ne souhaite pas donner suite.",
)


def _epp_referral(ctx: Context, number: int, created_at: dt.datetime) -> list[Row]:
    rng = ctx.rng
    created_on = created_at.astimezone(PARIS).date()
    # Most referrals come in the first trimester; some late ones (past 16 weeks).
    weeks = min(38, max(4, int(rng.triangular(5, 24, 10))))
    start = created_on - dt.timedelta(days=7 * weeks + rng.randrange(7))
    patient = new_patient(ctx, number, sex="F", ages=(18, 43, 30))
    case: dict[str, Any] = {
        **case_columns(ctx, "submitted", created_at),
        "reference": f"EPP-{created_at.year}-S{number:07d}",
        "pregnancy_start_date": start,
        "weeks_at_referral": (created_on - start).days // 7,
        "preferred_professional_id": (
            rng.choice(ctx.midwives) if ctx.midwives and rng.random() < 0.2 else None
        ),
        "notes": None,
        "assigned_professional_id": None,
        "assigned_at": None,
        "accepted_at": None,
        "appointment_date": None,
        "excluded_professional_ids": [],
        "epp_date": None,
        "completed_at": None,
        "cancel_reason": None,
        "cancelled_at": None,
        **patient_columns(ctx, patient, f"synthetic-epp:{number}"),
    }
    timeline = Timeline(ctx, case, EppHistory.__table__)
    _walk_epp(ctx, case, timeline)
    case["excluded_professional_ids"] = json.dumps(case["excluded_professional_ids"])
    return [(EppReferral.__table__, case), *timeline.rows]


def _walk_epp(ctx: Context, case: dict[str, Any], timeline: Timeline) -> None:
    """submitted → assigned (→ declined back to submitted) → accepted → completed, or cancelled."""
    rng = ctx.rng
    if rng.random() < 0.04:
        return _cancel_epp(ctx, case, timeline)
    for attempt in range(3):
        free = [m for m in ctx.midwives if str(m) not in case["excluded_professional_ids"]]
        if not free:
            return None
        midwife = case["preferred_professional_id"] or rng.choice(free)
        if str(midwife) in case["excluded_professional_ids"]:
            midwife = rng.choice(free)
        at = timeline.step("assign", "assigned", (0.1, 5))
        if not at:
            return None
        case["assigned_professional_id"], case["assigned_at"] = midwife, at
        if attempt < 2 and rng.random() < 0.12:
            if not timeline.step("decline", "submitted", (0.2, 4), rng.choice(EPP_DECLINE_REASONS)):
                return None
            case["excluded_professional_ids"].append(str(midwife))
            case["assigned_professional_id"] = case["assigned_at"] = None
            continue
        at = timeline.step("accept", "accepted", (0.2, 4))
        if not at:
            return None
        case["accepted_at"] = at
        appointment = at.astimezone(PARIS).date() + dt.timedelta(days=rng.randrange(3, 30))
        case["appointment_date"] = appointment
        if rng.random() < 0.05:
            return _cancel_epp(ctx, case, timeline)
        held = dt.datetime.combine(appointment, dt.time(18), tzinfo=PARIS).astimezone(dt.UTC)
        at = timeline.step_at(held + dt.timedelta(days=rng.uniform(0, 3)), "complete", "completed")
        if at:
            case["epp_date"], case["completed_at"] = appointment, at
        return None
    return None


def _cancel_epp(ctx: Context, case: dict[str, Any], timeline: Timeline) -> None:
    at = timeline.step("cancel", "cancelled", (0.5, 10))
    if at:
        case["cancel_reason"] = ctx.rng.choice(EPP_CANCEL_REASONS)
        case["cancelled_at"] = at


def generate_epp(ctx: Context, count: int) -> Iterator[Row]:
    """`count` EPP referrals over the period (one patient each: never two open at once)."""
    for number, created_at in enumerate(ctx.creation_times(count), start=1):
        yield from _epp_referral(ctx, number, created_at)


# --- the registry ---------------------------------------------------------------------------

Generator = Callable[[Context, int], Iterator[Row]]
# The directory comes first: every case generator picks its professionals from it.
PROFESSIONALS = "services.agenda.synthetic:generate_professionals"
# One generator per case type, a function or "module:function" imported when it runs.
GENERATORS: dict[str, Generator | str] = {
    "medecin_traitant": generate_medecin_traitant,
    "discharges": generate_discharges,
    "epp": generate_epp,
    "agenda": "services.agenda.synthetic:generate_agenda",
}
# The share of `--cases` each generator receives; médecin traitant takes the rest. The agenda's
# count is its teleconsultation cases; it adds 5 SNP slots per teleconsultation (30% of N).
MIX: dict[str, float] = {"discharges": 0.12, "epp": 0.12, "agenda": 0.06}


def case_mix(cases: int) -> dict[str, int]:
    """How many cases of each type `--cases` gives (the counts add up to `cases`)."""
    counts = {name: int(cases * MIX.get(name, 0)) for name in GENERATORS}
    counts["medecin_traitant"] = cases - sum(
        count for name, count in counts.items() if name != "medecin_traitant"
    )
    return counts


def resolve(generator: Generator | str) -> Generator:
    """The generator itself, importing it if it is named by "module:function"."""
    if isinstance(generator, str):
        module, function = generator.split(":")
        return getattr(importlib.import_module(module), function)
    return generator


def seed_synthetic(
    *, cases: int, professionals: int, months: int, seed: int, now: dt.datetime | None = None
) -> dict[str, int]:
    """Generate and store the synthetic data set; returns rows written per table."""
    ctx = Context(
        rng=random.Random(seed),  # noqa: S311  # nosec B311 - reproducible data, not secrets
        pools=make_pools(seed),
        now=now or utcnow(),
        months=months,
        hash_key=current_keyring().keyed_hash,
    )
    writer = Writer()
    writer.add(resolve(PROFESSIONALS)(ctx, professionals))
    for name, count in case_mix(cases).items():
        writer.add(resolve(GENERATORS[name])(ctx, count))
    writer.flush()
    db.session.commit()
    if writer.postgres:
        analyse(list(writer.counts))
    return writer.counts
