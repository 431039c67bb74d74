"""Stand-in executors: instant, deterministic results of the right message types."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from studio.core.errors import StudioError
from studio.pipeline.steps import Step
from studio.v1.audio_pb2 import GenerateMusicResult, RegisterVoiceResult, SynthesizeResult
from studio.v1.common_pb2 import ArtifactRef, PhonemeTiming, Progress, WordTiming
from studio.v1.composer_pb2 import ComposeResult
from studio.v1.image_pb2 import GeneratedImage, GenerateResult
from studio.v1.video_pb2 import AnimateResult, CreateAvatarVideoResult

#: Seconds of speech per character of text (about espeak's pace).
SECONDS_PER_CHAR = 0.06


def _ref(step: Step, name: str) -> ArtifactRef:
    return ArtifactRef(bucket="studio", key=f"runs/{step.id.replace(':', '-').replace('@', '-')}/{name}")


def fake_result(step: Step, draft: bool = True) -> Any:
    request: Any = step.request
    if step.rpc == "Generate":
        image = GeneratedImage(
            image=_ref(step, "image.png"), seed=request.seed, width=request.width, height=request.height
        )
        return GenerateResult(images=[image], backend="fake", draft=draft)
    if step.rpc == "RegisterVoice":
        return RegisterVoiceResult(profile=_ref(step, "profile.json"), reference=request.sample, duration_seconds=15)
    if step.rpc == "Synthesize":
        words, t = [], 0.0
        for word in request.text.split():
            words.append(WordTiming(word=word, start_seconds=t, end_seconds=t + len(word) * SECONDS_PER_CHAR))
            t += (len(word) + 1) * SECONDS_PER_CHAR
        phonemes = [PhonemeTiming(phoneme="a", start_seconds=w.start_seconds, end_seconds=w.end_seconds) for w in words]
        return SynthesizeResult(
            audio=_ref(step, "speech.wav"),
            duration_seconds=round(t, 3),
            sample_rate=24000,
            words=words,
            phonemes=phonemes,
        )
    if step.rpc == "GenerateMusic":
        return GenerateMusicResult(audio=_ref(step, "music.wav"), duration_seconds=request.duration_seconds, channels=2)
    if step.rpc == "CreateAvatarVideo":
        return CreateAvatarVideoResult(video=_ref(step, "talk.mp4"), duration_seconds=2.0, fps=request.fps)
    if step.rpc == "Animate":
        return AnimateResult(video=_ref(step, "scene.mp4"), duration_seconds=request.duration_seconds, fps=request.fps)
    if step.rpc == "Compose" and request.HasField("pictures_only"):
        part = request.pictures_only
        return ComposeResult(video=_ref(step, "pictures.mp4"), duration_seconds=part.end_seconds - part.start_seconds)
    if step.rpc == "Compose" and request.sound_only:
        return ComposeResult(sound=_ref(step, "sound.m4a"), duration_seconds=0.0)
    if step.rpc == "Compose":
        timeline = request.timeline
        total = sum(s.clip.duration_seconds or s.still.duration_seconds for s in timeline.scenes)
        total -= sum(s.transition.duration_seconds for s in timeline.scenes[:-1])  # the last one fades out
        return ComposeResult(video=_ref(step, "film.mp4"), srt=_ref(step, "film.srt"), duration_seconds=total)
    raise AssertionError(f"unexpected rpc {step.rpc}")


@dataclass
class FakeExecutor:
    """Runs steps instantly (after `delay` seconds), recording what ran and how many at once."""

    delay: float = 0.0
    #: Generated images are procedural drafts (no face to lip-sync).
    draft: bool = False
    fail_on: str = ""
    error: StudioError | None = None
    ran: list[Step] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    async def run(self, step: Step) -> Any:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await step.report(Progress(fraction=0.5, stage="working"))
            await asyncio.sleep(self.delay)
            if self.fail_on and step.id.startswith(self.fail_on):
                raise self.error or StudioError("boom")
            self.ran.append(step)
            return fake_result(step, self.draft)
        finally:
            self.in_flight -= 1


@dataclass
class JournalExecutor:
    """A persisting stand-in for the gateway's executor: finished results survive a 'restart'.

    `journal` plays the database (step id -> serialized result); `runs` counts what
    really ran, across every executor sharing the journal.
    """

    inner: FakeExecutor
    journal: dict[str, tuple[str, bytes]]
    runs: dict[str, int]

    async def run(self, step: Step) -> Any:
        if step.id in self.journal:
            type_name, payload = self.journal[step.id]
            result = type(fake_result(step))()
            assert result.DESCRIPTOR.full_name == type_name
            result.ParseFromString(payload)
            return result
        result = await self.inner.run(step)
        self.runs[step.id] = self.runs.get(step.id, 0) + 1
        self.journal[step.id] = (result.DESCRIPTOR.full_name, result.SerializeToString())
        return result
