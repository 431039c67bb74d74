"""The Dockerfiles, read with BuildKit's own parser and linted by hadolint: multi-stage,
non-root, built from the repository root with sources the build context really sends."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

import dockerfile
import pytest

from studio.core.registry import GATEWAY_PORT, SERVICES
from tests.deploy.support import GPU_SERVERS, REPO_ROOT, binary

DOCKERFILES = {name: REPO_ROOT / "services" / name / "Dockerfile" for name in SERVICES}
DOCKERFILES["gateway"] = REPO_ROOT / "gateway" / "Dockerfile"
COMPONENT_DIRS = {name: f"services/{name}/" for name in SERVICES} | {"gateway": "gateway/"}
HADOLINT_CONFIG = REPO_ROOT / "deploy" / "docker" / "hadolint.yaml"


def instructions(name: str) -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(DOCKERFILES[name])))


def stages(commands: list[dockerfile.Command]) -> list[list[dockerfile.Command]]:
    result: list[list[dockerfile.Command]] = []
    for command in commands:
        if command.cmd == "FROM":
            result.append([])
        if result:
            result[-1].append(command)
    return result


def dockerignore_patterns() -> list[str]:
    lines = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last matching pattern wins; `!` re-includes."""
    verdict = False
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        matched = any(
            fnmatch.fnmatch(prefix, pattern) or (pattern.startswith("**/") and fnmatch.fnmatch(prefix, pattern[3:]))
            for prefix in prefixes
        )
        if matched:
            verdict = not negate
    return verdict


@pytest.mark.parametrize("name", DOCKERFILES)
def test_multi_stage_and_the_runtime_stage_runs_as_a_numeric_non_root_user(name: str) -> None:
    build, runtime = stages(instructions(name))[-2:]
    assert build[0].value[-2:] == ("AS", "build"), "first stage builds the venv"
    assert runtime[0].value[-2:] == ("AS", "runtime")
    users = [command.value[0] for command in runtime if command.cmd == "USER"]
    assert users, f"{name}: runtime stage never drops root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"{name}: USER {users[-1]} (numeric, non-zero: runAsNonRoot can verify it)"
    assert any(c.cmd == "COPY" and "--from=build" in c.flags for c in runtime), "the venv comes from the build stage"


@pytest.mark.parametrize("name", DOCKERFILES)
def test_builds_from_the_repository_root_with_protos_core_and_the_component(name: str) -> None:
    copies = [command.value[0] for command in instructions(name) if command.cmd == "COPY" and not command.flags]
    # cli needs studio-pipeline; constraints.txt holds uv.lock's pins.
    for needed in ("constraints.txt", "protos/", "libs/core/", "libs/pipeline/", "cli/", COMPONENT_DIRS[name]):
        assert needed in copies, f"{name}: does not COPY {needed}"
    patterns = dockerignore_patterns()
    for source in copies:
        assert (REPO_ROOT / source).exists(), f"{name}: COPY {source}: no such path in the repository"
        assert not ignored(source.rstrip("/"), patterns), f"{name}: COPY {source} is excluded by .dockerignore"
    # Stubs are generated inside the image from protos/; a stale local copy must not be sent.
    assert ignored("libs/core/studio/v1", patterns)
    assert not ignored("libs/core/setup.py", patterns)
    assert not ignored("protos/studio/v1/audio.proto", patterns)


@pytest.mark.parametrize("name", DOCKERFILES)
def test_entrypoint_command_ports_and_health_check_match_the_code(name: str) -> None:
    commands = instructions(name)
    final = {command.cmd: command for command in commands}
    assert final["ENTRYPOINT"].value == ("studio",)
    assert final["CMD"].value[:2] == ("serve", name)
    port = SERVICES[name].port if name in SERVICES else GATEWAY_PORT
    exposed = " ".join(final["EXPOSE"].value).split()
    assert str(port) in exposed
    if name in SERVICES:
        assert str(SERVICES[name].metrics_port) in exposed
    health = final["HEALTHCHECK"].value
    assert health[0] == "CMD" and "/opt/studio/healthcheck.py" in health
    assert any(str(port) in part for part in health)


@pytest.mark.parametrize("name", GPU_SERVERS)
def test_model_servers_have_cpu_cuda_and_rocm_variants(name: str) -> None:
    text = DOCKERFILES[name].read_text()
    assert re.search(r"^ARG ACCELERATOR=cpu$", text, re.MULTILINE)
    assert 'install-torch.sh "$ACCELERATOR"' in text
    script = (REPO_ROOT / "deploy" / "docker" / "install-torch.sh").read_text()
    for accelerator in ("cpu)", "cuda)", "rocm)", "none)"):
        assert accelerator in script
    keeps_torch = re.search(r'PIP_CONSTRAINT="[^"]*/tmp/torch-constraints.txt"', text)
    assert keeps_torch, "the service install must not replace the chosen torch"


