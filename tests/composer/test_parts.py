"""A film's pictures rendered in parts (`pictures_only`) and joined (`pictures`) against the film rendered whole."""

from __future__ import annotations

import itertools
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from studio.composer.plan import Needs, input_slots
from studio.composer.service import compose
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.errors import InvalidInput, NotFound
from studio.core.operations import OperationContext
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef
from tests.composer.conftest import Media, Upload, loudness, probe_json

FPS = 10
SIZE = (96, 54)


async def _timeline(media: Media, upload: Upload) -> pb.Timeline:
    """Four scenes with every kind of transition, a closing fade, burned subtitles, a caption and music."""
    t = pb.Timeline()
    t.scenes.add(
        name="zoom",
        still=pb.Still(image=await upload(media.still), duration_seconds=2.0, motion="zoom in"),
        narration=pb.Narration(audio=await upload(media.speech), offset_seconds=0.2, text="Hello there."),
        transition=pb.Transition(kind=pb.TRANSITION_KIND_CROSSFADE, duration_seconds=0.5),
    )
    t.scenes.add(
        name="clip",
        clip=pb.Clip(video=await upload(media.clip)),
        transition=pb.Transition(kind=pb.TRANSITION_KIND_WIPE, duration_seconds=0.4),
        captions=[pb.Caption(text="A caption", start_seconds=0.1, end_seconds=1.5)],
    )
    t.scenes.add(
        name="pan",
        still=pb.Still(image=await upload(media.tall_still), duration_seconds=1.5, motion="pan down"),
        transition=pb.Transition(kind=pb.TRANSITION_KIND_FADE_BLACK, duration_seconds=0.6),
    )
    t.scenes.add(
        name="square",
        clip=pb.Clip(video=await upload(media.square_clip)),
        transition=pb.Transition(kind=pb.TRANSITION_KIND_FADE_BLACK, duration_seconds=0.5),
    )
    t.music.CopyFrom(pb.MusicTrack(audio=await upload(media.music)))
    t.output.CopyFrom(pb.OutputSpec(width=SIZE[0], height=SIZE[1], fps=FPS, burn_subtitles=True))
    return t


async def _compose(artifacts: LocalArtifactStore, request: pb.ComposeRequest) -> pb.ComposeResult:
    result: pb.ComposeResult = await compose(request, OperationContext(artifacts))
    return result


def _frames(film: Path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(film), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(-1, SIZE[1], SIZE[0]).astype(np.float32)


async def _parts(artifacts: LocalArtifactStore, t: pb.Timeline, cuts: list[float]) -> list[ArtifactRef]:
    parts = []
    for start, end in itertools.pairwise(cuts):
        stretch = pb.PictureRange(start_seconds=start, end_seconds=end)
        result = await _compose(artifacts, pb.ComposeRequest(timeline=t, pictures_only=stretch))
        info = probe_json(artifacts.path_of(result.video))
        assert [s["codec_type"] for s in info["streams"]] == ["video"]  # pictures only
        assert int(info["streams"][0]["nb_read_frames"]) == round((end - start) * FPS)
        assert result.duration_seconds == pytest.approx(end - start)
        assert not result.HasField("srt") and not result.HasField("poster")
        parts.append(result.video)
    return parts


async def test_parts_joined_give_the_film_rendered_whole(
    media: Media, artifacts: LocalArtifactStore, upload: Upload, _scratch: Path
) -> None:
    t = await _timeline(media, upload)
    whole = await _compose(artifacts, pb.ComposeRequest(timeline=t))
    # Cut inside transitions, at scene edges and inside scenes alike.
    parts = await _parts(artifacts, t, [0.0, 1.7, 3.3, 3.9, whole.duration_seconds])
    sound = await _compose(artifacts, pb.ComposeRequest(timeline=t, sound_only=True))
    track = probe_json(artifacts.path_of(sound.sound))
    assert [s["codec_name"] for s in track["streams"]] == ["aac"] and not sound.HasField("video")
    assert abs(float(track["format"]["duration"]) - whole.duration_seconds) < 0.05
    assert sound.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=0.1)
    joined = await _compose(artifacts, pb.ComposeRequest(timeline=t, pictures=parts, sound=sound.sound))

    assert joined.duration_seconds == whole.duration_seconds
    one, other = artifacts.path_of(whole.video), artifacts.path_of(joined.video)
    a, b = _frames(one), _frames(other)
    assert a.shape == b.shape == (round(whole.duration_seconds * FPS), SIZE[1], SIZE[0])
    # Two lossy encodes of the same frames: every frame alike (a frame out of place would differ by far more).
    assert np.abs(a - b).mean(axis=(1, 2)).max() < 4.0
    assert abs(float(probe_json(other)["format"]["duration"]) - whole.duration_seconds) <= 1 / FPS
    assert loudness(other) == pytest.approx(loudness(one), abs=0.2)  # the same sound
    assert joined.integrated_lufs == pytest.approx(loudness(other)[0], abs=0.2)  # measured as delivered
    # Each half alone: parts with the sound rendered again, or the pictures rendered again with the sound.
    for request in (pb.ComposeRequest(timeline=t, pictures=parts), pb.ComposeRequest(timeline=t, sound=sound.sound)):
        alone = await _compose(artifacts, request)
        assert (
            abs(float(probe_json(artifacts.path_of(alone.video))["format"]["duration"]) - whole.duration_seconds)
            <= 1 / FPS
        )
    assert await artifacts.get_bytes(joined.srt) == await artifacts.get_bytes(whole.srt)
    assert joined.cue_count == whole.cue_count and joined.HasField("poster")
    assert not any(_scratch.iterdir())


