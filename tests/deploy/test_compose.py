"""docker-compose.yml, the Dockerfile and the gateway, checked without a Docker engine."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from services.bootstrap import SERVICES
from services.cli import cli

ROOT = Path(__file__).resolve().parents[2]
WEB_SERVICES = SERVICES
NGINX_LOCATION = re.compile(r"location\s+(=\s+)?(\S+)\s*\{\s*([^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def locations() -> list[tuple[bool, str, str]]:
    """(exact, path, body) of every nginx `location` block."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    return [(bool(exact), path, body) for exact, path, body in NGINX_LOCATION.findall(text)]


def route(locations: list[tuple[bool, str, str]], path: str) -> str:
    """The body of the nginx location serving `path` (exact match, else longest prefix)."""
    for exact, location, body in locations:
        if exact and location == path:
            return body
    prefixes = [(loc, body) for exact, loc, body in locations if not exact and path.startswith(loc)]
    return max(prefixes, key=lambda item: len(item[0]))[1]


def upstream(body: str) -> str | None:
    match = re.search(r"proxy_pass\s+http://([a-z]+);", body)
    return match.group(1) if match else None


def test_every_container_has_a_healthcheck(compose):
    missing = [name for name, svc in compose["services"].items() if "healthcheck" not in svc]
    assert missing == []


def test_expected_containers_are_declared(compose):
    assert set(compose["services"]) == {
        "postgres",
        "redis",
        "migrate",
        *WEB_SERVICES,
        "worker",
        "gateway",
    }


def test_each_service_runs_gunicorn_on_its_wsgi_app_and_probes_readyz(compose):
    for name in WEB_SERVICES:
        service = compose["services"][name]
        assert service["command"] == [
            "gunicorn",
            "-c",
            "python:shared.ops.gunicorn_conf",
            f"services.{name}.wsgi:app",
        ]
        assert "http://127.0.0.1:8000/readyz" in service["healthcheck"]["test"]


