"""An independent exact method for the allocation (brute force over every assignment), and
random small instances, shared by the tests and the benchmark."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Hashable, Sequence

from services.orientation.medecin_traitant.allocation import (
    Allocation,
    Assignment,
    Candidate,
    CaseDemand,
)


def brute_force_key(
    demands: Sequence[CaseDemand], places: dict[Hashable, int]
) -> tuple[int, int, int, int]:
    """The best objective over every assignment (each case: nothing or one candidate)."""
    best = (0, 0, 0, 0)
    options = [[None, *d.candidates] for d in demands]
    for choice in itertools.product(*options):
        used = Counter(c.gp for c in choice if c is not None)
        if any(n > places.get(gp, 0) for gp, n in used.items()):
            continue
        result = Allocation(
            assignments=[
                Assignment(d.case, d.priority, c)
                for d, c in zip(demands, choice, strict=True)
                if c is not None
            ]
        )
        best = max(best, result.key())
    return best


def candidates_on_a_square(
    gps: list[tuple[str, int, int, bool]],
    patient: tuple[int, int],
    *,
    excluded: set[str],
    home: bool,
    radius: int,
) -> tuple[Candidate, ...]:
    """The GPs within `radius` km of the patient and not excluded, scored like `score_gp`
    (100 − distance, home visits ±)."""
    found = []
    for name, gx, gy, visits in gps:
        distance = round(math.hypot(gx - patient[0], gy - patient[1]), 1)
        if name in excluded or distance > radius:
            continue
        score = 100.0 - distance + (15 if home and visits else -30 if home else 0)
        found.append(Candidate(name, round(score, 1), distance))
    return tuple(found)


def random_instance(
    rng: random.Random, *, cases: int = 6, gps: int = 4
) -> tuple[list[CaseDemand], dict[Hashable, int]]:
    """GPs and patients on a 60 × 60 km square, capacities 0–3, exclusions, a radius."""
    doctors = [
        (f"gp{i}", rng.randint(0, 60), rng.randint(0, 60), rng.random() < 0.5)
        for i in range(rng.randint(1, gps))
    ]
    places: dict[Hashable, int] = {name: rng.randint(0, 3) for name, *_ in doctors}
    radius = rng.choice([10, 25, 40, 90])
    names = [name for name, *_ in doctors]
    demands = [
        CaseDemand(
            f"case{i}",
            rng.randint(1, 3),
            candidates_on_a_square(
                doctors,
                (rng.randint(0, 60), rng.randint(0, 60)),
                excluded=set(rng.sample(names, k=rng.randint(0, min(2, len(names))))),
                home=rng.random() < 0.5,
                radius=radius,
            ),
        )
        for i in range(rng.randint(0, cases))
    ]
    return demands, places
