"""Start-up memory: building the application (what `relais run` and each service's `wsgi.py` do)
loads none of the heavy libraries that only some requests or commands need. They are imported on
first use: Alembic by `relais db …`, Authlib and joserfc by the first Pro Santé Connect login,
pyotp and segno by the first second-factor action, fhir.resources, pydantic and fhirpathpy by
the first SAS request, openpyxl and zxcvbn by the first spreadsheet or password."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAZY = (
    "alembic",
    "authlib",
    "joserfc",
    "pyotp",
    "segno",
    "fhir",
    "fhirpathpy",
    "pydantic",
    "openpyxl",
    "zxcvbn",
)
PROBE = """
import json, sys
from services.cli import cli  # what `relais run` imports before building the app
from services.bootstrap import create_app
app = create_app()  # settings from the environment, as `relais run`
with app.test_client() as client:
    client.get("/health")
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.argv[1])))
print(json.dumps(loaded))
"""


def _loaded_after_start(tmp_path: Path, **env: str) -> list[str]:
    url = f"sqlite:///{tmp_path / 'relais.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(LAZY)],
        cwd=ROOT,
        env={
            **os.environ,
            "RELAIS_ENV": "development",
            "DATABASE_URL": url,
            "REDIS_URL": "",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_building_the_app_imports_no_heavy_library(tmp_path):
    assert _loaded_after_start(tmp_path) == []


def test_a_configured_pro_sante_connect_is_not_loaded_before_its_first_login(tmp_path):
    loaded = _loaded_after_start(
        tmp_path,
        PSC_DISCOVERY_URL="https://psc.example/.well-known/wallet-openid-configuration",
        PSC_CLIENT_ID="relais",
        PSC_CLIENT_SECRET="secret-of-the-test",  # noqa: S106
    )
    assert loaded == []
