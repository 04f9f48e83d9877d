"""The installed package (what the Dockerfile installs) runs without the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_the_built_wheel_migrates_serves_and_checks_from_outside_the_source_tree(tmp_path):
    source, wheels = tmp_path / "src", tmp_path / "wheels"
    target, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Exactly what the Dockerfile copies into its build stage.
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("shared", "services"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for path in (ROOT / "pyproject.toml", *ROOT.glob("README*")):
        shutil.copy(path, source / path.name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", wheels, source], check=True, capture_output=True
    )
    (wheel,) = wheels.glob("relais-*.whl")
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", target, wheel], check=True, capture_output=True
    )
    # The installed copy comes first; dependencies still come from this environment.
    env = {
        "PATH": f"{target / 'bin'}:/usr/bin:/bin",
        "PYTHONPATH": str(target),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'relais.sqlite3'}",
    }

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=elsewhere, env=env, capture_output=True, text=True)

    located = run(sys.executable, "-c", "import shared; print(shared.__file__)")
    assert located.stdout.startswith(str(target)), located.stderr
    upgraded = run(str(target / "bin" / "relais"), "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    again = run(str(target / "bin" / "relais"), "db", "upgrade")
    assert again.returncode == 0, again.stderr
    imports = run(
        sys.executable,
        "-c",
        "import services.orientation.wsgi, services.agenda.wsgi, services.notifications.wsgi, "
        "shared.ops.gunicorn_conf, shared.ops.probe; "
        "from shared.geo import locate; assert locate('69003', 'Lyon')",
    )
    assert imports.returncode == 0, imports.stderr
    check = run(str(target / "bin" / "relais"), "check")
    assert check.returncode == 1
    assert "[DANGER] DATABASE_URL" in check.stdout
    assert os.access(target / "bin" / "relais", os.X_OK)