def test_services_start_after_a_successful_migration(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["relais", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in (*WEB_SERVICES, "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
    for name in WEB_SERVICES:
        assert services["gateway"]["depends_on"][name]["condition"] == "service_healthy"


def test_services_know_each_other_and_the_shared_stores(compose):
    for name in (*WEB_SERVICES, "worker", "migrate"):
        environment = compose["services"][name]["environment"]
        assert environment["DATABASE_URL"].startswith("${DATABASE_URL:-postgresql://")
        assert "redis://redis:6379" in environment["REDIS_URL"]
        for other in WEB_SERVICES:
            assert environment[f"{other.upper()}_URL"] == f"http://{other}:8000"
        assert compose["services"][name]["env_file"] == ".env"


def test_postgres_keeps_its_data_in_a_volume(compose):
    volumes = compose["services"]["postgres"]["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in volumes
    assert "pgdata" in compose["volumes"]


def test_redis_persists_jobs_and_never_evicts_them(compose):
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert "redisdata:/data" in compose["services"]["redis"]["volumes"]


def test_containers_are_stopped_after_the_graceful_timeout(compose):
    from shared.ops import gunicorn_conf

    grace = compose["services"]["orientation"]["stop_grace_period"]
    assert int(grace.removesuffix("s")) > gunicorn_conf.graceful_timeout > 0


def test_the_gateway_publishes_port_8000_and_mounts_its_config(compose):
    gateway = compose["services"]["gateway"]
    assert gateway["ports"] == ["${GATEWAY_PORT:-8000}:8000"]
    source = gateway["volumes"][0].split(":")[0]
    assert (ROOT / source).is_file()


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_the_gateway_routes_each_api_prefix_to_its_service(locations, service):
    assert upstream(route(locations, f"/api/{service}/anything")) == service


def test_the_gateway_routes_auth_and_pages_to_a_service(locations):
    assert upstream(route(locations, "/api/auth/token")) in WEB_SERVICES
    assert upstream(route(locations, "/orientation/cases")) == "orientation"
    assert upstream(route(locations, "/indicators")) == "orientation"
    assert upstream(route(locations, "/agenda/slots")) == "agenda"
    assert upstream(route(locations, "/static/app.css")) in WEB_SERVICES
    assert upstream(route(locations, "/")) in WEB_SERVICES


def test_the_gateway_never_exposes_metrics(locations):
    assert upstream(route(locations, "/metrics")) is None
    assert "return 404" in route(locations, "/metrics")


def test_every_route_of_every_service_reaches_a_service_that_serves_it(locations, service_app):
    """Routes added later (pages, APIs) fail here until the gateway knows where they live."""
    served = {
        name: {rule.rule for rule in service_app(name).url_map.iter_rules()}
        for name in WEB_SERVICES
    }
    local = {"/healthz", "/readyz", "/metrics", "/static/<path:filename>"}
    unrouted = []
    for rule in service_app(*SERVICES).url_map.iter_rules():
        if rule.rule in local:
            continue
        sample = re.sub(r"<[^>]+>", "x", rule.rule)
        target = upstream(route(locations, sample))
        if target is None or rule.rule not in served[target]:
            unrouted.append((rule.rule, target))
    assert unrouted == []


def _command(path: list[str]) -> click.Command | None:
    command: click.Command | None = cli
    for name in path:
        if not isinstance(command, click.Group):
            return None
        command = command.get_command(click.Context(command), name)
    return command


def _relais_commands(compose) -> list[list[str]]:
    commands = [svc.get("command") for svc in compose["services"].values()]
    return [c[1:] for c in commands if isinstance(c, list) and c and c[0] == "relais"]


def test_relais_commands_used_by_the_containers_exist(compose):
    argvs = _relais_commands(compose)
    assert ["worker"] in argvs and ["db", "upgrade"] in argvs
    for argv in argvs:
        words = [a for a in argv if not a.startswith("-")]
        command = _command(words)
        assert command is not None, argv
        flags = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert {a for a in argv if a.startswith("-")} <= flags, argv


def test_the_worker_container_runs_a_long_lived_worker_with_the_scheduler(compose):
    """`--burst` would exit once the queue is empty; the scheduler puts retries back."""
    assert compose["services"]["worker"]["command"] == ["relais", "worker"]
    worker = _command(["worker"])
    assert worker is not None
    flags = {opt for param in worker.params for opt in getattr(param, "opts", [])}
    assert flags == {"--burst", "--fork"}  # --fork: a process per job, the old way
    source = Path(inspect.getsourcefile(worker.callback)).read_text()
    assert "with_scheduler=True" in source


def test_wsgi_modules_gunicorn_config_and_probe_import_in_a_fresh_process(tmp_path):
    script = (
        "import importlib, flask\n"
        "for name in ('orientation', 'agenda', 'notifications'):\n"
        "    app = importlib.import_module(f'services.{name}.wsgi').app\n"
        "    assert isinstance(app, flask.Flask), name\n"
        "    assert app.config['RELAIS_SERVICES'] == (name,), name\n"
        "conf = importlib.import_module('shared.ops.gunicorn_conf')\n"
        "assert conf.worker_class == 'gthread' and conf.accesslog is None\n"
        "importlib.import_module('shared.ops.probe')\n"
        "print('ok')\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_image_is_slim_runs_as_a_user_and_installs_no_dev_extra():
    dockerfile = (ROOT / "Dockerfile").read_text()
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    assert bases and all(re.fullmatch(r"python:3\.\d+-slim", base) for base in bases)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    instructions = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    assert not any("[dev]" in line or "pytest" in line for line in instructions)


def test_every_variable_of_the_compose_file_is_documented_in_env_example():
    compose_text = (ROOT / "docker-compose.yml").read_text()
    example = (ROOT / ".env.example").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", compose_text))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, re.MULTILINE))
    assert used - documented == set()
    required = {"RELAIS_ENV", "SECRET_KEY", "ENCRYPTION_KEYS", "SMTP_URL", "PUBLIC_URL"}
    assert required <= documented


def test_every_file_the_dockerfile_copies_exists():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for line in re.findall(r"^COPY\s+(?!--from)(.+)$", dockerfile, re.MULTILINE):
        *sources, _destination = line.split()
        for source in sources:
            assert list(ROOT.glob(source)) or "*" in source, source
        assert any(list(ROOT.glob(source)) for source in sources), line


def test_every_setting_the_code_reads_is_documented_in_env_example():
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z_]+)[= ]", example, re.MULTILINE))
    read = set()
    for path in [ROOT / "shared" / "settings.py", *(ROOT / "shared" / "ops").glob("*.py")]:
        read |= set(re.findall(r'env(?:iron)?\.get\("([A-Z_]+)"', path.read_text()))
    assert read, "no setting found: the pattern is out of date"
    assert read - documented == set()


def test_gateway_access_log_masks_the_calendar_feed_token():
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    log_format = re.search(r"log_format relais[^;]*;", text, re.S).group(0)
    assert "$uri" not in log_format
    assert "$request_uri" not in log_format
    assert not re.search(r"\$request\b", log_format)
    variable = re.search(r'"path":"\$(\w+)"', log_format).group(1)
    block = re.search(rf"map \$uri \${variable} \{{([^}}]*)\}}", text).group(1)
    rules = re.findall(r"~(\S+)\s+\"([^\"]+)\";", block)
    assert re.search(r"default \$uri;", block)
    feed = "/api/agenda/calendar/6f1c2a7e-1b7a-4a8e-9a43-0d2f9b3c1e55.ics"
    masked = [value for pattern, value in rules if re.search(pattern, feed)]
    assert masked == ["/api/agenda/calendar/[redacted]"]
    assert not [value for pattern, value in rules if re.search(pattern, "/api/agenda/slots")]
