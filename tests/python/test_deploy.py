"""The deployment files, checked as far as this machine allows: there is no Docker engine here.

deploy/Dockerfile is read instruction by instruction (and linted by dockerfile-utils in test_k8s.py), docker-compose.yml with PyYAML
(python3-yaml), and the three are held against each other and against nginx/. The image's
health check script runs for real against a small local HTTP server.
"""

import http.server
import json
import os
import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
NGINX = ROOT / "nginx"


def instructions(path=DOCKERFILE):
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined, pending = [], ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        joined.append(pending + stripped)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]


def stages():
    """{name: steps} for each stage (the last, unnamed one as "final"), each starting with its FROM."""
    found, name = {}, None
    for step in instructions():
        if step[0] == "FROM":
            name = step[1].split(" AS ")[1].strip() if " AS " in step[1] else "final"
            found[name] = []
        found[name].append(step)
    return found


def final_stage():
    """The default image's steps, its base stages' first (FROM runtime: the runtime's, then its own)."""
    all_stages = stages()
    chain, name = [], "final"
    while name in all_stages:
        chain = all_stages[name] + chain
        name = all_stages[name][0][1].split(" AS ")[0].strip()
    return chain


def env_of(stage):
    env = {}
    for name, args in stage:
        if name == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
    return env


def copy_parts(args):
    """Flags, sources and destination of a COPY."""
    words = shlex.split(args)
    flags = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    return flags, paths[:-1], paths[-1]


def seconds(duration):
    match = re.fullmatch(r"(\d+)s", str(duration))
    assert match, duration
    return int(match.group(1))


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


# -- Dockerfile ---------------------------------------------------------------------------------

def test_dockerfile_builds_the_wheel_with_the_sdk_and_runs_on_the_official_python_slim():
    froms = [args for name, args in instructions() if name == "FROM"]
    assert froms == ["mcr.microsoft.com/dotnet/sdk:10.0 AS wheel", "python:3.11-slim AS runtime", "runtime AS onbuild", "runtime"]
    assert any(name == "RUN" and "scripts/build-wheel.sh /dist" in args for name, args in stages()["wheel"])


def test_the_wheel_stage_has_what_the_fronts_nativeaot_image_needs():
    # scripts/build-wheel.sh calls scripts/build-front.sh, which links with clang against zlib.
    wheel = stages()["wheel"]
    copied = [source for name, args in wheel if name == "COPY" for source in copy_parts(args)[1]]
    assert "scripts/build-front.sh" in copied
    installs = " ".join(args for name, args in wheel if name == "RUN" and "apt-get install" in args).split()
    assert {"clang", "zlib1g-dev"} <= set(installs)


def test_every_copy_from_the_context_exists_and_is_not_ignored():
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    checked = 0
    for name, args in instructions():
        if name != "COPY":
            continue
        flags, sources, _ = copy_parts(args)
        if any(flag.startswith("--from=") for flag in flags):
            continue
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not any(Path(source).parts[0] == pattern for pattern in ignored), f"COPY {source} is in .dockerignore"
            checked += 1
    assert checked >= 5


def test_copy_and_mount_from_name_an_earlier_stage():
    seen = []
    for name, args in instructions():
        if name == "FROM" and " AS " in args:
            seen.append(args.split(" AS ")[1].strip())
        if name == "COPY":
            for flag in copy_parts(args)[0]:
                if flag.startswith("--from="):
                    assert flag[len("--from="):] in seen
        for source in re.findall(r"--mount=\S*from=(\w+)", args):
            assert source in seen


def test_runtime_installs_the_wheel_with_pip_and_tini_and_no_dotnet():
    stage = final_stage()
    installs = " ".join(args for name, args in stage if name == "RUN" and "apt-get install" in args).split()
    assert "tini" in installs
    pip = [" ".join(args.split()) for name, args in stage if name == "RUN" and "pip install" in args]
    assert pip == ["--mount=type=bind,from=wheel,source=/dist,target=/dist "
                   "pip install --no-cache-dir --no-index /dist/robyn_gateway-*.whl"]
    assert not any("dotnet" in args for name, args in stage if name in ("COPY", "RUN", "ENTRYPOINT"))


