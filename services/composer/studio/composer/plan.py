"""A timeline checked and resolved against its probed inputs into everything the render needs.

All checks that can fail because of the request happen here, before ffmpeg runs,
and every error names the scene (or the music) and says what is accepted.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

from studio.composer.motion import Motion, parse_motion
from studio.composer.output import OutputPlan
from studio.composer.probe import MediaInfo
from studio.composer.subtitles import Cue, Word, clean, clip_cues, group_words, spread_text
from studio.composer.timing import TimelineSpan, TimingError, lay_out
from studio.core.errors import InvalidInput
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef

#: Timing slack for word timings and clip lengths, in seconds (containers round durations).
SLACK = 0.05
MAX_TEXT = 10_000
MAX_WORDS = 20_000
XFADE = {
    pb.TRANSITION_KIND_CROSSFADE: "fade",
    pb.TRANSITION_KIND_FADE_BLACK: "fadeblack",
    pb.TRANSITION_KIND_WIPE: "wipeleft",
}


def scene_label(index: int, scene: pb.Scene) -> str:
    name = clean(scene.name)[:80]
    return f"scene {index + 1} ({name!r})" if name else f"scene {index + 1}"


def _finite(value: float, label: str, *, positive: bool = False) -> float:
    if not math.isfinite(value) or value < 0 or (positive and value <= 0):
        wanted = "a number of seconds > 0" if positive else "a number of seconds >= 0"
        raise InvalidInput(f"{label}: {value:g} is not {wanted}")
    return value


@dataclass(frozen=True)
class Inputs:
    """Local files and probe results for a timeline's artifacts, keyed like `input_slots`."""

    files: dict[str, Path]
    infos: dict[str, MediaInfo]


@dataclass(frozen=True)
class Needs:
    """What a request makes: the pictures, the sound, or both (a film made from parts made before needs
    neither), and whether it shows subtitles (sidecars, or burned into pictures). Only the inputs it
    reads are fetched and probed."""

    pictures: bool = True
    sound: bool = True
    subtitles: bool = True


def input_slots(timeline: pb.Timeline, needs: Needs = Needs()) -> dict[str, tuple[str, ArtifactRef]]:
    """The artifacts the timeline reads for `needs`: slot -> (label for errors, ref). Checks every ref is present.

    A visual is read for its pictures, or for a clip's own length or sound; a narration for the sound,
    or for subtitles whose text is spread over its length (no word timings); the music for the sound.
    """
    slots: dict[str, tuple[str, ArtifactRef]] = {}
    for i, scene in enumerate(timeline.scenes):
        label = scene_label(i, scene)
        kind = scene.WhichOneof("visual")
        if kind is None:
            raise InvalidInput(f"{label}: needs a visual, either a still (image + duration) or a clip (video)")
        ref = scene.still.image if kind == "still" else scene.clip.video
        field_name = "still.image" if kind == "still" else "clip.video"
        if not ref.key:
            raise InvalidInput(f"{label}: {field_name} is required (an artifact reference)")
        clip_read = kind == "clip" and (not scene.clip.duration_seconds or (needs.sound and scene.clip.use_audio))
        if needs.pictures or clip_read:
            slots[f"visual{i}"] = (f"{label} {field_name}", ref)
        if scene.HasField("narration"):
            if not scene.narration.audio.key:
                raise InvalidInput(f"{label}: narration.audio is required when a narration is given")
            if needs.sound or (needs.subtitles and not scene.narration.words):
                slots[f"narration{i}"] = (f"{label} narration.audio", scene.narration.audio)
    if timeline.HasField("music"):
        if not timeline.music.audio.key:
            raise InvalidInput("music: music.audio is required when music is given")
        if needs.sound:
            slots["music"] = ("music.audio", timeline.music.audio)
    return slots


@dataclass(frozen=True)
class Visual:
    path: Path
    #: None when the request does not read the file (see input_slots).
    info: MediaInfo | None
    still: bool
    motion: Motion
    cover: bool
    #: Seconds of the source used (clips), before freezing the last frame if the scene is longer.
    source_seconds: float


@dataclass(frozen=True)
class PlacedAudio:
    """A sound placed on the film's clock (narration or a clip's own track)."""

    path: Path
    at: float
    length: float
    fade_in: float = 0.0
    fade_out: float = 0.0


@dataclass(frozen=True)
class Music:
    path: Path
    info: MediaInfo
    volume_db: float
    fade_in: float
    fade_out: float
    duck: bool


@dataclass(frozen=True)
class Plan:
    output: OutputPlan
    span: TimelineSpan
    visuals: tuple[Visual, ...]
    #: xfade transition name between scene i and i+1, "" for a cut.
    transitions: tuple[str, ...]
    #: Frames over which the film fades to black at its end (the last scene's transition).
    end_fade_frames: int
    voices: tuple[PlacedAudio, ...] = ()
    music: Music | None = None
    subtitles: tuple[Cue, ...] = ()
    captions: tuple[Cue, ...] = ()

    @property
    def duration(self) -> float:
        return self.span.rendered_duration


