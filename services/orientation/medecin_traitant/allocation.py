"""The best allocation of waiting patients to GPs' places: a pure solver, no database.

The objective (contract, "Matching"), in this order: the number of priority-1 cases placed,
then priority-2, then priority-3, then the sum of the `score` of the chosen pairs. It is solved
exactly as one min-cost flow (OR-tools' `SimpleMinCostFlow`):

    source --(1, 0)--> case --(1, -profit(case, gp))--> gp --(places, 0)--> sink
    case --(1, 0)--> sink                                  (the case stays unassigned)

Every case sends one unit of flow, either through a GP or straight to the sink, so the flow is
always feasible and a minimum-cost flow maximises the total profit. Flow polytopes are integral,
so the optimum found is an assignment (each case at most one GP, each GP at most its places).

Lexicographic objective through dominating weights. Scores are decimals with one digit
(`score_gp` rounds them), so each is handled in tenths, shifted by the smallest candidate
score: s'(pair) = 10 * score - min ∈ [0, R]. Let m be the most cases any assignment can place
(min(cases, places)) and m_p the same for priority p. Then profit(pair) = W[p] + s'(pair) with

    B3 = m * R            (the largest possible sum of s': no pair set can gain more from it)
    W3 = B3 + 1
    B2 = B3 + m_3 * W3    (the largest possible contribution of priority 3 and of the scores)
    W2 = B2 + 1
    B1 = B2 + m_2 * W2
    W1 = B1 + 1

Proof that maximising the profit is maximising the lexicographic objective: take two
assignments A and B with A lexicographically better, and p the first tier where they differ
(for p = "score" the claim is plain, as the W terms are then equal). A places k ≥ 1 more cases
of priority p than B, so A gains at least k * W[p] ≥ W[p] on that tier, the tiers above are
equal, and on everything below p (lower priorities and the score) B can gain at most B[p]
< W[p] over A, because each of those sums lies in [0, B[p]]. So profit(A) > profit(B).
Shifting the score by its minimum changes the total by min * (cases placed), a constant once
the priority counts are fixed, so it does not change which assignment is best among those.
Every profit is ≥ 1, so an assignment that could place one more case is never preferred.

The weights grow like m³ · R; OR-tools' cost scaling multiplies costs by the number of nodes,
so `allocate` refuses instances whose weights would not fit in 62 bits (`AllocationTooLarge`)
rather than answer wrongly. 10,000 cases for 5,000 places and scores within 200 points fit
with a margin of ten thousand.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

PRIORITIES = (1, 2, 3)
COST_LIMIT = 2**62

NO_GP_IN_RANGE = "no_gp_in_range"
ALL_FULL = "all_full"
EXCLUDED = "excluded"
OUTWEIGHED = "outweighed"
REASON_LABELS = {
    NO_GP_IN_RANGE: "Aucun médecin acceptant de nouveaux patients dans le rayon.",
    ALL_FULL: "Les médecins dans le rayon n'ont plus de place ce mois-ci.",
    EXCLUDED: "Les médecins dans le rayon ont déjà refusé ce patient ou laissé expirer.",
    OUTWEIGHED: "Les places proches sont allées à des patients plus prioritaires ou mieux placés.",
}


class AllocationTooLarge(ValueError):
    """The instance's weights would overflow the solver's 64-bit costs."""


class Candidate(NamedTuple):
    """One GP a case could go to, with the score `suggestions` gives the pair. A named tuple:
    the reads build one per (patient profile, GP) pair, hundreds of thousands, and a tuple is
    built several times faster than a frozen dataclass."""

    gp: Hashable
    score: float
    distance_km: float | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseDemand:
    """A case to place: its priority, its candidates, and why it has none when it has none
    (`NO_GP_IN_RANGE`, `ALL_FULL`, `EXCLUDED`)."""

    case: Hashable
    priority: int
    candidates: tuple[Candidate, ...]
    reason_if_none: str = NO_GP_IN_RANGE


@dataclass(frozen=True)
class Assignment:
    case: Hashable
    priority: int
    candidate: Candidate


@dataclass
class Allocation:
    assignments: list[Assignment] = field(default_factory=list)
    unassigned: list[tuple[Hashable, str]] = field(default_factory=list)

    @property
    def assigned_by_priority(self) -> dict[int, int]:
        counts = dict.fromkeys(PRIORITIES, 0)
        for a in self.assignments:
            counts[a.priority] += 1
        return counts

    @property
    def score(self) -> float:
        return round(sum(a.candidate.score for a in self.assignments), 1)

    def key(self) -> tuple[int, int, int, int]:
        """The objective as a comparable tuple (score in tenths, exact)."""
        counts = self.assigned_by_priority
        tenths = sum(tenths_of(a.candidate.score) for a in self.assignments)
        return counts[1], counts[2], counts[3], tenths


def tenths_of(score: float) -> int:
    """A score (one decimal) as an exact integer number of tenths."""
    return round(score * 10)


def weights(
    demands: Sequence[CaseDemand], places: dict[Hashable, int]
) -> tuple[dict[int, int], int, int]:
    """The dominating weight of each priority, the score shift and the scores' span, in
    tenths (see the module docstring)."""
    shared = {id(d.candidates): d.candidates for d in demands}.values()
    scores = [tenths_of(c.score) for candidates in shared for c in candidates]
    low = min(scores, default=0)
    span = max(scores, default=0) - low
    total_places = sum(max(0, n) for n in places.values())
    placeable = min(len(demands), total_places)
    by_priority = {
        p: min(sum(1 for d in demands if d.priority == p), total_places) for p in PRIORITIES
    }
    below = placeable * span
    weight: dict[int, int] = {}
    for p in reversed(PRIORITIES):
        weight[p] = below + 1
        below += by_priority[p] * weight[p]
    return weight, low, span


def allocate(demands: Sequence[CaseDemand], places: dict[Hashable, int]) -> Allocation:
    """The optimal allocation of `demands` to the GPs' `places` left (exact, min-cost flow).

    Cases of one priority sharing the very same candidates tuple (the reads build one per
    patient profile) are interchangeable: they form one node whose supply is their number,
    which keeps the graph small; within a group, places go to cases in the order given. The
    arcs are built as arrays, one slice per candidates tuple, not one Python object each."""
    # Imported here: numpy and OR-tools weigh tens of megabytes, and only this computes.
    import numpy as np
    from ortools.graph.python import min_cost_flow

    for d in demands:
        if d.priority not in PRIORITIES:
            raise ValueError(f"priority {d.priority} is not one of {PRIORITIES}")
    if not demands:
        return Allocation()
    weight, low, span = weights(demands, places)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, d in enumerate(demands):
        groups.setdefault((d.priority, id(d.candidates)), []).append(i)
    members = list(groups.values())
    gps = [gp for gp, n in places.items() if n > 0]
    gp_index = {gp: i for i, gp in enumerate(gps)}
    first_gp_node = 2 + len(members)
    nodes = first_gp_node + len(gps)
    if (max(weight.values()) + span) * (nodes + 1) >= COST_LIMIT:
        raise AllocationTooLarge("too many cases and places for one exact allocation")
    gp_places = np.array([places[gp] for gp in gps], dtype=np.int64)

    # Per candidates tuple: which of its candidates have places, their GP, their points.
    shapes: dict[int, tuple[Any, Any, Any]] = {}
    sizes = np.array([len(indexes) for indexes in members], dtype=np.int64)
    group_nodes = np.arange(2, first_gp_node, dtype=np.int64)
    heads, caps, costs, pair_group, pair_position = [], [], [], [], []
    for g, indexes in enumerate(members):
        first = demands[indexes[0]]
        key = id(first.candidates)
        if key not in shapes:
            kept = [k for k, c in enumerate(first.candidates) if c.gp in gp_index]
            shapes[key] = (
                np.array(kept, dtype=np.int64),
                np.array([gp_index[first.candidates[k].gp] for k in kept], dtype=np.int64),
                np.array([tenths_of(first.candidates[k].score) - low for k in kept], np.int64),
            )
        positions, gp_of, points = shapes[key]
        heads.append(first_gp_node + gp_of)
        caps.append(np.minimum(sizes[g], gp_places[gp_of]))
        costs.append(-(weight[first.priority] + points))
        pair_group.append(np.full(len(positions), g, dtype=np.int64))
        pair_position.append(positions)
    pair_heads = np.concatenate(heads) if heads else np.zeros(0, np.int64)
    pair_groups = np.concatenate(pair_group) if pair_group else np.zeros(0, np.int64)
    pair_positions = np.concatenate(pair_position) if pair_position else np.zeros(0, np.int64)
    pairs = len(pair_heads)
    gp_nodes = np.arange(first_gp_node, nodes, dtype=np.int64)
    source, sink = 0, 1
    # Arcs in this order: case → GP (the pairs, first so that arc k is pair k), source →
    # case, case → sink (unassigned), GP → sink.
    tails = np.concatenate(
        [group_nodes[pair_groups], np.full(len(members), source), group_nodes, gp_nodes]
    )
    all_heads = np.concatenate(
        [pair_heads, group_nodes, np.full(len(members), sink), np.full(len(gps), sink)]
    )
    capacities = np.concatenate(
        [*(caps or [np.zeros(0, np.int64)]), sizes, sizes, gp_places]
    ).astype(np.int64)
    unit_costs = np.concatenate(
        [*(costs or [np.zeros(0, np.int64)]), np.zeros(2 * len(members) + len(gps), np.int64)]
    ).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int64), all_heads.astype(np.int64), capacities, unit_costs
    )
    first_arc = int(arcs[0]) if len(arcs) else 0
    flow.set_node_supply(source, len(demands))
    flow.set_node_supply(sink, -len(demands))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min cost flow failed with status {status}")

    chosen: dict[int, Candidate] = {}
    pending = [iter(indexes) for indexes in members]
    used = (
        flow.flows(np.arange(first_arc, first_arc + pairs, dtype=np.int64))
        if pairs
        else np.zeros(0, dtype=np.int64)
    )
    for k in np.flatnonzero(used):
        g = int(pair_groups[k])
        candidate = demands[members[g][0]].candidates[int(pair_positions[k])]
        for _ in range(int(used[k])):
            chosen[next(pending[g])] = candidate
    result = Allocation()
    for i, d in enumerate(demands):
        if i in chosen:
            result.assignments.append(Assignment(d.case, d.priority, chosen[i]))
        else:
            result.unassigned.append((d.case, unassigned_reason(d, places)))
    return result


def unassigned_reason(demand: CaseDemand, places: dict[Hashable, int]) -> str:
    """Why a case got no GP: none in range, all full, all excluded, or others came first."""
    if not demand.candidates:
        return demand.reason_if_none
    if all(places.get(c.gp, 0) <= 0 for c in demand.candidates):
        return ALL_FULL
    return OUTWEIGHED


def greedy(demands: Sequence[CaseDemand], places: dict[Hashable, int]) -> Allocation:
    """The baseline a person would follow: cases by priority (in the given order within one),
    each to the nearest GP with a place left (best score when distances tie)."""
    left = dict(places)
    result = Allocation()
    for d in sorted(demands, key=lambda d: d.priority):
        options = [c for c in d.candidates if left.get(c.gp, 0) > 0]
        if not options:
            result.unassigned.append((d.case, unassigned_reason(d, places)))
            continue
        best = min(
            options,
            key=lambda c: (c.distance_km if c.distance_km is not None else float("inf"), -c.score),
        )
        left[best.gp] -= 1
        result.assignments.append(Assignment(d.case, d.priority, best))
    return result
