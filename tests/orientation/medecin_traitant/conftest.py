"""Fixtures of these tests."""

from tests.support.medecin_traitant import world  # noqa: F401 - a fixture
