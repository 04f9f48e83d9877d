"""Fixtures of the SAS search tests: the app configured for a CPTS, the SAS as a client, the
directory through the agenda API, and the ANS guide's files."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.support.notifications import configure
from tests.support.sas import CPTS, PUBLIC_URL, TOKEN, Directory, Sas


@pytest.fixture
def interop(repo_root: Path) -> Path:
    """The ANS guide's files, beside the repository (as in CI)."""
    folder = repo_root.parent / "shared/interop/sas"
    if not folder.is_dir():
        pytest.skip(f"the ANS reference material is not beside the repository: {folder}")
    return folder


@pytest.fixture
def sas_app(app: Flask) -> Flask:
    """The app as a CPTS enrolled with the SAS runs it."""
    configure(app, sas_api_token=TOKEN, public_url=PUBLIC_URL, **CPTS)
    return app


@pytest.fixture
def sas(sas_app: Flask, client) -> Sas:
    return Sas(client)


@pytest.fixture
def directory(client, accounts) -> Directory:
    return Directory(client, accounts)
