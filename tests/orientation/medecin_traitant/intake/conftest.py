"""Fixtures of these tests."""

from tests.support.factories import world  # noqa: F401 - a fixture