async def _rejected(artifacts: LocalArtifactStore, request: pb.ComposeRequest, scratch: Path, message: str) -> None:
    before = set((artifacts.root / artifacts.bucket).rglob("*"))
    with pytest.raises(InvalidInput, match=message):
        await _compose(artifacts, request)
    assert set((artifacts.root / artifacts.bucket).rglob("*")) == before, "outputs written for a failed compose"
    assert not scratch.exists() or not any(scratch.iterdir()), "scratch files left behind"


@pytest.mark.parametrize(
    ("start", "end"),
    [(0.0, 0.0), (2.0, 1.0), (-1.0, 1.0), (0.0, 60.0), (math.nan, 1.0), (0.0, math.inf), (0.0, 0.01)],
)
async def test_a_range_outside_the_film_is_refused(
    media: Media, artifacts: LocalArtifactStore, upload: Upload, _scratch: Path, start: float, end: float
) -> None:
    t = await _timeline(media, upload)
    stretch = pb.PictureRange(start_seconds=start, end_seconds=end)
    await _rejected(artifacts, pb.ComposeRequest(timeline=t, pictures_only=stretch), _scratch, "pictures_only")


async def test_parts_that_do_not_fit_the_film_are_refused(
    media: Media, artifacts: LocalArtifactStore, upload: Upload, _scratch: Path
) -> None:
    t = await _timeline(media, upload)
    parts = await _parts(artifacts, t, [0.0, 2.0, 5.0])
    cases: list[tuple[list[ArtifactRef], str]] = [
        (parts[:1], r"pictures: the parts hold 20 frames"),  # the rest of the film missing
        ([*parts, parts[0]], "must cover it exactly"),
        ([parts[0], await upload(media.speech)], r"pictures\[1\]: is no video"),
        ([parts[0], await upload(media.clip)], r"pictures\[1\]: is 160x120 at 24 fps"),
        ([parts[0], ArtifactRef(key="inputs/missing.mp4")], r"pictures\[1\]"),
        ([parts[0], ArtifactRef()], r"pictures\[1\]: an artifact reference is required"),
    ]
    for pictures, message in cases:
        with pytest.raises(Exception, match=message):
            await _compose(artifacts, pb.ComposeRequest(timeline=t, pictures=pictures))
    webm = pb.Timeline()
    webm.CopyFrom(t)
    webm.output.format = pb.CONTAINER_FORMAT_WEBM
    await _rejected(artifacts, pb.ComposeRequest(timeline=webm, pictures=parts), _scratch, "parts must be vp9")
    both = pb.ComposeRequest(timeline=t, pictures=parts, pictures_only=pb.PictureRange(end_seconds=1))
    await _rejected(artifacts, both, _scratch, "exclude each other")
    await _rejected(artifacts, pb.ComposeRequest(timeline=t, sound_only=True, pictures=parts), _scratch, "exclude")


