"""Helpers shared by the deployment checks: loading compose files as Docker Compose reads
them, rendering kustomizations, the CLI's command tree, and metric names in PromQL."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
K8S = REPO_ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "gpu")
MODEL_SERVERS = ("audio", "image", "video", "composer")
GPU_SERVERS = ("audio", "image", "video")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningService:
    """A studio process started by a fixture, and where it listens."""

    name: str
    grpc_port: int
    metrics_port: int

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"


def binary(name: str) -> str:
    """A tool the checks need, from PATH or next to the interpreter (pip-installed tools)."""
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.fail(f"{name} is not installed; see docs/deploy.md (Checks) for how to get it")
    return path


# --- Compose -----------------------------------------------------------------------------


class ComposeLoader(yaml.SafeLoader):
    """YAML as Compose reads it: `!reset` / `!override` merge tags keep their value."""


def _tagged(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


ComposeLoader.add_constructor("!reset", _tagged)
ComposeLoader.add_constructor("!override", _tagged)

_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>\w+)")
#: Stand-in for variables a compose file requires (`${X:?message}`): a plausible group id.
REQUIRED_PLACEHOLDER = "1000"


def interpolate(value: Any) -> Any:
    """Compose's variable interpolation with an empty environment: `${X:-d}` -> d, `$$` -> `$`."""
    if isinstance(value, dict):
        return {key: interpolate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        op = match.group("op") or ""
        if "-" in op:
            return match.group("arg")
        if "?" in op:
            return REQUIRED_PLACEHOLDER
        return ""

    return _VARIABLE.sub(substitute, value)


def load_compose(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(), Loader=ComposeLoader)
    assert isinstance(data, dict), f"{path} is not a mapping"
    return dict(interpolate(data))


# --- Kubernetes --------------------------------------------------------------------------


def render(kustomization: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize DIR`: the objects an overlay would apply, offline."""
    result = subprocess.run(
        [binary("kubectl"), "kustomize", str(kustomization)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"kustomize failed for {kustomization}:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


# --- CLI ---------------------------------------------------------------------------------


def subcommands(command: Any) -> dict[str, Any]:
    """A command group's subcommands by name ({} for a plain command)."""
    return dict(getattr(command, "commands", None) or {})


def cli_commands() -> dict[str, Any]:
    """The `studio` command tree as the console script builds it (typer's click objects)."""
    from studio.cli.main import app

    return subcommands(typer.main.get_command(app))


def assert_cli_command(argv: list[str]) -> None:
    """`argv` (what a container passes to the `studio` entrypoint) names real commands."""
    from studio.core.registry import SERVICES

    commands = cli_commands()
    assert argv, "empty command"
    assert argv[0] in commands, f"`studio {argv[0]}` does not exist; the CLI has: {sorted(commands)}"
    command = commands[argv[0]]
    if argv[0] == "serve":
        assert argv[1] in (*SERVICES, "gateway"), f"`studio serve {argv[1]}`: no such service"
    elif subcommands(command) and len(argv) > 1:
        assert argv[1] in subcommands(command), f"`studio {argv[0]} {argv[1]}` does not exist"


# --- PromQL ------------------------------------------------------------------------------

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:$])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
_KEYWORDS |= {"by", "without", "on", "ignoring", "group_left", "group_right"}


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (not functions, labels or keywords)."""
    text = _STRINGS.sub(" ", expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    return {name for name in _IDENTIFIER.findall(text) if name.lower() not in _KEYWORDS}


_GRAFANA_BUILTIN = re.compile(r"\$__\w+|\$\{__\w+\}")
_GRAFANA_VARIABLE = re.compile(r"\$\{\w+(?::\w+)?\}|\$\w+")


def grafana_to_promql(expr: str) -> str:
    """A dashboard query with its Grafana variables replaced, so Prometheus tools can parse it."""
    return _GRAFANA_VARIABLE.sub(".*", _GRAFANA_BUILTIN.sub("5m", expr))
