"""The Compose operation end to end on tiny real media: timing, loudness, subtitles, cleanup, bad input."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from studio.composer.loudness import TRUE_PEAK_CEILING
from studio.composer.service import build_service, compose
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.errors import Cancelled, InvalidInput, NotFound
from studio.core.operations import OperationContext
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef, WordTiming
from tests.composer.conftest import Media, Upload, ffmpeg, loudness, probe_json

WORDS = [
    ("Hello", 0.0, 0.3), ("there.", 0.3, 0.7), ("This", 0.9, 1.1),
    ("is", 1.1, 1.2), ("a", 1.2, 1.3), ("test.", 1.3, 1.7),
]  # fmt: skip


async def _run(artifacts: LocalArtifactStore, timeline: pb.Timeline) -> pb.ComposeResult:
    result: pb.ComposeResult = await compose(pb.ComposeRequest(timeline=timeline), OperationContext(artifacts))
    return result


def _assert_clean(artifacts: LocalArtifactStore, scratch: Path) -> None:
    assert not scratch.exists() or not any(scratch.iterdir()), "scratch files left behind"
    assert not (artifacts.root / artifacts.bucket / "runs").exists(), "outputs written for a failed compose"


async def test_film_timing_loudness_subtitles_and_cleanup(
    media: Media, artifacts: LocalArtifactStore, upload: Upload, _scratch: Path
) -> None:
    still, clip = await upload(media.still), await upload(media.clip)
    square, tall = await upload(media.square_clip), await upload(media.tall_still)
    t = pb.Timeline(title="test")
    t.scenes.add(
        name="opening",
        still=pb.Still(image=still, duration_seconds=1.5, motion="slow zoom in"),
        narration=pb.Narration(
            audio=await upload(media.speech),
            offset_seconds=0.2,
            words=[WordTiming(word=w, start_seconds=s, end_seconds=e) for w, s, e in WORDS],
        ),
        transition=pb.Transition(kind=pb.TRANSITION_KIND_CROSSFADE, duration_seconds=0.5),
    )
    t.scenes.add(
        name="clip 24fps",
        clip=pb.Clip(video=clip, use_audio=True),  # 2 s probed
        transition=pb.Transition(kind=pb.TRANSITION_KIND_WIPE, duration_seconds=0.4),
    )
    t.scenes.add(
        name="square 30fps",
        clip=pb.Clip(video=square, duration_seconds=1.0),
        transition=pb.Transition(kind=pb.TRANSITION_KIND_FADE_BLACK, duration_seconds=0.3),
        captions=[pb.Caption(text="A caption", start_seconds=0.1, end_seconds=0.8)],
    )
    t.scenes.add(
        name="tall",
        still=pb.Still(image=tall, duration_seconds=1.2, motion="pan down"),
        fit=pb.FIT_MODE_COVER,
        transition=pb.Transition(kind=pb.TRANSITION_KIND_FADE_BLACK, duration_seconds=0.3),  # fades the end out
    )
    t.music.CopyFrom(pb.MusicTrack(audio=await upload(media.music), fade_in_seconds=0.3, fade_out_seconds=0.5))
    t.output.CopyFrom(
        pb.OutputSpec(width=160, height=90, fps=20, loudness_lufs=-16, burn_subtitles=True, poster_at_seconds=1.0)
    )

    result = await _run(artifacts, t)

    expected = 1.5 + 2.0 + 1.0 + 1.2 - 0.5 - 0.4 - 0.3  # sum of durations minus overlaps
    assert result.duration_seconds == pytest.approx(expected)
    film = artifacts.path_of(result.video)
    info = probe_json(film)
    streams = {s["codec_type"]: s for s in info["streams"]}
    video, audio = streams["video"], streams["audio"]
    assert (video["codec_name"], video["width"], video["height"], video["r_frame_rate"]) == ("h264", 160, 90, "20/1")
    assert int(video["nb_read_frames"]) == round(expected * 20)
    assert abs(float(info["format"]["duration"]) - expected) <= 1 / 20
    assert (audio["codec_name"], audio["sample_rate"], audio["channels"]) == ("aac", "48000", 2)

    integrated, peak = loudness(film)
    assert abs(integrated + 16) <= 1.0
    assert peak <= -1.0
    assert abs(result.integrated_lufs + 16) <= 1.0

    srt = (await artifacts.get_bytes(result.srt)).decode()
    vtt = (await artifacts.get_bytes(result.vtt)).decode()
    assert (
        srt == "1\n00:00:00,200 --> 00:00:00,900\nHello there.\n\n2\n00:00:01,100 --> 00:00:01,900\nThis is a test.\n"
    )
    assert (
        vtt
        == "WEBVTT\n\n00:00:00.200 --> 00:00:00.900\nHello there.\n\n00:00:01.100 --> 00:00:01.900\nThis is a test.\n"
    )
    assert result.cue_count == 2

    poster = artifacts.path_of(result.poster)
    assert poster.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert probe_json(poster)["streams"][0]["width"] == 160
    assert not any(_scratch.iterdir())


def _tone_level(film: Path, start: float, end: float, hz: float = 440.0) -> float:
    """Level in dB of one frequency over a window of the film's audio (the music, not the speech)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(film), "-ac", "1", "-ar", "48000", "-f", "f32le", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    samples = np.frombuffer(raw, dtype=np.float32)[int(start * 48000) : int(end * 48000)]
    t = np.arange(samples.size) / 48000
    amplitude = 2 * abs(np.sum(samples * np.exp(-2j * np.pi * hz * t))) / samples.size
    return float(20 * math.log10(amplitude + 1e-12))


