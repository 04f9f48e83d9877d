"""The allocation solver against an independent exact method (brute force over every
assignment), on small random instances."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.orientation.medecin_traitant.allocation import (
    ALL_FULL,
    EXCLUDED,
    NO_GP_IN_RANGE,
    OUTWEIGHED,
    Allocation,
    Candidate,
    CaseDemand,
    allocate,
    greedy,
    tenths_of,
)
from tests.support.allocation import brute_force_key, candidates_on_a_square


@st.composite
def instances(draw):
    """GPs and patients on a 60 × 60 km square, capacities 0–3, exclusions, a radius."""
    gp_count = draw(st.integers(1, 4))
    gps = [
        (f"gp{i}", draw(st.integers(0, 60)), draw(st.integers(0, 60)), draw(st.booleans()))
        for i in range(gp_count)
    ]
    places = {name: draw(st.integers(0, 3)) for name, *_ in gps}
    radius = draw(st.sampled_from([10, 25, 40, 90]))
    names = [name for name, *_ in gps]
    demands = [
        CaseDemand(
            f"case{i}",
            draw(st.integers(1, 3)),
            candidates_on_a_square(
                gps,
                (draw(st.integers(0, 60)), draw(st.integers(0, 60))),
                excluded=draw(st.sets(st.sampled_from(names), max_size=2)),
                home=draw(st.booleans()),
                radius=radius,
            ),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    # Patients of one profile share one candidates tuple, as the reads build them: the solver
    # then makes them one node.
    for i in range(1, len(demands)):
        if draw(st.booleans()):
            demands[i] = CaseDemand(demands[i].case, demands[i].priority, demands[i - 1].candidates)
    return demands, places


def check_valid(allocation: Allocation, demands, places) -> None:
    """Each case at most once, only to one of its candidates, no GP beyond its places."""
    by_case = {d.case: d for d in demands}
    placed = [a.case for a in allocation.assignments]
    assert len(placed) == len(set(placed))
    for a in allocation.assignments:
        assert a.candidate in by_case[a.case].candidates
    used = Counter(a.candidate.gp for a in allocation.assignments)
    assert all(n <= places[gp] for gp, n in used.items())
    assert sorted(map(str, placed + [c for c, _ in allocation.unassigned])) == sorted(
        map(str, by_case)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_the_allocation_is_optimal_and_feasible(instance):
    demands, places = instance
    found = allocate(demands, places)
    check_valid(found, demands, places)
    assert found.key() == brute_force_key(demands, places)
    baseline = greedy(demands, places)
    check_valid(baseline, demands, places)
    assert baseline.key() <= found.key()


def test_a_priority_one_patient_outweighs_any_score():
    demands = [
        CaseDemand("fragile", 1, (Candidate("gp", 40.0, 29.0),)),
        CaseDemand("close", 2, (Candidate("gp", 125.0, 0.0),)),
    ]
    found = allocate(demands, {"gp": 1})
    assert [a.case for a in found.assignments] == ["fragile"]
    assert found.unassigned == [("close", OUTWEIGHED)]


def test_more_priority_one_placed_beats_a_better_placed_one():
    # Greedy gives the only GP both cases could see to the first one; the optimum moves it.
    demands = [
        CaseDemand("a", 1, (Candidate("near", 99.0, 1.0), Candidate("far", 75.0, 25.0))),
        CaseDemand("b", 1, (Candidate("near", 90.0, 10.0),)),
    ]
    places = {"near": 1, "far": 1}
    found = allocate(demands, places)
    assert {(a.case, a.candidate.gp) for a in found.assignments} == {("a", "far"), ("b", "near")}
    assert greedy(demands, places).assigned_by_priority[1] == 1


def test_the_score_decides_between_equal_counts():
    demands = [
        CaseDemand("a", 2, (Candidate("x", 90.0, 10.0), Candidate("y", 80.0, 20.0))),
        CaseDemand("b", 2, (Candidate("x", 95.0, 5.0), Candidate("y", 60.0, 40.0))),
    ]
    found = allocate(demands, {"x": 1, "y": 1})
    assert {(a.case, a.candidate.gp) for a in found.assignments} == {("a", "y"), ("b", "x")}
    assert found.score == 175.0
    assert tenths_of(found.score) == 1750


def test_unassigned_cases_say_why():
    demands = [
        CaseDemand("alone", 1, ()),
        CaseDemand("refused", 1, (), EXCLUDED),
        CaseDemand("full", 2, (Candidate("busy", 90.0, 10.0),)),
    ]
    found = allocate(demands, {"busy": 0})
    assert dict(found.unassigned) == {
        "alone": NO_GP_IN_RANGE,
        "refused": EXCLUDED,
        "full": ALL_FULL,
    }


def test_an_unknown_priority_is_refused():
    with pytest.raises(ValueError, match="priority"):
        allocate([CaseDemand("x", 4, ())], {})


STARTUP_THEN_ALLOCATE = """
import sys
from services.bootstrap import create_app
from shared.settings import Settings
create_app(settings=Settings(env="test", database_url=sys.argv[1]))
loaded = lambda: sorted(m for m in ("numpy", "ortools") if m in sys.modules)
print(loaded())
from services.orientation.medecin_traitant.allocation import Candidate, CaseDemand, allocate
allocate([CaseDemand("a", 1, (Candidate("gp", 90.0, 10.0),))], {"gp": 1})
print(loaded())
"""


def test_numpy_and_or_tools_load_only_when_an_allocation_is_computed(tmp_path, repo_root):
    url = f"sqlite:///{tmp_path / 'startup.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", STARTUP_THEN_ALLOCATE, url],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split("\n")[:2] == ["[]", "['numpy', 'ortools']"]
