"""deploy/k8s as Kubernetes would read it: every object validated against the API schemas by
tests/deploy-lint (kubernetes-models, from the npm registry; the Dockerfile linted by dockerfile-utils
there too), and the manifests held against the gateway's own behaviour: probe paths, ports, the
grace period against --graceful-timeout + --shutdown-delay."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

# The Python version cannot matter here: manifests and a Node.js validator. scripts/test.sh runs it on
# 3.11 only.
pytestmark = pytest.mark.version_independent

ROOT = Path(__file__).resolve().parents[2]
LINT = ROOT / "tests" / "deploy-lint"
K8S = ROOT / "deploy" / "k8s"
# One gateway process with --workers 2 serving examples/hello: VmRSS measured at about 110 MiB.
MEASURED_RSS_MIB = 110


def objects():
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found[doc["kind"]] = doc
    return found


def mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def test_manifests_validate_against_the_kubernetes_schemas_and_the_dockerfile_lints_clean():
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm run the validator")
    if not (LINT / "node_modules").is_dir():
        installed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(LINT)],
                                   capture_output=True, text=True, timeout=600)
        assert installed.returncode == 0, installed.stdout + installed.stderr
    done = subprocess.run(["node", str(LINT / "check.mjs")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problems" in done.stdout


def container():
    return objects()["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def arg(name: str) -> float:
    args = container()["args"]
    return float(args[args.index(name) + 1])


def test_the_grace_period_covers_the_shutdown_delay_the_drain_and_the_shutdown_handler():
    spec = objects()["Deployment"]["spec"]["template"]["spec"]
    # --shutdown-delay, then --graceful-timeout, then the Python stop's 3 s beyond it (StopDeadline)
    assert spec["terminationGracePeriodSeconds"] >= arg("--shutdown-delay") + arg("--graceful-timeout") + 3 + 2
    assert arg("--shutdown-delay") >= 2  # long enough for the endpoint to leave the Service


def test_probes_ask_the_gateways_own_health_endpoints_on_the_served_port():
    c = container()
    env = {e["name"]: e["value"] for e in c["env"]}
    health = env.get("ROBYN_HEALTH_PATH", "/__robyn/health")
    assert c["readinessProbe"]["httpGet"]["path"] == f"{health}/ready"
    assert c["startupProbe"]["httpGet"]["path"] == f"{health}/ready"
    assert c["livenessProbe"]["httpGet"]["path"] == f"{health}/live"
    port = c["ports"][0]
    assert int(env["ROBYN_PORT"]) == port["containerPort"]
    assert env["ROBYN_HOST"] == "0.0.0.0"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert c[probe]["httpGet"]["port"] == port["name"]


def test_resources_are_sized_from_the_measured_rss():
    resources = container()["resources"]
    assert mebibytes(resources["requests"]["memory"]) >= MEASURED_RSS_MIB * 1.2
    assert mebibytes(resources["limits"]["memory"]) >= MEASURED_RSS_MIB * 2
    assert "cpu" in resources["requests"]  # the HPA's utilisation is relative to it


def test_service_and_hpa_point_at_the_deployment():
    found = objects()
    deployment, service, hpa = found["Deployment"], found["Service"], found["HorizontalPodAutoscaler"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
    assert service["spec"]["ports"][0]["targetPort"] == container()["ports"][0]["name"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["spec"]["minReplicas"] >= 2 and deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_the_pod_runs_as_the_images_non_root_user():
    spec = objects()["Deployment"]["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 10001  # deploy/Dockerfile's robyn user