def _unread_visual(label: str, scene: pb.Scene, cover: bool) -> tuple[Visual, float]:
    """A scene whose file this request does not read: its length is all that counts (given in the request)."""
    if scene.HasField("still"):
        duration = _finite(scene.still.duration_seconds, f"{label} still.duration_seconds", positive=True)
        return Visual(
            Path(), None, True, parse_motion(scene.still.motion, f"{label} still.motion"), cover, 0.0
        ), duration
    duration = _finite(scene.clip.duration_seconds, f"{label} clip.duration_seconds", positive=True)
    return Visual(Path(), None, False, Motion(), cover, duration), duration


def _visual(
    index: int, scene: pb.Scene, path: Path | None, info: MediaInfo | None, max_pixels: int
) -> tuple[Visual, float]:
    label = scene_label(index, scene)
    cover = scene.fit == pb.FIT_MODE_COVER
    if scene.fit not in (pb.FIT_MODE_UNSPECIFIED, pb.FIT_MODE_CONTAIN, pb.FIT_MODE_COVER):
        raise InvalidInput(f"{label}: fit {scene.fit}: accepted contain or cover")
    if path is None or info is None:
        return _unread_visual(label, scene, cover)
    if not info.has_video or info.width <= 0 or info.height <= 0:
        what = "image" if scene.HasField("still") else "video"
        raise InvalidInput(f"{label}: the file has no {what} stream; a {what} file is needed here")
    if scene.HasField("still"):
        if info.width * info.height > max_pixels:
            raise InvalidInput(
                f"{label}: image is {info.width}x{info.height}, over the {max_pixels // 1_000_000} megapixel limit"
            )
        duration = _finite(scene.still.duration_seconds, f"{label} still.duration_seconds", positive=True)
        motion = parse_motion(scene.still.motion, f"{label} still.motion")
        return Visual(path, info, True, motion, cover, 0.0), duration
    clip = scene.clip
    if info.duration <= 0:
        raise InvalidInput(f"{label}: clip.video has zero duration")
    if clip.use_audio and not info.has_audio:
        raise InvalidInput(f"{label}: clip.use_audio is set but the clip has no audio stream")
    requested = _finite(clip.duration_seconds, f"{label} clip.duration_seconds")
    duration = requested or info.duration
    return Visual(path, info, False, Motion(), cover, min(duration, info.duration)), duration


def _overlaps(timeline: pb.Timeline) -> tuple[list[float], list[str], pb.Transition]:
    overlaps, kinds = [], []
    scenes = timeline.scenes
    for i, scene in enumerate(scenes):
        label = scene_label(i, scene)
        transition = scene.transition
        if transition.kind not in (pb.TRANSITION_KIND_UNSPECIFIED, pb.TRANSITION_KIND_CUT, *XFADE):
            raise InvalidInput(f"{label}: transition kind {transition.kind}: accepted cut, crossfade, fade_black, wipe")
        seconds = _finite(transition.duration_seconds, f"{label} transition.duration_seconds")
        if i == len(scenes) - 1:
            break
        name = XFADE.get(transition.kind, "")
        if name and seconds <= 0:
            raise InvalidInput(f"{label}: a {name} transition needs duration_seconds > 0")
        overlaps.append(seconds if name else 0.0)
        kinds.append(name)
    return overlaps, kinds, scenes[-1].transition


def _words(label: str, narration: pb.Narration, length: float, at: float) -> list[Word]:
    if len(narration.words) > MAX_WORDS or len(narration.text) > MAX_TEXT:
        raise InvalidInput(f"{label}: narration is too long (at most {MAX_WORDS} words, {MAX_TEXT} characters)")
    if not narration.words:
        return spread_text(narration.text, at, at + length)
    words, previous = [], 0.0
    for k, word in enumerate(narration.words):
        where = f"{label} narration.words[{k}] ({clean(word.word)[:40]!r})"
        start = _finite(word.start_seconds, f"{where} start_seconds")
        end = _finite(word.end_seconds, f"{where} end_seconds")
        if end < start:
            raise InvalidInput(f"{where}: ends ({end:g} s) before it starts ({start:g} s)")
        if start < previous - SLACK:
            raise InvalidInput(f"{where}: starts at {start:g} s, before the previous word; words must be in order")
        if end > length + SLACK:
            raise InvalidInput(f"{where}: ends at {end:g} s, after the narration audio ends ({length:.2f} s)")
        previous = start
        words.append(Word(clean(word.word), at + start, at + min(end, length)))
    return words


