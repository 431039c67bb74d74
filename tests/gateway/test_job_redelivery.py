"""Item 3 of issue 15: a worker killed at the worst moments of finishing a job. The job's asset row,
its result and the bytes a download sends stay the ones recorded; nothing is run twice or
overwritten; what attempts that did not count wrote is swept; a stored file that no longer matches
its record is refused, never sent with a Content-Length it does not fill."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from studio.gateway.auth.keys import create_key
from tests.conftest import NATS_URL
from tests.gateway.conftest import PG_ADMIN_URL  # noqa: F401 - the database fixtures come from conftest
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem

WORKER = Path(__file__).with_name("audio_worker_process.py")


@pytest.fixture(scope="module")
def bare_stack(database_factory: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A gateway with no workers of its own: the test runs (and kills) the audio worker processes."""
    running = Stack(
        database_url=database_factory(),  # type: ignore[operator]
        nats_url=NATS_URL,
        artifacts_dir=tmp_path_factory.mktemp("redelivery-artifacts"),
        services={},
        gateway_overrides={"ready_requires_services": False, "job_ack_wait": 2.0},
    ).start()
    yield running
    running.stop()


@pytest.fixture
async def http(bare_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    import asyncpg

    assert bare_stack.settings is not None
    conn = await asyncpg.connect(bare_stack.settings.database_url)
    try:
        key = (await create_key(conn, "redelivery")).key
    finally:
        await conn.close()
    async with httpx.AsyncClient(
        base_url=bare_stack.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60
    ) as client:
        yield client


def start_worker(stack: Stack, die_at: str = "") -> subprocess.Popen[str]:
    settings = stack.worker_settings
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), stack.prefix, str(settings.artifacts_dir), settings.s3_bucket, die_at],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "pulling\n"
    return proc


async def finished(http: httpx.AsyncClient, job_id: str, timeout: float = 60) -> dict[str, object]:
    for _ in range(int(timeout * 5)):
        job = (await http.get(f"/api/v1/jobs/{job_id}")).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s")


def run_files(stack: Stack, job_id: str) -> list[str]:
    root = Path(stack.worker_settings.artifacts_dir) / stack.worker_settings.s3_bucket
    run = root / "runs" / job_id.replace("-", "")
    return sorted(p.relative_to(root).as_posix() for p in run.rglob("*") if p.is_file() and not p.name.startswith("."))


async def consistent(http: httpx.AsyncClient, job: dict[str, object]) -> dict[str, object]:
    """The asset row, the job's result and the downloaded bytes all agree; return the asset."""
    assets = job["assets"]
    assert isinstance(assets, list) and len(assets) == 1
    asset = assets[0]
    result = job["result"]
    assert isinstance(result, dict)
    recorded = result["audio"]  # the artifact the completion recorded
    assert int(recorded["size"]) == asset["size"] and recorded["sha256"] == asset["sha256"]
    for mode in ("stream", "redirect"):
        got = await http.get(f"/api/v1/assets/{asset['id']}/download", params={"mode": mode}, follow_redirects=True)
        assert got.status_code == 200, got.text
        assert len(got.content) == asset["size"] == int(got.headers["content-length"])
        assert hashlib.sha256(got.content).hexdigest() == asset["sha256"]
    return {**asset, "key": recorded["key"]}


async def test_a_worker_killed_between_completed_and_its_ack_does_not_run_the_job_again(
    bare_stack: Stack, http: httpx.AsyncClient
) -> None:
    dying = start_worker(bare_stack, die_at="ack")
    try:
        job = (await http.post("/api/v1/audio/generate-speech", json={"text": "recorded once"})).json()
        assert dying.wait(60) == -9  # killed itself after recording and publishing, before the ack
    finally:
        if dying.poll() is None:
            dying.kill()
    done = await finished(http, job["id"])
    assert done["status"] == "completed"
    asset = await consistent(http, done)
    before = run_files(bare_stack, job["id"])
    assert before and all(key.split("/")[2] == "1" for key in before)
    second = start_worker(bare_stack)  # JetStream redelivers the unacknowledged job to it
    try:
        for _ in range(50):  # the redelivery comes after the 2 s ack wait; it is answered, not run
            await asyncio.sleep(0.2)
        again = (await http.get(f"/api/v1/jobs/{job['id']}")).json()
    finally:
        second.kill()
        second.wait()
    assert (
        again["status"] == "completed" and again["result"] == done["result"] and again["attempts"] == done["attempts"]
    )
    assert run_files(bare_stack, job["id"]) == before  # attempt 2 wrote nothing
    assert await consistent(http, again) == asset


async def test_a_worker_killed_before_recording_leaves_outputs_that_are_swept(
    bare_stack: Stack, http: httpx.AsyncClient
) -> None:
    dying = start_worker(bare_stack, die_at="record")
    try:
        job = (await http.post("/api/v1/audio/generate-speech", json={"text": "second time lucky"})).json()
        assert dying.wait(60) == -9  # killed after writing its outputs, before recording them
    finally:
        if dying.poll() is None:
            dying.kill()
    litter = run_files(bare_stack, job["id"])
    assert litter and all(key.split("/")[2] == "1" for key in litter)
    second = start_worker(bare_stack)
    try:
        done = await finished(http, job["id"])
    finally:
        second.kill()
        second.wait()
    assert done["status"] == "completed" and done["attempts"] == 2
    asset = await consistent(http, done)
    assert str(asset["key"]).split("/")[2] == "2"
    for _ in range(25):  # the sweep runs right after the completion is recorded
        if run_files(bare_stack, job["id"]) == [asset["key"]]:
            break
        await asyncio.sleep(0.2)
    assert run_files(bare_stack, job["id"]) == [asset["key"]]  # attempt 1's outputs are gone, the winner's kept


async def test_a_stored_file_that_no_longer_matches_its_record_is_refused(
    bare_stack: Stack, http: httpx.AsyncClient
) -> None:
    worker = start_worker(bare_stack)
    try:
        job = (await http.post("/api/v1/audio/generate-speech", json={"text": "tampered"})).json()
        done = await finished(http, job["id"])
    finally:
        worker.kill()
        worker.wait()
    asset = await consistent(http, done)
    settings = bare_stack.worker_settings
    path = Path(settings.artifacts_dir) / settings.s3_bucket / str(asset["key"])
    original = path.read_bytes()
    url = f"/api/v1/assets/{asset['id']}/download"
    try:
        # Other bytes of the same size, the metadata untouched: only hashing the stream can tell.
        path.write_bytes(bytes(b ^ 0xFF for b in original))
        with pytest.raises(httpx.HTTPError):  # cut short of its Content-Length: a failed download
            await http.get(url, params={"mode": "stream"})
        # Other bytes of another size: refused before anything is sent, in both modes.
        path.write_bytes(original + b"appended")
        for mode in ("stream", "redirect"):
            body = assert_problem(await http.get(url, params={"mode": mode}), 409)
            assert "no longer matches" in body["detail"]
    finally:
        path.write_bytes(original)
    await consistent(http, done)
