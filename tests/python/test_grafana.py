"""The Grafana dashboard (deploy/grafana/robyn-gateway.json) and its provisioning in docker-compose.yml.

The dashboard is held against what the gateway really exports: a gateway runs tests/apps/observability_app.py
with --metrics-port under --processes 2 (so series carry `worker`), takes requests, a stream, a websocket
and a 504, and every metric name any panel or variable queries must be in its /metrics. The three
counters that need a rare event (an overload 503, a hang, a worker restart) are held against the
meters the gateway registers instead.
"""

import json
import os
import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
import websocket
import yaml

from gateway_process import Server, free_port, gateway_dll, user_env

# The Python version cannot matter here: the series are the gateway's own meters (C#) and the rest is
# files. scripts/test.sh runs it on 3.11 only.
pytestmark = pytest.mark.version_independent

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "robyn-gateway.json"
PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"
COMPOSE = ROOT / "docker-compose.yml"
METERS = ROOT / "src" / "RobynGateway" / "Observability" / "GatewayMeters.cs"
APPS = ROOT / "tests" / "apps"

# Counters the exporter shows only once their event happened: too rare to cause in a test.
RARE_EVENT_COUNTERS = {"robyn_overload_rejected_total", "robyn_python_hangs_total", "robyn_worker_restarts_total"}


def dashboard():
    return json.loads(DASHBOARD.read_text())


def panels():
    found = []
    for panel in dashboard()["panels"]:
        found.extend([panel] + panel.get("panels", []))
    return [p for p in found if p["type"] != "row"]


def expressions():
    exprs = [t["expr"] for p in panels() for t in p["targets"]]
    exprs += [v["definition"] for v in dashboard()["templating"]["list"] if v["type"] == "query"]
    return exprs


def metric_names(expr):
    """The metric names a PromQL expression selects: a name before its {matchers}, or label_values' first argument."""
    return set(re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", expr)) | set(re.findall(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)", expr))


def used_names():
    return set().union(*(metric_names(e) for e in expressions()))


def test_the_dashboard_is_grafana_json_whose_panels_all_query_prometheus():
    board = dashboard()
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    assert {"job", "instance", "worker"} <= set(variables)
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels():
        assert panel["type"] in ("timeseries", "stat"), panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip() and metric_names(target["expr"]), (panel["title"], target)
            # Every series is narrowed by the variables, so picking a worker narrows every panel.
            for selector in re.findall(r"\{([^}]*)\}", target["expr"]):
                assert 'worker=~"$worker"' in selector, (panel["title"], target["expr"])
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]


def test_the_dashboard_covers_every_series_the_docs_name():
    documented = set(re.findall(r"`((?:robyn|http_server)_[a-z_]+)`", (ROOT / "docs" / "observability.md").read_text()))
    # Histograms are queried by their _bucket/_sum/_count series, as Prometheus names them.
    queried = {re.sub(r"_(bucket|sum|count)$", "", name) for name in used_names()}
    assert documented - queried == set()


def test_the_rare_event_counters_are_meters_the_gateway_registers():
    source = METERS.read_text()
    registered = {name.replace(".", "_") + "_total" for name in re.findall(r'CreateCounter<long>\("([a-z.]+)"', source)}
    assert RARE_EVENT_COUNTERS <= registered
    assert RARE_EVENT_COUNTERS <= used_names()


def scraped_names(metrics_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as response:
        text = response.read().decode()
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}
    return names, text


@pytest.mark.skipif(shutil.which("dotnet") is None, reason="needs dotnet")
def test_every_metric_the_dashboard_queries_is_in_a_real_scrape():
    port, metrics_port = free_port(), free_port()
    command = [shutil.which("dotnet"), gateway_dll(), "observability_app.py", "--port", str(port),
               "--metrics-port", str(metrics_port), "--processes", "2", "--timeout", "0.5"]
    with Server(command, port, str(APPS), user_env()) as server:
        server.wait_ready("/users/1")
        for i in range(5):
            assert server.request(f"/users/{i}")[0] == 200
            assert server.request(f"/async/n{i}")[0] == 200
        assert server.request("/hooked")[0] == 200
        assert server.request("/ticks")[1] == b"tick 0;tick 1;tick 2;"
        ws = websocket.create_connection(f"ws://127.0.0.1:{port}/echo", timeout=10)
        try:
            ws.send("hi")
            assert ws.recv() == "echo: hi"
        finally:
            ws.close()
        # Blocks the loop for 1 s past --timeout 0.5: a 504 (robyn_request_timeouts_total) and a late loop timer.
        assert server.request("/report", timeout=30)[0] == 504

        wanted = used_names() - RARE_EVENT_COUNTERS
        deadline = time.monotonic() + 60  # the worker's meters reach the front's scrape on its next ask
        while True:
            names, text = scraped_names(metrics_port)
            missing = wanted - names
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert missing == set(), f"queried but not exported: {sorted(missing)}\n{text}"
        assert re.search(r'^robyn_python_duration_seconds_count\{[^}]*worker="[01]"', text, re.M), text
        assert re.search(r'^http_server_request_duration_seconds_bucket\{[^}]*http_route="/users/:id"', text, re.M), text


def test_compose_runs_grafana_provisioned_with_the_prometheus_service_and_the_dashboard():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    grafana, prometheus = services["grafana"], services["prometheus"]
    assert grafana["image"].startswith("grafana/grafana:")
    assert "3000:3000" in grafana["ports"] and grafana["depends_on"]["prometheus"]["condition"] == "service_started"
    mounts = {}
    for volume in grafana["volumes"]:
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            assert (ROOT / source).exists(), volume
            mounts[target] = ROOT / source
        else:
            assert source in compose["volumes"], volume
    assert mounts["/etc/grafana/provisioning"] == PROVISIONING

    datasources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())["datasources"]
    (source,) = datasources
    assert source["type"] == "prometheus" and source["isDefault"]
    prometheus_port = {p.split(":")[-1] for p in prometheus["ports"]}
    assert re.fullmatch(r"http://prometheus:(\d+)", source["url"]).group(1) in prometheus_port

    (provider,) = yaml.safe_load((PROVISIONING / "dashboards" / "robyn-gateway.yml").read_text())["providers"]
    folder = provider["options"]["path"]
    served = [target for target, source in mounts.items() if os.path.dirname(target) == folder]
    assert [mounts[t] for t in served] == [DASHBOARD]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home in served