@pytest.mark.parametrize("duck", [True, False])
async def test_music_loops_and_ducks_under_narration(
    media: Media, artifacts: LocalArtifactStore, upload: Upload, duck: bool
) -> None:
    t = pb.Timeline()
    t.scenes.add(
        still=pb.Still(image=await upload(media.still), duration_seconds=3.5),
        narration=pb.Narration(
            audio=await upload(media.speech), offset_seconds=1.2, text="Hello there. This is a test."
        ),
    )
    t.music.CopyFrom(pb.MusicTrack(audio=await upload(media.music), volume_db=-3, duck=duck))  # 1 s: loops
    t.output.CopyFrom(pb.OutputSpec(width=32, height=32, fps=10))
    result = await _run(artifacts, t)
    film = artifacts.path_of(result.video)
    before = _tone_level(film, 0.3, 1.1)  # music alone
    during = _tone_level(film, 1.6, 2.4)  # under the narration
    if duck:
        assert during < before - 4, (before, during)
    else:
        assert abs(during - before) < 1.5, (before, during)
    assert result.cue_count == 2  # text without timings is spread over the narration


@pytest.mark.parametrize(
    ("source", "limited"),
    [
        ("sine=f=1000:sample_rate=48000,volume=-30dB", False),  # quiet and smooth: a plain gain is enough
        ("aevalsrc='0.9*lt(mod(t,0.25),0.002)+0.02*sin(2*PI*300*t)':s=48000", True),  # clicks: needs the limiter
    ],
)
async def test_loudness_reported_is_what_the_film_measures(
    tmp_path: Path, media: Media, artifacts: LocalArtifactStore, upload: Upload, source: str, limited: bool
) -> None:
    sound = tmp_path / "sound.wav"
    ffmpeg("-f", "lavfi", "-i", f"{source},aformat=channel_layouts=stereo", "-t", "4", str(sound))
    t = pb.Timeline()
    t.scenes.add(
        still=pb.Still(image=await upload(media.still), duration_seconds=4),
        narration=pb.Narration(audio=await upload(sound)),
    )
    t.output.CopyFrom(pb.OutputSpec(width=32, height=32, fps=10, loudness_lufs=-14))
    result = await _run(artifacts, t)

    integrated, peak = loudness(artifacts.path_of(result.video))
    assert abs(integrated + 14) <= 1.0 and peak <= -1.0
    assert abs(result.integrated_lufs - integrated) <= 0.5  # the level reported is the level delivered
    level, raw_peak = loudness(sound)
    assert (raw_peak + (-14 - level) > TRUE_PEAK_CEILING) == limited  # the case really needs (or not) the limiter