def test_onbuild_copies_the_app_and_installs_its_requirements():
    onbuild = [args for name, args in stages()["onbuild"] if name == "ONBUILD"]
    assert onbuild[0] == "COPY --chown=robyn:robyn . /app/"
    assert "pip install --no-cache-dir -r /app/requirements.txt" in onbuild[1]
    assert onbuild[-1] == "USER robyn"
    users = (ROOT / "examples" / "users" / "Dockerfile").read_text()
    assert [line for line in users.splitlines() if line.startswith("FROM")] == ["FROM robyn-gateway:onbuild"]
    assert len([line for line in users.splitlines() if line.strip() and not line.startswith("#")]) == 2
    requirements = (ROOT / "examples" / "users" / "requirements.txt").read_text()
    assert "asyncpg" in requirements and "PyJWT" in requirements


def test_runs_as_a_non_root_user():
    users = [args for name, args in final_stage() if name == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_entrypoint_runs_the_published_gateway_on_an_app_the_image_holds():
    stage = final_stage()
    entrypoint = json.loads(next(args for name, args in stage if name == "ENTRYPOINT"))
    assert entrypoint == ["tini", "--", "robyn"]  # tini is PID 1; robyn execs the bundled gateway
    assert json.loads(next(args for name, args in stage if name == "CMD"))[0] == "app.py"
    assert [args for name, args in stage if name == "WORKDIR"] == ["/app"]
    copies = [copy_parts(args) for name, args in stage if name == "COPY"]
    assert (["--chown=robyn:robyn"], ["examples/hello/"], "/app/") in copies
    assert (ROOT / "examples" / "hello" / "app.py").is_file()


def test_port_health_check_and_stop_signal_agree():
    stage = final_stage()
    env = env_of(stage)
    assert [args for name, args in stage if name == "EXPOSE"] == [env["ROBYN_PORT"]]
    assert env["ROBYN_HOST"] == "0.0.0.0"
    healthcheck = next(args for name, args in stage if name == "HEALTHCHECK")
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert command[0] == "python"
    assert any(copy_parts(args)[2] == command[1] for name, args in stage if name == "COPY")
    assert [args for name, args in stage if name == "STOPSIGNAL"] == ["SIGTERM"]


def test_default_drain_fits_in_dockers_default_stop_timeout():
    cmd = json.loads(next(args for name, args in final_stage() if name == "CMD"))
    timeout = float(cmd[cmd.index("--graceful-timeout") + 1])
    assert timeout < 10  # docker stop sends SIGKILL after 10 s unless told otherwise


# -- docker-compose.yml -------------------------------------------------------------------------

def test_compose_runs_the_users_example_twice_behind_nginx_with_its_postgres(compose):
    assert set(compose["services"]) == {"gateway-1", "gateway-2", "nginx", "postgres", "prometheus", "grafana"}
    postgres = compose["services"]["postgres"]["environment"]
    for name in ("gateway-1", "gateway-2"):
        service = compose["services"][name]
        assert service["build"]["context"] == "./examples/users"
        assert (ROOT / "examples" / "users" / service["build"]["dockerfile"]).is_file()
        url = service["environment"]["DATABASE_URL"]
        assert url == f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}@postgres:5432/{postgres['POSTGRES_DB']}"
        assert service["environment"]["JWT_SECRET"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_gateway_ports_are_the_ones_nginx_sends_to(compose):
    upstream = dict(re.findall(r"^\s*server\s+([\w.-]+):(\d+)", (NGINX / "upstream.conf").read_text(), re.M))
    assert upstream == {"gateway-1": "8000", "gateway-2": "8001"}
    for name, port in upstream.items():
        service = compose["services"][name]
        assert service["environment"]["ROBYN_PORT"] == port
        assert service["expose"][0] == port  # then the metrics port
        assert "ports" not in service  # reached through nginx only


def test_prometheus_scrapes_each_gateways_metrics_port_on_the_compose_network_only(compose):
    prometheus = compose["services"]["prometheus"]
    mounts = {target: source for source, target, *_ in (v.split(":") for v in prometheus["volumes"])}
    config_file = mounts["/etc/prometheus/prometheus.yml"]
    assert f"--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    assert mounts["/prometheus"] in compose["volumes"]
    config = yaml.safe_load((ROOT / config_file).read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    targets = [t for group in job["static_configs"] for t in group["targets"]]
    expected = []
    for name in ("gateway-1", "gateway-2"):
        service = compose["services"][name]
        port = service["environment"]["ROBYN_METRICS_PORT"]
        assert port != service["environment"]["ROBYN_PORT"]  # the gateway refuses metrics on the app's port
        assert port in service["expose"] and "ports" not in service
        assert prometheus["depends_on"][name]["condition"] == "service_healthy"
        expected.append(f"{name}:{port}")
    assert targets == expected
    # Prometheus rejects a scrape timeout longer than the interval.
    assert seconds(config["global"]["scrape_timeout"]) <= seconds(config["global"]["scrape_interval"])


def test_gateways_get_time_to_drain_before_sigkill(compose):
    for name in ("gateway-1", "gateway-2"):
        service = compose["services"][name]
        command = service["command"]
        drain = float(command[command.index("--graceful-timeout") + 1])
        delay = float(command[command.index("--shutdown-delay") + 1]) if "--shutdown-delay" in command else 0
        assert seconds(service["stop_grace_period"]) >= delay + drain + 5


def test_services_waited_on_as_healthy_have_a_health_check(compose):
    services = compose["services"]
    image_has_healthcheck = any(name == "HEALTHCHECK" for name, _ in final_stage())
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services
            if rule["condition"] == "service_healthy":
                built_here = "build" in services[dependency]
                assert "healthcheck" in services[dependency] or (built_here and image_has_healthcheck), dependency


def test_postgres_keeps_its_data_in_a_named_volume(compose):
    postgres = compose["services"]["postgres"]
    assert "pg_isready" in postgres["healthcheck"]["test"][1]
    volume, target = postgres["volumes"][0].split(":")[:2]
    assert target == "/var/lib/postgresql/data"
    assert volume in compose["volumes"]


def test_nginx_mounts_the_shipped_config_where_its_includes_point(compose):
    nginx = compose["services"]["nginx"]
    assert nginx["ports"] == ["8080:80"]
    mounts = {target: source for source, target, *_ in (v.split(":") for v in nginx["volumes"])}
    assert mounts["/etc/nginx/conf.d/default.conf"] == "./nginx/robyn-gateway.conf"
    assert mounts["/etc/nginx/robyn"] == "./nginx"
    for source in mounts.values():
        assert (ROOT / source).exists()
    # Relative includes are read from /etc/nginx, so robyn/X is ./nginx/X.
    includes = re.findall(r"^\s*include\s+([^;]+);", (NGINX / "robyn-gateway.conf").read_text(), re.M)
    assert includes == ["robyn/upstream.conf", "robyn/proxy.conf"]
    for include in includes:
        assert include.startswith("robyn/") and (NGINX / include[len("robyn/"):]).is_file(), include


def test_nginx_health_check_asks_the_gateways_readiness(compose):
    test = compose["services"]["nginx"]["healthcheck"]["test"]
    assert test[-1] == "http://127.0.0.1" + env_of(final_stage())["ROBYN_HEALTH_PATH"] + "/ready"


def test_nginx_config_upgrades_websockets_and_forwards_the_client():
    proxy = (NGINX / "proxy.conf").read_text()
    for line in ("proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
                 "proxy_set_header Connection $connection_upgrade;",
                 "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                 "proxy_set_header X-Forwarded-Proto $scheme;"):
        assert line in proxy
    assert "map $http_upgrade $connection_upgrade" in (NGINX / "robyn-gateway.conf").read_text()


# -- deploy/healthcheck.py ----------------------------------------------------------------------

class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        ok = self.path == "/ops/health/ready"
        self.send_response(self.status if ok else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_healthcheck(port):
    env = {**os.environ, "ROBYN_PORT": str(port), "ROBYN_HEALTH_PATH": "/ops/health/"}
    return subprocess.run([sys.executable, str(ROOT / "deploy" / "healthcheck.py")], env=env,
                          capture_output=True, text=True, timeout=30)


def test_healthcheck_passes_only_when_ready(health_server, monkeypatch):
    port = health_server.server_address[1]
    monkeypatch.setattr(_Health, "status", 200)
    assert run_healthcheck(port).returncode == 0
    monkeypatch.setattr(_Health, "status", 503)
    failed = run_healthcheck(port)
    assert failed.returncode == 1
    assert "/ops/health/ready" in failed.stderr


def test_healthcheck_fails_when_nothing_listens(health_server):
    port = health_server.server_address[1]
    health_server.shutdown()
    health_server.server_close()
    assert run_healthcheck(port).returncode == 1
