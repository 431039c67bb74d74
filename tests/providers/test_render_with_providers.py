"""examples/luna.yaml rendered with hosted providers (fal, ElevenLabs, Kling, Replicate) played by the local fakes.

The same `studio render` a user runs, pointed at the fakes through the environment:
a finished film whose subtitles are timed by the fake ElevenLabs alignment. Then a
provider failing mid-render: every finished step is kept, and the resume redoes
only the failed ones.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from studio.cli.main import app
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.errors import ProviderFailed
from studio.pipeline.embedded import EmbeddedExecutor, LocalMediaResolver
from studio.pipeline.events import ProductionEvent
from studio.pipeline.journal import JournalExecutor
from studio.pipeline.media import resolve_media
from studio.pipeline.production import produce
from studio.pipeline.screenplay import load_screenplay, with_backends
from tests.providers.fakes.media import CHAR_SECONDS
from tests.providers.fakes.server import FakeProviders

pytestmark = pytest.mark.slow

LUNA = Path(__file__).resolve().parents[2] / "examples" / "luna.yaml"
HOSTED = {"image": "fal", "speech": "elevenlabs", "animation": "kling", "music": "replicate"}
FLAGS = [arg for kind, name in HOSTED.items() for arg in ("--backend", f"{kind}={name}")]


@pytest.fixture
def pointed_at_fakes(fakes: FakeProviders, monkeypatch: pytest.MonkeyPatch) -> FakeProviders:
    for name, value in fakes.settings_env().items():
        monkeypatch.setenv(name, value)
    return fakes


def creates(fake: FakeProviders, provider: str) -> int:
    return sum(1 for r in fake.calls(provider, "POST") if not r.path.endswith("/cancel"))


def test_studio_render_luna_with_hosted_providers(pointed_at_fakes: FakeProviders, tmp_path: Path) -> None:
    out = tmp_path / "luna.mp4"
    result = CliRunner().invoke(app, ["render", str(LUNA), "-o", str(out), "--workers", "0", *FLAGS])
    assert result.exit_code == 0, result.output
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_type,width,height", "-of", "json",
         str(out)], capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(probe.stdout)
    assert float(info["format"]["duration"]) > 25
    assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}
    fake = pointed_at_fakes
    # Pip's portrait + five scene frames, six narrations, five clips (Luna's line is a local talking head), music.
    assert (creates(fake, "fal"), creates(fake, "elevenlabs"), creates(fake, "kling"), creates(fake, "replicate")) == (
        6, 6, 5, 1,
    )  # fmt: skip
    # Subtitles are timed by the fake's alignment: each character lasts CHAR_SECONDS, the first
    # voice-over starts 0.4 s into the film (the lead before narration).
    first = load_screenplay(LUNA).scenes[0].narration
    words = first.split()
    srt = out.with_suffix(".srt").read_text()
    cue = re.search(r"1\n(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)\n(.+?)\n\n", srt, re.DOTALL)
    assert cue is not None and cue.group(1) == "00:00:00,400"
    assert cue.group(3).split()[0] == words[0]
    shown = cue.group(3).split()
    end_char = len(" ".join(words[: len(shown)]))
    assert _seconds(cue.group(2)) == pytest.approx(0.4 + end_char * CHAR_SECONDS, abs=0.002)


def _seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest.replace(",", "."))


async def test_a_provider_failing_mid_render_keeps_finished_steps_and_resume_redoes_only_the_rest(
    pointed_at_fakes: FakeProviders, tmp_path: Path
) -> None:
    fake = pointed_at_fakes
    screenplay = with_backends(load_screenplay(LUNA), HOSTED)
    store = LocalArtifactStore(tmp_path / "work" / "artifacts")
    resolved = await resolve_media(screenplay, LocalMediaResolver(store))
    finished: list[str] = []
    failed: list[str] = []

    def on_event(event: ProductionEvent) -> None:
        if event.step is not None and event.kind == "finished":
            finished.append(event.step.id)
        if event.step is not None and event.kind == "failed":
            failed.append(event.step.id)

    fake.scenario["kling"] = "fail"
    async with EmbeddedExecutor.open(store) as embedded:
        journal = JournalExecutor(embedded, tmp_path / "work" / "journal")
        with pytest.raises(ProviderFailed, match="animation: Kling AI failed the job"):
            await produce(resolved, journal, on_event)
    assert failed and all(step.startswith("animate:") for step in failed)
    assert {"music", "portrait:pip", "narration:1", "frame:1", "talk:3"} <= {s.split("@")[0] for s in finished}
    paid: dict[str, Any] = {p: creates(fake, p) for p in ("fal", "elevenlabs", "replicate")}

    fake.scenario["kling"] = "ok"
    ran: list[str] = []
    async with EmbeddedExecutor.open(store) as embedded:
        journal = JournalExecutor(embedded, tmp_path / "work" / "journal")
        film = await produce(
            resolved, journal, lambda e: ran.append(e.step.id) if e.kind == "finished" and e.step else None
        )
    assert film.duration_seconds > 25
    assert sorted(journal.recalled) == sorted(finished)  # every step finished before is recalled, none redone
    redone = set(ran) - set(journal.recalled)
    assert {s for s in failed} <= redone
    assert all(s.split("@")[0].split(":")[0] in ("animate", "pictures", "sound", "compose") for s in redone)
    assert {p: creates(fake, p) for p in paid} == paid  # no image, narration or music was paid for twice
