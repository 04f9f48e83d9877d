"""Fixtures of the identity tests: the Pro Santé Connect stand-in, and an app pointed at it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from shared.settings import Settings
from tests.support.psc_standin import CLIENT_ID, CLIENT_SECRET, Standin, running_standin


@pytest.fixture
def standin() -> Iterator[Standin]:
    with running_standin() as provider:
        yield provider


@pytest.fixture
def psc_settings(settings: Settings, standin: Standin) -> Settings:
    return dataclasses.replace(
        settings,
        psc_discovery_url=standin.discovery_url,
        psc_client_id=CLIENT_ID,
        psc_client_secret=CLIENT_SECRET,
    )
