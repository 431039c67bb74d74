"""Node 24 and the n8n package, as `make n8n-install` (and `make n8n-runtime`) leave them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "integrations" / "n8n"
NODE_BIN = REPO_ROOT / ".tools" / "node24" / "node_modules" / "node" / "bin"
N8N_RUNTIME = REPO_ROOT / ".tools" / "n8n"


def node_env(**extra: str) -> dict[str, str]:
    """The environment with Node 24 first on PATH."""
    node = NODE_BIN / "node"
    if not node.exists() or not (PACKAGE / "node_modules" / ".bin" / "n8n-node").exists():
        pytest.fail("Node 24 or the n8n package's tools are missing; run `make n8n-install`")
    return {**os.environ, "PATH": f"{NODE_BIN}{os.pathsep}{os.environ['PATH']}", **extra}


def build_package() -> Path:
    """`n8n-node build` into integrations/n8n/dist, so tests run what the sources say now."""
    done = subprocess.run(
        ["npm", "run", "--silent", "build"], cwd=PACKAGE, env=node_env(CI="1"), capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"n8n-node build failed:\n{done.stdout}\n{done.stderr}")
    return PACKAGE / "dist"
