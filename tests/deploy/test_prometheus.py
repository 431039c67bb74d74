"""Prometheus and Grafana: the rules pass promtool (syntax and behaviour), and every metric a
rule or a dashboard names is one a running studio process really exports."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.support import REPO_ROOT, RunningService, binary, grafana_to_promql, metric_names

PROMETHEUS = REPO_ROOT / "deploy" / "prometheus"
DASHBOARDS = sorted((REPO_ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
#: Series Prometheus writes itself for every scrape target; no process exports them.
SCRAPE_SERIES = {"up"}
SAMPLE_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
}


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    command = [binary("promtool"), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=120, check=False)


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_queries(path: Path) -> list[tuple[str, str]]:
    """(panel title, PromQL) for every query of every panel, rows included."""
    dashboard = json.loads(path.read_text())
    queries = []
    for panel in dashboard["panels"]:
        for sub in [panel, *panel.get("panels", [])]:
            for target in sub.get("targets", []):
                queries.append((sub["title"], target["expr"]))
    return queries


@pytest.fixture(scope="module")
def exported_series(composer_service: RunningService) -> set[str]:
    """Series names `studio serve composer` exposes on /metrics (all studio.core.metrics,
    labelled ones included through their HELP/TYPE lines), expanded by metric type."""
    with urllib.request.urlopen(composer_service.metrics_url, timeout=10) as response:
        text = response.read().decode()
    names = set()
    for family in text_string_to_metric_families(text):
        for suffix in SAMPLE_SUFFIXES.get(family.type, ("",)):
            names.add(family.name + suffix)
    return names


def test_alert_rules_pass_promtool_check() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_alerts_fire_on_what_they_are_for_and_not_on_look_alikes() -> None:
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    tested = {
        line.split("alertname:")[1].split()[0]
        for line in (PROMETHEUS / "alerts_test.yml").read_text().splitlines()
        if "alertname:" in line
    }
    assert tested == {rule["alert"] for rule in alert_rules()}, "every alert has a unit test"


def test_the_issue_s_alerts_are_there() -> None:
    names = {rule["alert"] for rule in alert_rules()}
    assert {"StudioJobBacklogGrowing", "StudioJobErrorRatioHigh", "StudioServiceDown"} <= names
    assert "StudioGpuMemoryNearLimit" in names


def test_scrape_config_passes_promtool_check() -> None:
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_operator_rule_carries_the_same_groups_as_alerts_yml() -> None:
    operator = yaml.safe_load((REPO_ROOT / "deploy/k8s/base/prometheusrule.yaml").read_text())
    plain = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    assert operator["spec"]["groups"] == plain["groups"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_queries_are_valid_promql(path: Path, tmp_path: Path) -> None:
    queries = dashboard_queries(path)
    rules = [{"record": f"dashboard:query_{i}", "expr": grafana_to_promql(expr)} for i, (_, expr) in enumerate(queries)]
    (tmp_path / "queries.yml").write_text(yaml.safe_dump({"groups": [{"name": path.stem, "rules": rules}]}))
    result = promtool("check", "rules", "queries.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboards_cover_the_issue_s_panels(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    titles = {title for title, _ in dashboard_queries(path)}
    for wanted in ("Jobs finished by service and outcome", "Queue depth by service", "Job run time percentiles"):
        assert wanted in titles
    assert {"GPU memory used", "GPU utilisation", "Job failure ratio"} <= titles
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    assert dashboard["templating"]["list"][0]["type"] == "datasource", "portable across Grafana installs"


def test_metric_names_are_read_from_promql_not_guessed() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, service) (rate(studio_job_seconds_bucket{outcome="completed",'
        ' service=~"a|b"}[5m]))) / on (service) group_left max(up{job="x"}) > 1e-9 and studio_jobs_total offset 5m'
    )
    assert metric_names(expr) == {"studio_job_seconds_bucket", "up", "studio_jobs_total"}


def test_every_metric_in_rules_and_dashboards_is_exported_by_the_code(exported_series: set[str]) -> None:
    assert "studio_jobs_total" in exported_series and "studio_job_seconds_bucket" in exported_series
    used: dict[str, set[str]] = {}
    for rule in alert_rules():
        for name in metric_names(rule["expr"]):
            used.setdefault(name, set()).add(f"alert {rule['alert']}")
    for path in DASHBOARDS:
        for title, expr in dashboard_queries(path):
            for name in metric_names(grafana_to_promql(expr)):
                used.setdefault(name, set()).add(f"{path.name}: {title}")
    assert len(used) >= 10, f"suspiciously few metrics found: {sorted(used)}"
    missing = {name: sorted(where) for name, where in used.items() if name not in exported_series | SCRAPE_SERIES}
    assert missing == {}, "named in rules/dashboards but not exported by studio.core.metrics"