async def test_webm_portrait_without_sound(media: Media, artifacts: LocalArtifactStore, upload: Upload) -> None:
    t = pb.Timeline()
    t.scenes.add(still=pb.Still(image=await upload(media.still), duration_seconds=0.6))
    t.scenes.add(clip=pb.Clip(video=await upload(media.square_clip), duration_seconds=0.5))
    t.output.CopyFrom(pb.OutputSpec(format=pb.CONTAINER_FORMAT_WEBM, aspect=pb.ASPECT_RATIO_9_16, width=64, fps=10))
    result = await _run(artifacts, t)
    assert result.video.content_type == "video/webm" and (result.width, result.height) == (64, 114)
    info = probe_json(artifacts.path_of(result.video))
    codecs = sorted(s["codec_name"] for s in info["streams"])
    assert codecs == ["opus", "vp9"]
    assert abs(float(info["format"]["duration"]) - 1.1) <= 0.1  # webm keeps ms timestamps
    assert result.integrated_lufs == -70.0 and result.cue_count == 0
    assert (await artifacts.get_bytes(result.vtt)) == b"WEBVTT\n\n"


def _frame_means(film: Path, width: int, height: int) -> np.ndarray:
    """Mean brightness of every frame of a film."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(film), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width).mean(axis=(1, 2))


@pytest.mark.parametrize(("motion", "direction"), [("pan right", 1), ("pan left", -1)])
async def test_pan_slides_the_window_across_the_still_with_easing(
    tmp_path: Path, artifacts: LocalArtifactStore, upload: Upload, motion: str, direction: int
) -> None:
    """A left-to-right brightness ramp: the window's position shows as the frame's mean brightness."""
    ramp = tmp_path / "ramp.png"
    ffmpeg("-f", "lavfi", "-i", "nullsrc=s=320x90,geq=lum='X*255/319':cb=128:cr=128", "-frames:v", "1", str(ramp))
    t = pb.Timeline()
    t.scenes.add(still=pb.Still(image=await upload(ramp), duration_seconds=2.0, motion=motion))
    t.output.CopyFrom(pb.OutputSpec(width=160, height=90, fps=10))
    result = await _run(artifacts, t)

    means = _frame_means(artifacts.path_of(result.video), 160, 90) * direction
    assert len(means) == 20
    assert means[-1] - means[0] > 20  # the window travelled (about 32 of the 192-pixel canvas)
    assert np.all(np.diff(means) > -1.0)  # one way only
    halfway = (means[0] + means[-1]) / 2
    assert abs(means[10] - halfway) < 4  # eased: half the way at half the time...
    assert means[1] - means[0] < (means[-1] - means[0]) / 19  # ...starting slower than a linear move


def _scene(t: pb.Timeline, **fields: object) -> pb.Scene:
    scene: pb.Scene = t.scenes.add(**fields)
    return scene


async def _bad(media: Media, upload: Upload, case: str) -> pb.Timeline:
    t = pb.Timeline()
    still = pb.Still(image=await upload(media.still), duration_seconds=1.0)
    _scene(t, name="fine", still=still)
    if case == "corrupt clip":
        _scene(t, name="broken", clip=pb.Clip(video=await upload(media.corrupt)))
    elif case == "playlist posing as a clip":  # would make ffmpeg read another local file
        playlist = media.text.with_name("playlist.bin")  # plain ffprobe would open it with the hls demuxer
        playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n{media.clip}\n#EXT-X-ENDLIST\n")
        _scene(t, name="broken", clip=pb.Clip(video=await upload(playlist)))
    elif case == "text as image":
        _scene(t, name="broken", still=pb.Still(image=await upload(media.text), duration_seconds=1))
    elif case == "image as narration":
        _scene(t, name="broken", still=still, narration=pb.Narration(audio=await upload(media.still)))
    elif case == "sound from a silent clip":
        _scene(t, name="broken", clip=pb.Clip(video=await upload(media.square_clip), use_audio=True))
    elif case == "speech as clip":
        _scene(t, name="broken", clip=pb.Clip(video=await upload(media.speech)))
    elif case == "missing artifact":
        _scene(t, name="broken", clip=pb.Clip(video=ArtifactRef(key="inputs/nope.mp4")))
    elif case == "still without duration":
        _scene(t, name="broken", still=pb.Still(image=still.image))
    elif case == "nan duration":
        _scene(t, name="broken", still=pb.Still(image=still.image, duration_seconds=math.nan))
    elif case == "no visual":
        _scene(t, name="broken")
    elif case == "transition too long":
        crossfade = pb.Transition(kind=pb.TRANSITION_KIND_CROSSFADE, duration_seconds=2)
        _scene(t, name="broken", still=still, transition=crossfade)  # 1 s scene, 2 s transition out of it
        _scene(t, name="after", still=pb.Still(image=still.image, duration_seconds=5))
    elif case == "word after the audio ends":
        words = [WordTiming(word="late", start_seconds=30, end_seconds=31)]
        _scene(t, name="broken", still=still, narration=pb.Narration(audio=await upload(media.speech), words=words))
    elif case == "words out of order":
        words = [
            WordTiming(word="b", start_seconds=1, end_seconds=1.2),
            WordTiming(word="a", start_seconds=0, end_seconds=0.2),
        ]
        _scene(t, name="broken", still=still, narration=pb.Narration(audio=await upload(media.speech), words=words))
    elif case == "narration after the end":
        _scene(
            t, name="broken", still=still, narration=pb.Narration(audio=await upload(media.speech), offset_seconds=5)
        )
    elif case == "caption ends before it starts":
        _scene(t, name="broken", still=still, captions=[pb.Caption(text="x", start_seconds=0.5, end_seconds=0.2)])
    elif case == "unknown motion":
        _scene(t, name="broken", still=pb.Still(image=still.image, duration_seconds=1, motion="barrel roll"))
    return t


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("corrupt clip", "corrupt|unreadable"),
        ("playlist posing as a clip", "unreadable"),
        ("text as image", "unreadable"),
        ("image as narration", "no audio stream"),
        ("sound from a silent clip", "no audio stream"),
        ("speech as clip", "no video stream"),
        ("still without duration", "duration_seconds"),
        ("nan duration", "duration_seconds"),
        ("no visual", "needs a visual"),
        ("transition too long", "overlap"),
        ("word after the audio ends", "after the narration audio ends"),
        ("words out of order", "in order"),
        ("narration after the end", "after the film ends"),
        ("caption ends before it starts", "start < end"),
        ("unknown motion", "accepted"),
    ],
)
async def test_bad_scene_fails_naming_it_and_leaves_nothing(
    media: Media, artifacts: LocalArtifactStore, upload: Upload, _scratch: Path, case: str, message: str
) -> None:
    timeline = await _bad(media, upload, case)
    with pytest.raises(InvalidInput, match=message) as error:
        await _run(artifacts, timeline)
    assert "scene 2 ('broken')" in error.value.message
    _assert_clean(artifacts, _scratch)


async def test_missing_artifact_is_not_found_naming_the_scene(
    media: Media, artifacts: LocalArtifactStore, upload: Upload, _scratch: Path
) -> None:
    with pytest.raises(NotFound, match=r"scene 2 \('broken'\).*not found"):
        await _run(artifacts, await _bad(media, upload, "missing artifact"))
    _assert_clean(artifacts, _scratch)


@pytest.mark.parametrize("scenes", [0, 301])
async def test_scene_count_limits(media: Media, artifacts: LocalArtifactStore, upload: Upload, scenes: int) -> None:
    t = pb.Timeline()
    image = await upload(media.still)
    for _ in range(scenes):
        t.scenes.add(still=pb.Still(image=image, duration_seconds=1))
    with pytest.raises(InvalidInput, match="accepted 1 to 300"):
        await _run(artifacts, t)


async def test_cancelled_compose_leaves_nothing(
    media: Media, artifacts: LocalArtifactStore, upload: Upload, _scratch: Path
) -> None:
    t = pb.Timeline()
    t.scenes.add(still=pb.Still(image=await upload(media.still), duration_seconds=1))
    t.output.CopyFrom(pb.OutputSpec(width=32, height=32, fps=10))
    ctx = OperationContext(artifacts, is_cancelled=lambda: True)
    with pytest.raises(Cancelled):
        await compose(pb.ComposeRequest(timeline=t), ctx)
    _assert_clean(artifacts, _scratch)


async def test_service_definition(artifacts: LocalArtifactStore) -> None:
    service = build_service(artifacts)
    assert service.grpc_service == "studio.v1.ComposerService"
    op = service.operation("Compose")
    assert op.result_type is pb.ComposeResult
    assert service.load is not None
    await service.load()
