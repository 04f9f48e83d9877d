"""The history disclosure rule: who reads the actor and the comment of each entry."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

from shared.auth.principal import Principal
from shared.cases.disclosure import HistoryDisclosure, open_history

RULE = HistoryDisclosure(
    full_view=frozenset({"coordinator"}), addressed={"propose": "professional_id"}
)
AT = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
GP_ENTRY = uuid.uuid4()


def _row(transition: str, by: str, comment: str, data: dict | None = None):
    return SimpleNamespace(
        transition=transition,
        from_state="a",
        to_state="b",
        at=AT,
        by=by,
        comment=comment,
        data=data,
    )


def _principal(*roles: str, email: str = "x@relais.test", professional_id=None) -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        email=email,
        roles=frozenset(roles),
        professional_id=professional_id,
    )


ROWS = [
    _row("decline", "autre@relais.test", "refus", {"reason": "refus"}),
    _row("propose", "coord@relais.test", "à vous", {"professional_id": str(GP_ENTRY)}),
    _row("accept", "gp@relais.test", "merci"),
]


def _shown(principal: Principal) -> list[tuple[str | None, str | None]]:
    return [(e.by, e.comment) for e in RULE.visible(ROWS, principal)]


def test_the_coordination_reads_every_entry_in_full():
    assert _shown(_principal("coordinator")) == [
        ("autre@relais.test", "refus"),
        ("coord@relais.test", "à vous"),
        ("gp@relais.test", "merci"),
    ]


def test_a_party_reads_only_their_own_entries_and_those_addressed_to_them():
    gp = _principal("gp", email="gp@relais.test", professional_id=GP_ENTRY)
    assert _shown(gp) == [
        (None, None),
        ("coord@relais.test", "à vous"),
        ("gp@relais.test", "merci"),
    ]
    entries = RULE.visible(ROWS, gp)
    assert [e.transition for e in entries] == ["decline", "propose", "accept"]
    assert (entries[0].revealed, entries[0].data) == (False, None)


def test_someone_else_reads_the_steps_but_no_actor_nor_comment():
    assert _shown(_principal("professional")) == [(None, None)] * 3


def test_an_open_history_is_read_in_full_by_any_role():
    assert all(open_history().reveals(row, _principal("nurse")) for row in ROWS)
