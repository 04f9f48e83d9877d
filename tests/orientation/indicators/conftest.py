"""Fixtures of these tests."""

import pytest

from tests.support.factories import World


@pytest.fixture
def world(client, accounts) -> World:
    """People made when a test first uses them: the indicators count only what a test made."""
    return World(client, accounts)