def _captions(label: str, scene: pb.Scene, start: float, duration: float) -> list[Cue]:
    cues = []
    for k, caption in enumerate(scene.captions):
        where = f"{label} captions[{k}]"
        text = clean(caption.text)
        if not text or len(text) > 500:
            raise InvalidInput(f"{where}: text must be 1 to 500 characters")
        begin = _finite(caption.start_seconds, f"{where} start_seconds")
        end = _finite(caption.end_seconds, f"{where} end_seconds")
        if end <= begin or begin >= duration:
            raise InvalidInput(
                f"{where}: shown {begin:g}-{end:g} s; needs start < end and start within the scene ({duration:g} s)"
            )
        cues.append(Cue(start + begin, start + min(end, duration), tuple(textwrap.wrap(text, 42))))
    return cues


def _music(timeline: pb.Timeline, inputs: Inputs) -> Music | None:
    if not timeline.HasField("music"):
        return None
    music = timeline.music
    info = inputs.infos["music"]
    if not info.has_audio or info.audio_duration <= 0:
        raise InvalidInput("music.audio: the file has no audio stream with a duration")
    volume = music.volume_db if music.HasField("volume_db") else -6.0
    if not math.isfinite(volume) or not -60.0 <= volume <= 12.0:
        raise InvalidInput(f"music.volume_db {volume:g}: accepted -60 to 12 dB")
    fade_in = _finite(music.fade_in_seconds, "music.fade_in_seconds")
    fade_out = _finite(music.fade_out_seconds, "music.fade_out_seconds")
    duck = music.duck if music.HasField("duck") else True
    return Music(inputs.files["music"], info, volume, fade_in, fade_out, duck)


def build_plan(
    timeline: pb.Timeline,
    inputs: Inputs,
    output: OutputPlan,
    *,
    max_pixels: int,
    max_seconds: float,
    needs: Needs = Needs(),
) -> Plan:
    """Resolve a timeline whose inputs (input_slots for `needs`) are fetched and probed; InvalidInput names
    what is wrong. Without `needs.sound` the plan has no voices and no music."""
    visuals, durations = [], []
    for i, scene in enumerate(timeline.scenes):
        slot = f"visual{i}"
        visual, duration = _visual(i, scene, inputs.files.get(slot), inputs.infos.get(slot), max_pixels)
        visuals.append(visual)
        durations.append(duration)
    overlaps, kinds, last = _overlaps(timeline)
    try:
        span = lay_out(durations, overlaps, output.fps)
    except TimingError as error:
        raise InvalidInput(f"{scene_label(error.index, timeline.scenes[error.index])}: {error}") from None
    if span.duration > max_seconds:
        raise InvalidInput(f"the film would last {span.duration:.0f} s, over the {max_seconds:.0f} s limit")
    film_end = span.rendered_duration
    end_fade = 0
    if last.kind in XFADE and last.duration_seconds > 0:
        end_fade = min(span.scenes[-1].frames, round(last.duration_seconds * output.fps))

    voices: list[PlacedAudio] = []
    cues: list[Cue] = []
    captions: list[Cue] = []
    for i, scene in enumerate(timeline.scenes):
        label = scene_label(i, scene)
        place = span.scenes[i]
        if needs.sound and not visuals[i].still and scene.clip.use_audio:
            voices.append(
                PlacedAudio(
                    visuals[i].path,
                    place.start_frame / output.fps,
                    min(visuals[i].source_seconds, place.frames / output.fps),
                    fade_in=place.overlap_in / output.fps,
                    fade_out=place.overlap_out / output.fps,
                )
            )
        captions += _captions(label, scene, place.start, place.duration)
        if not scene.HasField("narration"):
            continue
        info = inputs.infos.get(f"narration{i}")
        if info is not None and (not info.has_audio or info.audio_duration <= 0):
            raise InvalidInput(f"{label} narration.audio: the file has no audio stream with a duration")
        offset = _finite(scene.narration.offset_seconds, f"{label} narration.offset_seconds")
        at = place.start + offset
        if at >= film_end:
            raise InvalidInput(
                f"{label}: narration starts at {at:.2f} s, after the film ends ({film_end:.2f} s); reduce its offset"
            )
        # Unread (the sound is made already, words are given): its words are checked against no length.
        audio_length = info.audio_duration if info is not None else math.inf
        if needs.sound:
            voices.append(PlacedAudio(inputs.files[f"narration{i}"], at, min(audio_length, film_end - at)))
        if needs.subtitles:
            cues += group_words(_words(label, scene.narration, audio_length, at))
    subtitles = clip_cues(sorted(cues, key=lambda c: c.start), film_end)
    return Plan(
        output=output,
        span=span,
        visuals=tuple(visuals),
        transitions=tuple(kinds),
        end_fade_frames=end_fade,
        voices=tuple(voices),
        music=_music(timeline, inputs) if needs.sound else None,
        subtitles=tuple(subtitles),
        captions=tuple(clip_cues(captions, film_end)),
    )
