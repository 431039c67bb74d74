"""examples/luna.yaml rendered through the distributed studio with hosted providers played by the fakes.

The gateway, the four model servers (their provider backends pointed at the fakes), NATS and
Postgres, driven as a user drives them: `studio --server … render`, the project's costs,
the estimate route, a budget that refuses a production, and a provider failing mid-render
whose re-submission redoes only what failed.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from studio.cli.main import app
from studio.pipeline.estimate import estimate_embedded
from studio.pipeline.screenplay import load_screenplay, with_backends
from tests.providers.fakes.media import CHAR_SECONDS
from tests.providers.fakes.server import FakeProviders
from tests.providers.stack import ProviderStack

pytestmark = pytest.mark.slow

LUNA = Path(__file__).resolve().parents[2] / "examples" / "luna.yaml"
HOSTED = {"image": "fal", "speech": "elevenlabs", "animation": "kling", "music": "replicate"}
FLAGS = [arg for kind, name in HOSTED.items() for arg in ("--backend", f"{kind}={name}")]
#: Two scenes, each a fal frame, an ElevenLabs narration and a Kling clip, no music: the failure case, kept short.
SHORT = {
    "title": "Fox",
    "style": "watercolour",
    "language": "pt-br",
    "narrator": {"preset": "pt-br+f3"},
    "scenes": [
        {"duration": 5, "prompt": "a fox in the snow", "motion": "slow zoom in", "narration": "Uma raposa na neve."},
        {"duration": 5, "prompt": "a fox asleep", "motion": "pan left", "narration": "A raposa dorme."},
    ],
    "output": {"width": 640, "height": 360, "fps": 12},
    "backends": {"image": "fal", "speech": "elevenlabs", "animation": "kling"},
}


def creates(fake: FakeProviders, provider: str) -> int:
    return sum(1 for r in fake.calls(provider, "POST") if not r.path.endswith("/cancel"))


def counts(fake: FakeProviders) -> dict[str, int]:
    return {name: creates(fake, name) for name in ("fal", "elevenlabs", "kling", "replicate")}


def wait_project(http: httpx.Client, project_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail: dict[str, Any] = http.get(f"/api/v1/studio/projects/{project_id}").json()
        if detail["project"]["status"] in ("completed", "failed"):
            return detail
        time.sleep(0.3)
    raise AssertionError(f"project {project_id} did not finish")


def _seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest.replace(",", "."))


def test_luna_rendered_through_the_gateway_with_hosted_providers(hosted_stack: ProviderStack, tmp_path: Path) -> None:
    key, _ = asyncio.run(hosted_stack.new_key("render"))
    fake = hosted_stack.fake
    before = counts(fake)
    out = tmp_path / "luna.mp4"

    # 1. the film, rendered by `studio --server … render`, timed by the fake ElevenLabs alignment
    result = CliRunner().invoke(app, ["--server", hosted_stack.url, "--key", key, "render", str(LUNA), "-o", str(out),
                                      *FLAGS])  # fmt: skip
    assert result.exit_code == 0, result.output
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "json", str(out)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(probe.stdout)
    assert float(info["format"]["duration"]) > 25
    assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}
    after = counts(fake)
    assert {name: after[name] - before[name] for name in after} == {
        "fal": 6,
        "elevenlabs": 6,
        "kling": 5,
        "replicate": 1,
    }
    words = load_screenplay(LUNA).scenes[0].narration.split()
    srt = out.with_suffix(".srt").read_text()
    cue = re.search(r"1\n(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)\n(.+?)\n\n", srt, re.DOTALL)
    assert cue is not None and cue.group(1) == "00:00:00,400"
    shown = cue.group(3).split()
    assert shown[0] == words[0]
    assert _seconds(cue.group(2)) == pytest.approx(0.4 + len(" ".join(words[: len(shown)])) * CHAR_SECONDS, abs=0.002)

    with httpx.Client(base_url=hosted_stack.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        # 2. the project's cost is the sum of its jobs', Kling's from the task's final_unit_deduction
        (project,) = http.get("/api/v1/studio/projects").json()
        detail = http.get(f"/api/v1/studio/projects/{project['id']}").json()
        jobs = detail["jobs"]
        cost = detail["project"]["cost"]
        assert cost["usd"] == pytest.approx(sum(job["cost"]["usd"] for job in jobs), abs=1e-6)
        assert set(cost["by_provider"]) >= {"fal", "elevenlabs", "kling", "replicate"}
        kling = [job for job in jobs if job["type"] == "video.animate"]
        assert len(kling) == 5
        for job in kling:
            (item,) = job["cost"]["items"]
            assert (item["provider"], item["basis"], item["unit"], item["quantity"]) == ("kling", "provider", "unit", 1)
        assert cost["by_provider"]["kling"] == pytest.approx(5 * item["usd"])

        # 3. the estimate route prices the same body as the embedded estimate does
        screenplay = with_backends(load_screenplay(LUNA), HOSTED)
        estimate = http.post("/api/v1/studio/estimate", json={"screenplay": screenplay.to_data()}).json()
        embedded = estimate_embedded(screenplay)
        assert estimate["total"] == pytest.approx(embedded.usd)
        assert [(s["id"], s["cost"]["usd"]) for s in estimate["steps"]] == [
            (s.id, pytest.approx(s.cost.usd)) for s in embedded.steps
        ]


def test_a_budget_below_the_estimate_refuses_the_production_and_creates_nothing(hosted_stack: ProviderStack) -> None:
    key, _ = asyncio.run(hosted_stack.new_key("budget"))
    with httpx.Client(base_url=hosted_stack.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        portrait = http.post("/api/v1/assets", files={"file": ("luna.jpg", (LUNA.parent / "luna" / "luna.jpg")
                                                                .read_bytes(), "image/jpeg")})  # fmt: skip
        assert portrait.status_code == 201, portrait.text
        data = with_backends(load_screenplay(LUNA), HOSTED).to_data()
        data["characters"][0]["portrait"]["image"] = f"asset:{portrait.json()['id']}"
        estimate = http.post("/api/v1/studio/estimate", json={"screenplay": data}).json()["total"]
        assert http.put("/api/v1/budget", json={"monthly_usd": 0.5}).status_code == 200
        project = http.post("/api/v1/studio/create-project", json={"name": "too dear"}).json()
        refused = http.post("/api/v1/studio/generate-content", json={"project_id": project["id"], "screenplay": data})
        assert refused.status_code == 402, refused.text
        problem = refused.json()
        assert problem["type"] == "/problems/budget-exceeded"
        assert problem["detail"].startswith(f"this production would cost ${estimate:.2f} (estimate); $0.00 of your "
                                            "$0.50 budget for ")  # fmt: skip
        assert problem["estimate_usd"] == pytest.approx(estimate) and problem["budget_usd"] == 0.5
        detail = http.get(f"/api/v1/studio/projects/{project['id']}").json()
        assert detail["project"]["status"] == "draft" and detail["steps"] == [] and detail["jobs"] == []
        one_call = http.post("/api/v1/studio/projects", json={"name": "too dear too", "screenplay": data})
        assert one_call.status_code == 402
        assert [p["id"] for p in http.get("/api/v1/studio/projects").json()] == [project["id"]]
        assert http.get("/api/v1/jobs").json()["items"] == []


def test_a_provider_failing_mid_render_keeps_finished_steps_and_the_resubmission_redoes_only_the_rest(
    hosted_stack: ProviderStack,
) -> None:
    key, _ = asyncio.run(hosted_stack.new_key("resume"))
    fake = hosted_stack.fake
    start = counts(fake)
    with httpx.Client(base_url=hosted_stack.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        fake.scenario["kling"] = "fail"
        try:
            started = http.post("/api/v1/studio/projects", json={"name": "fox", "screenplay": SHORT})
            assert started.status_code == 202, started.text
            project_id = started.json()["id"]
            failed = wait_project(http, project_id)
        finally:
            fake.scenario["kling"] = "ok"
        assert failed["project"]["status"] == "failed"
        assert "Task failed: internal error" in failed["project"]["error"]
        done_before = {job["step_id"]: job["completed_at"] for job in failed["jobs"] if job["status"] == "completed"}
        assert any(step.startswith("frame") for step in done_before)
        assert any(job["type"] == "video.animate" and job["status"] == "failed" for job in failed["jobs"])

        again = http.post("/api/v1/studio/generate-content", json={"project_id": project_id, "screenplay": SHORT})
        assert again.status_code == 202, again.text
        finished = wait_project(http, project_id)
    assert finished["project"]["status"] == "completed", finished["project"]["error"]
    by_step = {job["step_id"]: job for job in finished["jobs"]}
    assert len(by_step) == len(finished["jobs"]) == len(finished["steps"])
    for step_id, completed_at in done_before.items():  # finished steps were recalled, not run again
        assert by_step[step_id]["completed_at"] == completed_at
    after = counts(fake)
    # Over both submissions each frame and narration was made once; only Kling's clips were asked for again.
    assert (after["fal"] - start["fal"], after["elevenlabs"] - start["elevenlabs"]) == (2, 2)
    assert after["kling"] - start["kling"] > 2
    assert finished["project"]["cost"]["usd"] == pytest.approx(
        sum(job["cost"]["usd"] for job in finished["jobs"]), abs=1e-6
    )
