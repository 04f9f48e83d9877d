"""`relais worker` refuses to start without Redis, where `relais run` delivers by itself."""

from __future__ import annotations

from click.testing import CliRunner

from services.cli import cli


def test_worker_without_redis_url_explains_the_embedded_mode(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)

    result = CliRunner().invoke(cli, ["worker", "--burst"])

    assert result.exit_code == 1
    assert "REDIS_URL n'est pas défini" in result.output
