"""Rendering a plan: pictures and sound side by side, then muxed, and the poster.

The picture pass renders every scene, transition and subtitle in one filter graph
and encodes the video. Meanwhile the sound passes (single-threaded, a few percent
of the picture's cost) mix to a float WAV while measuring it, then apply the gain
that reaches the target loudness while encoding (see loudness.py). The two are
copied into the final file as encoded. Outputs are written under temporary names
and renamed when complete.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from studio.composer import loudness
from studio.composer.audio_graph import has_sound, mix_graph, music_needs_loop
from studio.composer.ffmpeg import RenderError, run_ffmpeg, together, user_input
from studio.composer.plan import Plan
from studio.composer.settings import ComposerSettings
from studio.composer.subtitles import to_ass, to_srt, to_vtt
from studio.composer.video_graph import video_graph
from studio.core.media import VIDEO, demuxers

Report = Callable[[float, str], Awaitable[None]]


def poster_frame(plan: Plan) -> int:
    """The frame shown as the poster: the one at poster_at (default a third of the way in)."""
    at = plan.output.poster_at if plan.output.poster_at is not None else plan.duration / 3
    return max(0, min(plan.span.frames - 1, round(at * plan.output.fps)))


#: Share of the progress bar taken by the picture pass; the mux and poster take the rest.
RENDER_SHARE = 0.95
#: Applying passes of the loudness correction at most (the first usually lands within tolerance).
MAX_CORRECTIONS = 4


@dataclass(frozen=True)
class Rendered:
    video: Path
    srt: Path
    vtt: Path
    poster: Path
    #: The normalised sound as ebur128 measured it (integrated LUFS, true peak dBTP); silent films read -70.
    loudness: loudness.Loudness


def _write(path: Path, text: str) -> Path:
    part = path.with_name(f".{path.name}.part")
    part.write_text(text, encoding="utf-8")
    part.replace(path)
    return path


class Renderer:
    def __init__(self, settings: ComposerSettings, work: Path, report: Report, is_cancelled: Callable[[], bool]):
        self.settings = settings
        self.work = work
        self.report = report
        self.is_cancelled = is_cancelled

    async def _ffmpeg(self, args: list[str], stage: str, duration: float = 0.0) -> str:
        """Run one pass; one with a duration reports its progress as the picture pass's share of the bar."""

        async def progress(fraction: float) -> None:
            await self.report(RENDER_SHARE * fraction, stage)

        return await run_ffmpeg(
            self.settings.ffmpeg,
            args,
            cwd=self.work,
            duration=duration,
            on_progress=progress if duration > 0 else None,
            is_cancelled=self.is_cancelled,
            what=stage,
        )

    async def _output(self, name: str, args: list[str], stage: str, duration: float = 0.0) -> Path:
        """Run a pass writing work/`name` (`args` end with its muxer options) under a temporary name, renamed
        when complete."""
        final = self.work / name
        part = final.with_name(f"{final.stem}.part{final.suffix}")
        await self._ffmpeg([*args, part.name], stage, duration)
        if not part.is_file():
            raise RenderError(f"ffmpeg {stage} wrote no {name}")
        part.replace(final)
        return final

    async def mix(self, plan: Plan) -> tuple[Path, loudness.Loudness] | None:
        """Render the mix to mix.wav and measure it; None when the film has no sound at all."""
        if not has_sound(plan):
            return None
        inputs: list[str] = []
        for voice in plan.voices:
            inputs += user_input(voice.path)
        if plan.music is not None:
            inputs += user_input(plan.music.path, *(["-stream_loop", "-1"] if music_needs_loop(plan) else []))
        graph = [*mix_graph(plan), "[mix]asplit=2[keep][measure]", f"[measure]{loudness.MEASURE}[measured]"]
        script = _write(self.work / "mix.filter", ";\n".join(graph))
        wav = self.work / "mix.wav"
        args = [*inputs, "-filter_complex_script", script.name]
        args += ["-map", "[keep]", "-c:a", "pcm_f32le", "-f", "wav", wav.name, "-map", "[measured]", "-f", "null", "-"]
        return wav, loudness.parse_summary(await self._ffmpeg(args, "mixing"))

    async def normalise(
        self, mix: Path, measured: loudness.Loudness, target: float
    ) -> tuple[loudness.Correction, loudness.Loudness]:
        """The gain (and limiter) that brings the mix to the target, and the loudness it gives.

        A plain gain moves loudness and peaks by exactly its size; with a limiter the result is
        measured, and the gain corrected until it lands.
        """
        correction = loudness.first_correction(measured, target)
        if correction.limit_db is None:
            return correction, measured.amplified(correction.gain_db)
        for _ in range(MAX_CORRECTIONS):
            graph = f"{correction.filter()},{loudness.MEASURE}"
            log = await self._ffmpeg(["-i", mix.name, "-af", graph, "-f", "null", "-"], "loudness")
            result = loudness.parse_summary(log)
            if result.within(target):
                break
            correction = loudness.next_correction(correction, result, target)
        return correction, result

    async def sound(self, plan: Plan) -> tuple[Path, loudness.Loudness]:
        """The film's sound track at the target loudness, encoded, and its loudness as ebur128 measured it."""
        out = plan.output
        encode = [*out.audio_args(), "-vn", *out.container_args(final=False)]
        name = f"sound{out.suffix}"
        mix = await self.mix(plan)
        if mix is None or mix[1].silent:
            silence = f"anullsrc=r=48000:cl=stereo,atrim=end={plan.duration:.6f}"
            return await self._output(name, ["-f", "lavfi", "-i", silence, *encode], "silence"), loudness.SILENT
        correction, level = await self.normalise(*mix, out.loudness)
        args = ["-i", mix[0].name, "-af", correction.filter(), *encode]
        return await self._output(name, args, "encoding sound"), level

    async def picture(self, plan: Plan, frames: tuple[int, int] | None = None) -> Path:
        """The film's pictures (or `frames` of them), from one ffmpeg run and one filter graph, video only."""
        out = plan.output
        first, end = frames or (0, plan.span.frames)
        inputs: list[str] = []
        for visual in plan.visuals:
            inputs += user_input(visual.path)
        overlay = self._overlay(plan)
        script = _write(self.work / "render.filter", ";\n".join(video_graph(plan, overlay, frames)))
        args = [*inputs, "-filter_complex_script", script.name, "-map", "[vout]", "-an"]
        threads = self.settings.threads if frames is None else self.settings.part_threads
        if threads:
            args += ["-threads", str(threads)]
        args += out.video_args(self.settings.x264_preset)
        if first <= poster_frame(plan) < end:
            # A keyframe at the poster frame lets the poster be decoded alone instead of from the previous keyframe.
            args += ["-force_key_frames", f"{(poster_frame(plan) - first) / out.fps:.6f}"]
        args += out.container_args(final=False)
        return await self._output(f"picture{out.suffix}", args, "rendering", (end - first) / out.fps)

    def _overlay(self, plan: Plan) -> str | None:
        """The ASS file of burned-in subtitles and captions (relative to the work dir); None when nothing shows."""
        out = plan.output
        burned = list(plan.subtitles) if out.burn_subtitles else []
        if not burned and not plan.captions:
            return None
        return _write(self.work / "overlay.ass", to_ass(burned, plan.captions, out.width, out.height)).name

    async def join(self, plan: Plan, parts: list[Path]) -> Path:
        """The film's pictures from parts rendered separately, joined as encoded (concat demuxer, stream copy)."""
        out = plan.output
        listing = "ffconcat version 1.0\n" + "".join(f"file '{p.relative_to(self.work)}'\n" for p in parts)
        script = _write(self.work / "pictures.ffconcat", listing)
        source = ["-protocol_whitelist", "file", "-format_whitelist", f"concat,{demuxers(VIDEO)}", "-f", "concat"]
        args = [*source, "-safe", "1", "-i", script.name, "-map", "0:v", "-c", "copy", *out.container_args(final=False)]
        return await self._output(f"picture{out.suffix}", args, "joining")

    async def mux(self, plan: Plan, picture: Path, sound: Path) -> Path:
        """Pictures and sound into the final file, both copied as encoded."""
        out = plan.output
        # The sound may be a user's file (made before, by a sound_only request).
        args = ["-i", picture.name, *user_input(sound), "-map", "0:v", "-map", "1:a", "-c", "copy"]
        return await self._output(f"film{out.suffix}", [*args, *out.container_args()], "muxing")

    async def poster(self, plan: Plan, video: Path) -> Path:
        """A PNG of the poster frame, decoded from the rendered pictures (a branch of the render graph would
        have to buffer every later frame once the poster is written)."""
        at = poster_frame(plan) / plan.output.fps
        args = ["-ss", f"{at:.6f}", "-i", video.name, "-frames:v", "1", "-update", "1", "-f", "image2"]
        return await self._output("poster.png", args, "poster")

    async def render(self, plan: Plan, parts: list[Path] | None = None, made: Path | None = None) -> Rendered:
        """Pictures and sound side by side (each rendered, or taken from `parts` and the `made` sound track),
        then muxed while the poster is decoded: the sound passes are single-threaded and short, the picture
        pass rarely keeps every core busy."""
        srt = _write(self.work / "film.srt", to_srt(plan.subtitles))
        vtt = _write(self.work / "film.vtt", to_vtt(plan.subtitles))
        pictures = self.picture(plan) if parts is None else self.join(plan, parts)
        track = self.sound(plan) if made is None else self._measured(made)
        picture, (sound, level) = await together(pictures, track)
        await self.report(RENDER_SHARE, "muxing")
        video, poster = await together(self.mux(plan, picture, sound), self.poster(plan, picture))
        return Rendered(video, srt, vtt, poster, level)

    async def _measured(self, sound: Path) -> tuple[Path, loudness.Loudness]:
        """A sound track made before, with its loudness as delivered."""
        args = [*user_input(sound), "-af", loudness.MEASURE, "-f", "null", "-"]
        return sound, loudness.parse_summary(await self._ffmpeg(args, "measuring"))
