"""Headless n8n from npm (`make n8n-runtime`), driven through its CLI: import, execute, publish, start."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gateway.stack import free_port
from tests.n8n.toolchain import N8N_RUNTIME, node_env

N8N_BIN = N8N_RUNTIME / "node_modules" / ".bin" / "n8n"


class N8n:
    """One n8n instance: its own user folder (SQLite database, binary data) and ports."""

    def __init__(self, home: Path, extensions: Path) -> None:
        if not N8N_BIN.exists():
            pytest.fail("headless n8n is not installed; run `make n8n-runtime`")
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = node_env(
            N8N_USER_FOLDER=str(home),
            N8N_CUSTOM_EXTENSIONS=str(extensions),
            N8N_PORT=str(self.port),
            N8N_LISTEN_ADDRESS="127.0.0.1",
            N8N_HOST="127.0.0.1",
            N8N_WEBHOOK_URL=f"{self.url}/",
            N8N_DIAGNOSTICS_ENABLED="false",
            N8N_VERSION_NOTIFICATIONS_ENABLED="false",
            N8N_PERSONALIZATION_ENABLED="false",
            N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS="false",
            N8N_SECURE_COOKIE="false",
            # Parallel runs on one machine must not fight over the task broker's fixed port.
            N8N_RUNNERS_BROKER_PORT=str(free_port()),
        )

    def cli(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            [str(N8N_BIN), *args], env=self.env, cwd=self.home, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise AssertionError(f"n8n {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _import(self, kind: str, data: Any) -> None:
        path = self.home / f"import-{kind}-{free_port()}.json"
        path.write_text(json.dumps(data))
        self.cli(f"import:{kind}", f"--input={path}")

    def import_credentials(self, credentials: list[dict[str, Any]]) -> None:
        self._import("credentials", credentials)

    def import_workflow(self, workflow: dict[str, Any]) -> None:
        self._import("workflow", workflow)

    def execute(self, workflow_id: str) -> dict[str, Any]:
        """Run a workflow once; its run data (n8n prints log lines before and after the JSON)."""
        out = self.cli("execute", f"--id={workflow_id}", "--rawOutput")
        start = out.find("\n{\n") + 1 if not out.startswith("{") else 0
        result, _ = json.JSONDecoder().raw_decode(out, start)
        assert isinstance(result, dict), f"n8n execute printed no run data: {out[-2000:]}"
        return result

    def publish(self, workflow_id: str) -> None:
        self.cli("publish:workflow", f"--id={workflow_id}")

    @contextlib.contextmanager
    def running(self) -> Iterator[subprocess.Popen[str]]:
        """`n8n start` in its own process group, stopped (the whole group) afterwards."""
        log = (self.home / "start.log").open("w")
        process = subprocess.Popen(
            [str(N8N_BIN), "start"],
            env=self.env,
            cwd=self.home,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            log.close()

    def log(self) -> str:
        path = self.home / "start.log"
        return path.read_text()[-5000:] if path.exists() else ""

    def binary_file(self, binary: dict[str, Any]) -> bytes:
        """The bytes of a binary item n8n stored on disk (`filesystem-v2:<relative path>`)."""
        ref = str(binary["id"]).removeprefix("filesystem-v2:")
        matches = list(self.home.rglob(Path(ref).name))
        assert matches, f"n8n stored no file for {binary['id']} under {self.home}"
        return matches[0].read_bytes()


def run_items(run: dict[str, Any], node: str) -> list[dict[str, Any]]:
    """The items a node output in a run (first run, first output)."""
    assert run["status"] == "success", json.dumps(run["data"]["resultData"].get("error"), indent=1)
    items: list[dict[str, Any]] = run["data"]["resultData"]["runData"][node][0]["data"]["main"][0]
    return items