async def test_a_sound_track_that_does_not_fit_the_film_is_refused(
    media: Media, artifacts: LocalArtifactStore, upload: Upload, _scratch: Path
) -> None:
    t = await _timeline(media, upload)
    shorter = pb.Timeline()
    shorter.CopyFrom(t)
    del shorter.scenes[-1]
    other = await _compose(artifacts, pb.ComposeRequest(timeline=shorter, sound_only=True))
    cases = [
        (other.sound, r"sound: lasts 4\.\d+ s; the timeline lasts 5\.500 s"),
        (await upload(media.clip), "sound: is aac with video"),
        (await upload(media.speech), "sound: is pcm_s16le; the output needs its sound track alone, in AAC"),
        (ArtifactRef(), "sound: an artifact reference is required"),
    ]
    for sound, message in cases:
        await _rejected(artifacts, pb.ComposeRequest(timeline=t, sound=sound), _scratch, message)


async def test_each_request_reads_only_the_inputs_it_needs(
    media: Media, artifacts: LocalArtifactStore, upload: Upload
) -> None:
    t = await _timeline(media, upload)
    t.scenes[1].clip.duration_seconds = 2.0  # a clip's length given: its file is needed only for its pictures
    t.scenes[0].narration.words.add(word="Hello", start_seconds=0.0, end_seconds=0.4)
    everything = set(input_slots(t))
    assert everything == {f"visual{i}" for i in range(4)} | {"narration0", "music"}
    assert set(input_slots(t, Needs(pictures=True, sound=False))) == {f"visual{i}" for i in range(4)}
    # Scene 4's clip has no length given: it is read for that.
    assert set(input_slots(t, Needs(pictures=False, sound=True))) == {"visual3", "narration0", "music"}
    assert set(input_slots(t, Needs(pictures=False, sound=False))) == {"visual3"}
    del t.scenes[0].narration.words[:]  # text without timings is spread over the narration's length...
    assert set(input_slots(t, Needs(pictures=False, sound=False))) == {"visual3", "narration0"}
    assert set(input_slots(t, Needs(pictures=False, sound=False, subtitles=False))) == {"visual3"}  # ...if shown
    t.scenes[0].narration.words.add(word="Hello", start_seconds=0.0, end_seconds=0.4)
    t.scenes[1].clip.use_audio = True  # a clip's file is also read for its sound
    assert set(input_slots(t, Needs(pictures=False, sound=True))) == {"visual1", "visual3", "narration0", "music"}

    # A film from parts never opens the scenes' files: one that is gone by then does not matter.
    t.scenes[1].clip.use_audio = False
    whole = await _compose(artifacts, pb.ComposeRequest(timeline=t))
    parts = await _parts(artifacts, t, [0.0, whole.duration_seconds])
    sound = await _compose(artifacts, pb.ComposeRequest(timeline=t, sound_only=True))
    t.scenes[2].still.image.key = "inputs/gone.png"
    film = await _compose(artifacts, pb.ComposeRequest(timeline=t, pictures=parts, sound=sound.sound))
    assert film.duration_seconds == whole.duration_seconds and film.cue_count == whole.cue_count
    with pytest.raises(NotFound, match=r"scene 3 \('pan'\) still.image: artifact 'inputs/gone.png' not found"):
        await _compose(artifacts, pb.ComposeRequest(timeline=t, pictures_only=pb.PictureRange(end_seconds=1)))
    # Pictures without burned subtitles never open the narration, even one whose text needs its length.
    t.scenes[2].still.image.CopyFrom(await upload(media.tall_still))
    t.scenes[0].narration.audio.key = "inputs/gone.wav"
    del t.scenes[0].narration.words[:]
    t.output.burn_subtitles = False
    part = await _compose(artifacts, pb.ComposeRequest(timeline=t, pictures_only=pb.PictureRange(end_seconds=1)))
    assert part.duration_seconds == 1.0
