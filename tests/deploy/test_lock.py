"""The locks: the development environment is exactly uv.lock, torch is the CPU build, and a
dependency added without re-locking stops `make test` with a message naming `make lock`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker

from tests.deploy.support import REPO_ROOT

LOCK_SCRIPT = REPO_ROOT / "scripts" / "lock.sh"
COMPONENTS: tuple[str, ...] = (
    "libs/core",
    "libs/pipeline",
    "cli",
    "services/audio",
    "services/image",
    "services/video",
)
COMPONENTS += ("services/composer", "gateway")
CHATTERBOX = "services/audio/chatterbox"


def uv() -> str:
    """The uv the Makefile bootstraps (its `UV`), or one on PATH."""
    configured = os.environ.get("UV")
    candidates = [REPO_ROOT / configured] if configured else []
    candidates.append(REPO_ROOT / ".tools" / "uv" / "bin" / "uv")
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("uv")
    if found is None:
        pytest.fail("uv is not installed: `make install` puts it in .tools/uv")
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines: str) -> dict[str, str]:
    """`name==version` lines that apply to this interpreter, as {canonical name: version}."""
    result: dict[str, str] = {}
    for line in lines.splitlines():
        requirement, _, marker = (part.strip() for part in line.partition(";"))
        if not requirement or requirement.startswith(("#", "-")):
            continue
        if marker and not Marker(marker).evaluate():
            continue
        name, _, version = requirement.partition("==")
        assert version, f"not an exact pin: {line!r}"
        result[canonical(name)] = version.strip()
    return result


def locked_dev_environment() -> dict[str, str]:
    """What `make install` installs: uv.lock's development group, components left out."""
    exported = subprocess.run(
        [uv(), "export", "--frozen", "--offline", "--quiet", "--no-emit-workspace", "--no-hashes", "--no-header"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return pins(exported)


def locked_version(lock: Path, name: str) -> str:
    versions = {package["version"] for package in tomllib.loads(lock.read_text())["package"] if package["name"] == name}
    assert len(versions) == 1, f"{lock}: {name} resolved to {sorted(versions)}"
    return versions.pop()


def test_the_environment_is_exactly_the_lock() -> None:
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed, locked = pins(frozen), locked_dev_environment()
    assert installed.keys() - locked.keys() == set(), "installed but not in uv.lock"
    assert locked.keys() - installed.keys() == set(), "in uv.lock but not installed"
    differing = {name: (installed[name], locked[name]) for name in locked if installed[name] != locked[name]}
    assert differing == {}, "installed version != locked version"


def test_the_dev_environment_has_the_cpu_torch_and_no_cuda_libraries() -> None:
    locked = locked_dev_environment()
    assert locked["torch"].endswith("+cpu")
    cuda = sorted(name for name in locked if name.startswith(("nvidia-", "triton", "cuda-")))
    assert cuda == []


@pytest.mark.parametrize(
    ("dockerfile", "lock"),
    [
        ("services/image/Dockerfile", "uv.lock"),
        ("services/video/Dockerfile", "uv.lock"),
        ("services/audio/Dockerfile", f"{CHATTERBOX}/uv.lock"),
    ],
)
def test_images_install_the_locked_torch(dockerfile: str, lock: str) -> None:
    torch = locked_version(REPO_ROOT / lock, "torch").split("+")[0]
    assert f"ARG TORCH_VERSION={torch}\n" in (REPO_ROOT / dockerfile).read_text()


def test_the_makefile_bootstraps_the_locked_uv_version() -> None:
    version = subprocess.run([uv(), "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    assert f"UV_VERSION := {version}\n" in (REPO_ROOT / "Makefile").read_text()


def lock_inputs_copy(tmp_path: Path) -> Path:
    """The lock script with exactly its inputs and outputs, outside the repository."""
    root = tmp_path / "repo"
    files = ["pyproject.toml", "uv.lock", "constraints.txt", "scripts/lock.sh"]
    files += [f"{component}/pyproject.toml" for component in COMPONENTS]
    files += [f"{CHATTERBOX}/{name}" for name in ("pyproject.toml", "uv.lock", "constraints.txt")]
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, root / name)
    return root


def lock_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(root / "scripts" / "lock.sh"), "check"],
        capture_output=True,
        text=True,
        env={**os.environ, "UV": uv()},
        check=False,
    )


def test_the_committed_locks_match_their_inputs(tmp_path: Path) -> None:
    result = lock_check(lock_inputs_copy(tmp_path))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("component", ["services/image", CHATTERBOX])
def test_a_dependency_added_without_relocking_fails_naming_make_lock(tmp_path: Path, component: str) -> None:
    root = lock_inputs_copy(tmp_path)
    pyproject = root / component / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace("dependencies = [\n", 'dependencies = [\n  "tabulate",\n', 1))
    assert pyproject.read_text() != text
    result = lock_check(root)
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message, "one line"
    assert "run 'make lock'" in message


def test_a_stale_export_fails_naming_make_lock(tmp_path: Path) -> None:
    root = lock_inputs_copy(tmp_path)
    constraints = root / "constraints.txt"
    constraints.write_text(constraints.read_text().replace("\nprotobuf==", "\n# protobuf==", 1))
    result = lock_check(root)
    assert result.returncode == 1
    assert "run 'make lock'" in result.stderr
