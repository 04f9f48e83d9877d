"""Fixtures of the médecin-traitant tests."""

from __future__ import annotations

import pytest

from tests.support.medecin_traitant import World


@pytest.fixture
def world(app, client, accounts) -> World:
    return World(app=app, client=client, accounts=accounts)
