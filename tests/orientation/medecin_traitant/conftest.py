"""Fixtures of these tests."""

import pytest

from tests.support.factories import World, world  # noqa: F401 - a fixture


@pytest.fixture
def only_new_gps(world: World) -> World:  # noqa: F811 - the fixture imported above
    """The world's two GPs stop taking patients, so each test ranks only the GPs it adds."""
    for gp in (world.gp, world.other_gp):
        response = world.client.patch(
            f"/api/agenda/professionals/{gp['id']}",
            json={"accepts_new_patients": False},
            headers=world.coordinator,
        )
        assert response.status_code == 200
    return world