@pytest.mark.parametrize("name", DOCKERFILES)
def test_images_install_with_a_lock_s_pins(name: str) -> None:
    text = DOCKERFILES[name].read_text()
    # The audio image picks its lock by accelerator: the lite one installs uv.lock's pins.
    lite = text
    if name == "audio":
        assert "lock=constraints.txt" in text
        lite = text.replace('PIP_CONSTRAINT="/src/$lock', 'PIP_CONSTRAINT="/src/constraints.txt')
    assert re.search(r"PIP_CONSTRAINT=\"?/src/constraints.txt", lite), "uv.lock's pins (constraints.txt)"
    assert "pip check" in text


def test_chatterbox_is_installed_in_the_audio_image_only_from_its_own_lock() -> None:
    for name, path in DOCKERFILES.items():
        text = path.read_text()
        assert ("services/audio/chatterbox/constraints.txt" in text) == (name == "audio"), name
        assert ("./services/audio/chatterbox" in text) == (name == "audio"), name


def test_install_torch_rejects_an_unknown_accelerator(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", str(REPO_ROOT / "deploy" / "docker" / "install-torch.sh"), "tpu", "torch==2.13.0"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TORCH_CONSTRAINTS": str(tmp_path / "constraints.txt")},
        check=False,
    )
    assert result.returncode == 2
    assert "ACCELERATOR must be cpu, cuda, rocm or none (got 'tpu')" in result.stderr


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [binary("hadolint"), "--config", str(HADOLINT_CONFIG), "--no-color", *map(str, DOCKERFILES.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("accelerator", "flavour", "index"),
    [
        ("cpu", {}, "https://download.pytorch.org/whl/cpu"),
        ("cuda", {}, "https://download.pytorch.org/whl/cu128"),
        ("cuda", {"TORCH_CUDA": "cu126"}, "https://download.pytorch.org/whl/cu126"),
        ("rocm", {"TORCH_ROCM": "rocm6.2.4"}, "https://download.pytorch.org/whl/rocm6.2.4"),
    ],
)
def test_install_torch_uses_the_accelerator_s_wheel_index_and_pins_what_it_installed(
    tmp_path: Path, accelerator: str, flavour: dict[str, str], index: str
) -> None:
    # Stand-ins for pip and python record what the script asks for; nothing is downloaded.
    calls = tmp_path / "pip-args"
    (tmp_path / "pip").write_text(f'#!/bin/sh\necho "$@" > {calls}\n')
    (tmp_path / "python").write_text("#!/bin/sh\nexit 0\n")
    for tool in ("pip", "python"):
        (tmp_path / tool).chmod(0o755)
    constraints = tmp_path / "constraints.txt"
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "TORCH_CONSTRAINTS": str(constraints), **flavour}
    result = subprocess.run(
        ["sh", str(REPO_ROOT / "deploy/docker/install-torch.sh"), accelerator, "torch==2.6.0", "torchaudio==2.6.0"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert calls.read_text().split() == ["install", "--index-url", index, "torch==2.6.0", "torchaudio==2.6.0"]
    assert constraints.read_text().split() == ["torch==2.6.0", "torchaudio==2.6.0"]


def test_install_torch_none_installs_nothing(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    result = subprocess.run(
        ["sh", str(REPO_ROOT / "deploy/docker/install-torch.sh"), "none"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TORCH_CONSTRAINTS": str(constraints)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert constraints.read_text() == ""


def test_the_gateway_image_builds_the_web_studio_from_its_lock_and_serves_it() -> None:
    all_stages = stages(instructions("gateway"))
    web, runtime = all_stages[0], all_stages[-1]
    assert web[0].value[-2:] == ("AS", "web"), "a Node stage builds the app; the runtime has no Node"
    runs = [" ".join(command.value) for command in web if command.cmd == "RUN"]
    assert runs[0].startswith("npm ci") and runs[-1] == "npm run build"
    copies = [command.value for command in web if command.cmd == "COPY"]
    assert copies[0] == ("web/package.json", "web/package-lock.json", "./"), "dependencies first, from the lock"
    carried = [c.value for c in runtime if c.cmd == "COPY" and "--from=web" in c.flags]
    assert carried == [("/src/web/dist", "/opt/studio/web")]
    env = " ".join(" ".join(command.value) for command in runtime if command.cmd == "ENV")
    assert "STUDIO_WEB_DIR /opt/studio/web" in env or "STUDIO_WEB_DIR=/opt/studio/web" in env
    assert ("templates/", "/opt/studio/templates") in [c.value for c in runtime if c.cmd == "COPY"]
    assert "STUDIO_TEMPLATES_DIR /opt/studio/templates" in env, "the API serves the templates the app bundles"
    assert not any(command.cmd == "FROM" and "node" in " ".join(command.value) for command in runtime)
