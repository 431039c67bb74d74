"""compose.yaml: valid against the Compose Specification, and every service it builds runs a
command that exists, from a Dockerfile that exists, on the ports the code uses."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from studio.core.registry import GATEWAY_PORT, SERVICES
from tests.deploy.support import GPU_SERVERS, REPO_ROOT, assert_cli_command, load_compose

COMPOSE = REPO_ROOT / "compose.yaml"
OVERRIDES = sorted((REPO_ROOT / "deploy" / "compose").glob("*.yaml"))
STUDIO_SERVICES = (*SERVICES, "gateway")


@pytest.fixture(scope="module")
def compose_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema, as vendored (with its license) by check-jsonschema."""
    schemas = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads((schemas / "compose-spec.json").read_text())
    return schema


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(COMPOSE)


def schema_errors(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("path", [COMPOSE, *OVERRIDES], ids=lambda p: str(Path(p).relative_to(REPO_ROOT)))
def test_compose_files_validate_against_the_compose_specification(compose_schema, path: Path) -> None:
    assert schema_errors(compose_schema, load_compose(path)) == []


def test_the_schema_check_rejects_what_compose_would(compose_schema, compose) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["gateway"]["healthcheck"]["intervall"] = "5s"
    del broken["services"]["audio"]["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"]
    broken["services"]["nats"]["volumes"] = "nats-data:/data"
    errors = schema_errors(compose_schema, broken)
    assert any("intervall" in error for error in errors)
    assert any("'capabilities' is a required property" in error for error in errors)
    assert any(error.startswith("services/nats/volumes") for error in errors)


def test_the_whole_stack_is_there(compose) -> None:
    expected = {*STUDIO_SERVICES, "migrate", "nats", "minio", "minio-init", "postgres", "prometheus", "grafana"}
    assert expected <= set(compose["services"])
    assert compose["services"]["gateway"]["ports"] == ["8080:8080"]


@pytest.mark.parametrize("name", [*STUDIO_SERVICES, "migrate"])
def test_each_studio_service_builds_from_an_existing_dockerfile_and_runs_a_real_command(compose, name: str) -> None:
    service = compose["services"][name]
    dockerfile = REPO_ROOT / service["build"]["context"] / service["build"]["dockerfile"]
    assert dockerfile.is_file(), f"{name}: {dockerfile} does not exist"
    assert service["build"]["context"] == ".", "images are built from the repository root"
    assert_cli_command(service["command"])


@pytest.mark.parametrize("name", SERVICES)
def test_model_servers_listen_where_the_gateway_and_prometheus_look(compose, name: str) -> None:
    spec = SERVICES[name]
    service = compose["services"][name]
    command = service["command"]
    assert command[command.index("--port") + 1] == str(spec.port)
    assert command[command.index("--metrics-port") + 1] == str(spec.metrics_port)
    assert service["healthcheck"]["test"][-1] == f"grpc://127.0.0.1:{spec.port}"
    gateway_env = compose["services"]["gateway"]["environment"]
    assert gateway_env[f"STUDIO_{name.upper()}_ADDR"] == f"{name}:{spec.port}"

    scrape = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    assert jobs[name]["static_configs"][0]["targets"] == [f"{name}:{spec.metrics_port}"]


def test_gateway_is_scraped_and_health_checked_on_its_port(compose) -> None:
    gateway = compose["services"]["gateway"]
    assert gateway["command"][-1] == str(GATEWAY_PORT)
    assert gateway["healthcheck"]["test"][-1] == f"http://127.0.0.1:{GATEWAY_PORT}/healthz"
    scrape = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    assert jobs["gateway"]["static_configs"][0]["targets"] == [f"gateway:{GATEWAY_PORT}"]


def test_gpu_is_reserved_for_model_services_only(compose) -> None:
    for name, service in compose["services"].items():
        devices = service.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", [])
        if name in GPU_SERVERS:
            assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}], name
        else:
            assert devices == [], f"{name} should not reserve a GPU"


def test_services_start_in_dependency_order_on_things_that_exist(compose) -> None:
    services = compose["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no health check to wait for"
    gateway = services["gateway"]["depends_on"]
    assert gateway["migrate"]["condition"] == "service_completed_successfully"
    assert gateway["minio-init"]["condition"] == "service_completed_successfully"


def test_data_lives_on_named_volumes(compose) -> None:
    mounts = {
        "nats": "nats-data:/data",
        "minio": "minio-data:/data",
        "postgres": "postgres-data:/var/lib/postgresql/data",
        "image": "models:/models",
    }
    for service, mount in mounts.items():
        assert mount in compose["services"][service]["volumes"], service
        assert mount.split(":")[0] in compose["volumes"]
    assert "--jetstream" in compose["services"]["nats"]["command"]
    assert "mc mb --ignore-existing studio/studio" in compose["services"]["minio-init"]["command"][0]


def test_studio_containers_run_unprivileged(compose) -> None:
    for name in (*STUDIO_SERVICES, "migrate"):
        service = compose["services"][name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name


def test_grafana_and_prometheus_mount_the_provisioned_files(compose) -> None:
    grafana = compose["services"]["grafana"]["volumes"]
    for mount in grafana:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (REPO_ROOT / source).is_dir(), mount
    provider = yaml.safe_load((REPO_ROOT / "deploy/grafana/provisioning/dashboards/studio.yaml").read_text())
    dashboards_path = provider["providers"][0]["options"]["path"]
    assert f"./deploy/grafana/dashboards:{dashboards_path}:ro" in grafana
    home = compose["services"]["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (REPO_ROOT / "deploy/grafana/dashboards" / Path(home).name).is_file()
    assert "./deploy/prometheus:/etc/prometheus:ro" in compose["services"]["prometheus"]["volumes"]


@pytest.mark.parametrize("override", OVERRIDES, ids=lambda p: p.name)
def test_overrides_change_only_the_gpu_model_servers(override: Path) -> None:
    services = load_compose(override)["services"]
    assert set(services) == set(GPU_SERVERS)
    for service in services.values():
        assert service["build"]["args"]["ACCELERATOR"] in ("cpu", "rocm")


@pytest.mark.parametrize("name", [*STUDIO_SERVICES, "migrate"])
def test_environment_names_only_settings_the_code_reads(compose, name: str) -> None:
    from studio.core.providers.settings import ProviderSettings
    from studio.core.settings import StudioSettings
    from studio.gateway.settings import GatewaySettings

    # Every model server reads the provider settings (keys, API bases, the credentials secret).
    read = (*StudioSettings.model_fields, *GatewaySettings.model_fields, *ProviderSettings.model_fields)
    fields = {f"STUDIO_{field.upper()}" for field in read}
    environment = compose["services"][name]["environment"]
    unknown = sorted(key for key in environment if key.startswith("STUDIO_") and key not in fields)
    assert unknown == [], "typo, or a setting the code does not read"
    values = {key.removeprefix("STUDIO_").lower(): value for key, value in environment.items() if key in fields}
    GatewaySettings.model_validate(values)
