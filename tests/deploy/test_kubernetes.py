"""deploy/k8s: the overlays render with kustomize and every object validates offline, core
kinds against the Kubernetes OpenAPI schemas (strict: unknown fields fail), KEDA and
Prometheus Operator kinds against schemas generated from their CRDs (tests/deploy/schemas,
also strict); then the properties the issue asks for are checked on the rendered objects."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from studio.core.jobs.transport import Names
from studio.core.registry import GATEWAY_PORT, SERVICES
from studio.core.settings import StudioSettings
from tests.deploy.support import (
    GPU_SERVERS,
    K8S,
    OVERLAYS,
    REPO_ROOT,
    assert_cli_command,
    by_kind,
    render,
)

#: Oldest Kubernetes the manifests target (PDB unhealthyPodEvictionPolicy is GA in 1.31).
KUBERNETES_VERSION = "1.31.0"
CRD_KINDS = {"ScaledObject", "TriggerAuthentication", "ServiceMonitor", "PrometheusRule"}
NAMESPACES = {"dev": "studio-dev", "gpu": "studio"}
TARGETS = ("base", *OVERLAYS)
SCHEMAS = REPO_ROOT / "tests" / "deploy" / "schemas"


def target_id(target: str) -> str:
    # Not the bare word "gpu": tests/conftest.py skips items carrying a `gpu` keyword.
    return f"{target}-kustomization"


targets = pytest.mark.parametrize("target", TARGETS, ids=target_id)
overlays = pytest.mark.parametrize("overlay", OVERLAYS, ids=target_id)


@cache
def rendered(target: str) -> list[dict[str, Any]]:
    return render(K8S / "base" if target == "base" else K8S / "overlays" / target)


@cache
def crd_validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{kind.lower()}.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def validation_errors(obj: dict[str, Any]) -> list[str]:
    # Overlays repeat most base objects, changed only in namespace: validate each distinct one
    # once (the namespace is a plain string the schemas accept; overlay tests check its value).
    stripped = copy.deepcopy(obj)
    stripped["metadata"].pop("namespace", None)
    return list(_validation_errors(json.dumps(stripped, sort_keys=True)))


@cache
def _validation_errors(canonical: str) -> tuple[str, ...]:
    obj = json.loads(canonical)
    return tuple(_schema_errors(obj))


def _schema_errors(obj: dict[str, Any]) -> list[str]:
    name = f"{obj['kind']}/{obj['metadata']['name']}"
    if obj["kind"] in CRD_KINDS:
        errors = crd_validator(obj["kind"]).iter_errors(obj)
        return [f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{name}: {'/'.join(map(str, error.path))}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"{name}: no Kubernetes {KUBERNETES_VERSION} schema for {obj['apiVersion']} {obj['kind']}"]
    return []


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: d["spec"]["template"]["spec"] for name, d in by_kind(objects, "Deployment").items()}


def all_containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


# --- rendering and schemas ----------------------------------------------------------------


@targets
def test_renders_and_every_object_validates_offline(target: str) -> None:
    objects = rendered(target)
    kinds = {obj["kind"] for obj in objects}
    assert {"Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "NetworkPolicy"} <= kinds
    assert kinds >= CRD_KINDS
    errors = [error for obj in objects for error in validation_errors(obj)]
    assert errors == []


def test_the_validation_rejects_typos_and_wrong_types() -> None:
    objects = rendered("gpu")
    deployment = copy.deepcopy(by_kind(objects, "Deployment")["image"])
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesytem"] = True
    assert any("readOnlyRootFilesytem" in e for e in validation_errors(deployment))
    scaled = copy.deepcopy(by_kind(objects, "ScaledObject")["image"])
    scaled["spec"]["triggers"][0]["metdata"] = scaled["spec"]["triggers"][0].pop("metadata")
    assert any("metdata" in e for e in validation_errors(scaled))
    scaled = copy.deepcopy(by_kind(objects, "ScaledObject")["image"])
    scaled["spec"]["minReplicaCount"] = "one"
    assert any("minReplicaCount" in e for e in validation_errors(scaled))


@overlays
def test_overlays_put_everything_in_their_namespace(overlay: str) -> None:
    for obj in rendered(overlay):
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == NAMESPACES[overlay], f"{obj['kind']}/{obj['metadata']['name']}"


# --- workloads ----------------------------------------------------------------------------


@targets
def test_every_component_has_a_deployment_and_service_running_a_real_command(target: str) -> None:
    objects = rendered(target)
    deployments, services = by_kind(objects, "Deployment"), by_kind(objects, "Service")
    assert set(deployments) == {*SERVICES, "gateway"}
    assert set(services) == {*SERVICES, "gateway"}
    for name, pod in pod_specs(objects).items():
        for container in pod.get("initContainers", []):
            if "command" not in container:
                assert_cli_command(container["args"])
        assert_cli_command(pod["containers"][0]["args"])
        assert pod["containers"][0]["args"][:2] == ["serve", name]
    for service in services.values():
        assert service["spec"]["type"] == "ClusterIP", "only the Ingress leads in from outside"


@targets
def test_pods_run_non_root_with_a_read_only_root(target: str) -> None:
    for name, pod in pod_specs(rendered(target)).items():
        assert pod["automountServiceAccountToken"] is False, name
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] != 0, name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in all_containers(pod):
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, f"{name}/{container['name']}"
            assert security["allowPrivilegeEscalation"] is False, f"{name}/{container['name']}"
            assert security["capabilities"] == {"drop": ["ALL"]}, f"{name}/{container['name']}"
            assert "memory" in container["resources"]["limits"], f"{name}/{container['name']}"
            mounts = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name}/{container['name']}: a read-only root needs a writable /tmp"


@targets
def test_model_servers_are_probed_on_grpc_health_at_their_registry_port(target: str) -> None:
    pods = pod_specs(rendered(target))
    for name, spec in SERVICES.items():
        container = pods[name]["containers"][0]
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        assert ports == {"grpc": spec.port, "metrics": spec.metrics_port}
        args = container["args"]
        assert args[args.index("--port") + 1] == str(spec.port)
        assert args[args.index("--metrics-port") + 1] == str(spec.metrics_port)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"] == {"port": spec.port}, f"{name} {probe}"
    gateway = pods["gateway"]["containers"][0]
    assert gateway["ports"][0]["containerPort"] == GATEWAY_PORT
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"


@targets
def test_gpus_are_requested_by_the_gpu_overlay_for_model_servers_only(target: str) -> None:
    for name, pod in pod_specs(rendered(target)).items():
        gpus = pod["containers"][0]["resources"]["limits"].get("nvidia.com/gpu")
        wanted = "1" if target == "gpu" and name in GPU_SERVERS else None
        assert gpus == wanted, f"{target}: {name} nvidia.com/gpu={gpus}"
        if wanted:
            tolerations = pod["tolerations"]
            assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in tolerations
            image = pod["containers"][0]["image"]
            assert image.endswith("-cuda"), image


def test_the_gpu_overlay_fetches_weights_with_studio_models_download_only() -> None:
    pods = pod_specs(rendered("gpu"))
    for name in GPU_SERVERS:
        (init,) = pods[name]["initContainers"]
        assert "exec studio models download $MODELS" in init["args"][0]
        assert_cli_command(["models", "download"])
        mounts = {m["mountPath"]: m for m in init["volumeMounts"]}
        assert not mounts["/models"].get("readOnly", False)
        server_mounts = {m["mountPath"]: m for m in pods[name]["containers"][0]["volumeMounts"]}
        assert server_mounts["/models"]["readOnly"] is True


@targets
def test_settings_in_the_config_map_are_real_settings(target: str) -> None:
    from studio.gateway.settings import GatewaySettings

    fields = {f"STUDIO_{name.upper()}" for name in (*StudioSettings.model_fields, *GatewaySettings.model_fields)}
    config = by_kind(rendered(target), "ConfigMap")["studio-config"]["data"]
    unknown = sorted(key for key in config if key.startswith("STUDIO_") and key not in fields)
    assert unknown == [], "typo, or a setting the code does not read"
    # The values parse too; the S3 keys come from studio-secrets, so stand-ins fill them here.
    values = {k.removeprefix("STUDIO_").lower(): v for k, v in config.items() if k in fields}
    GatewaySettings.model_validate({**values, "s3_access_key": "from-secret", "s3_secret_key": "from-secret"})


# --- autoscaling, disruption, exposure, monitoring ------------------------------------------


@targets
def test_each_model_server_scales_on_its_own_jetstream_consumer(target: str) -> None:
    objects = rendered(target)
    names = Names()
    scaled = by_kind(objects, "ScaledObject")
    assert set(scaled) == set(SERVICES)
    deployments = by_kind(objects, "Deployment")
    auth = by_kind(objects, "TriggerAuthentication")
    config = by_kind(objects, "ConfigMap")["studio-config"]["data"]
    for name, obj in scaled.items():
        assert obj["spec"]["scaleTargetRef"]["name"] in deployments
        (trigger,) = obj["spec"]["triggers"]
        assert trigger["type"] == "nats-jetstream"
        assert trigger["metadata"]["stream"] == names.jobs_stream
        assert trigger["metadata"]["consumer"] == names.consumer(name)
        assert obj["spec"]["minReplicaCount"] >= 1, "the consumer exists only once a replica has run"
        (param,) = auth[trigger["authenticationRef"]["name"]]["spec"]["env"]
        assert param["parameter"] == "natsServerMonitoringEndpoint"
        endpoint = config[param["name"]]
        assert re.fullmatch(r"nats\.[a-z0-9-]+\.svc\.cluster\.local:8222", endpoint), endpoint
    if target in NAMESPACES:
        assert f".{NAMESPACES[target]}.svc." in config["NATS_MONITORING_ENDPOINT"]


@targets
def test_every_deployment_has_a_disruption_budget_that_selects_it(target: str) -> None:
    objects = rendered(target)
    budgets = by_kind(objects, "PodDisruptionBudget")
    for name, deployment in by_kind(objects, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        matching = [b for b in budgets.values() if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(matching) == 1, name
        budget = matching[0]["spec"]
        if budget.get("minAvailable") is not None:
            assert deployment["spec"]["replicas"] > budget["minAvailable"], f"{name}: the budget would block drains"


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return bool(selector.get("matchLabels", {}).items() <= labels.items())


def open_to_everyone(rule: dict[str, Any]) -> bool:
    sources = rule.get("from")
    return not sources or any(s.get("ipBlock", {}).get("cidr") in ("0.0.0.0/0", "::/0") for s in sources)


@targets
def test_only_the_gateway_is_reachable_from_outside(target: str) -> None:
    objects = rendered(target)
    policies = list(by_kind(objects, "NetworkPolicy").values())
    for name, deployment in by_kind(objects, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        applying = [p for p in policies if selects(p["spec"]["podSelector"], labels)]
        assert any(not p["spec"].get("ingress") for p in applying), f"{name}: no default-deny policy"
        open_rules = [r for p in applying for r in p["spec"].get("ingress", []) if open_to_everyone(r)]
        if name == "gateway":
            assert [r["ports"] for r in open_rules] == [[{"port": "http", "protocol": "TCP"}]]
        else:
            assert open_rules == [], f"{name} is reachable from outside"
    for ingress in by_kind(objects, "Ingress").values():
        backends = [p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
        assert set(backends) == {"gateway"}


@targets
def test_service_monitors_scrape_ports_that_exist(target: str) -> None:
    objects = rendered(target)
    services = by_kind(objects, "Service")
    monitors = by_kind(objects, "ServiceMonitor")
    scraped = set()
    for monitor in monitors.values():
        for name, service in services.items():
            if selects(monitor["spec"]["selector"], service["metadata"]["labels"]):
                ports = {port["name"] for port in service["spec"]["ports"]}
                for endpoint in monitor["spec"]["endpoints"]:
                    assert endpoint["port"] in ports, f"{name} has no port {endpoint['port']}"
                scraped.add(name)
    assert scraped == set(services), "every component is scraped"


def test_dashboards_ship_as_a_grafana_sidecar_config_map() -> None:
    config = by_kind(rendered("gpu"), "ConfigMap")["studio-dashboards"]
    assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
    for filename, text in config["data"].items():
        assert json.loads(text) == json.loads((REPO_ROOT / "deploy/grafana/dashboards" / filename).read_text())


# --- data services -------------------------------------------------------------------------


def test_data_services_come_from_official_charts_pinned_to_a_version() -> None:
    infra = yaml.safe_load((K8S / "infra" / "kustomization.yaml").read_text())
    charts = {chart["name"]: chart for chart in infra["helmCharts"]}
    assert charts["nats"]["repo"] == "https://nats-io.github.io/k8s/helm/charts/"
    assert charts["minio"]["repo"] == "https://charts.min.io/"
    for chart in charts.values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"]), chart["name"]
    assert charts["nats"]["valuesInline"]["config"]["jetstream"]["enabled"] is True
    assert {"name": "studio", "policy": "none", "purge": False} in charts["minio"]["valuesInline"]["buckets"]
    # The studio reaches them by the release names the config map uses.
    config = by_kind(rendered("gpu"), "ConfigMap")["studio-config"]["data"]
    assert config["STUDIO_NATS_URL"] == f"nats://{charts['nats']['releaseName']}:4222"
    assert config["STUDIO_S3_ENDPOINT"] == f"{charts['minio']['releaseName']}:9000"


def test_postgres_is_a_cloudnativepg_cluster_whose_secret_the_gateway_reads() -> None:
    cluster = yaml.safe_load((K8S / "infra" / "postgres-cluster.yaml").read_text())
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1" and cluster["kind"] == "Cluster"
    gateway = pod_specs(rendered("gpu"))["gateway"]["containers"][0]
    database = next(e for e in gateway["env"] if e["name"] == "STUDIO_DATABASE_URL")
    assert database["valueFrom"]["secretKeyRef"] == {"name": f"{cluster['metadata']['name']}-app", "key": "uri"}


def test_data_service_network_policies_validate_and_admit_only_the_studio() -> None:
    policies = list(yaml.safe_load_all((K8S / "infra" / "networkpolicies.yaml").read_text()))
    assert [error for policy in policies for error in validation_errors(policy)] == []
    for policy in policies:
        assert not any(open_to_everyone(rule) for rule in policy["spec"]["ingress"]), policy["metadata"]["name"]
