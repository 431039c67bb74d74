"""Rendering a plan: sound passes (mix + measure, then normalise), one picture pass, then the poster.

The sound passes are audio-only and cheap: the mix is written to a float WAV while
it is measured, then brought to the target loudness (see loudness.py). The picture
pass renders every scene, transition and subtitle in one filter graph and encodes
the normalised sound alongside. Outputs are written under temporary names and
renamed when complete.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from studio.composer import loudness
from studio.composer.audio_graph import has_sound, mix_graph, music_needs_loop
from studio.composer.ffmpeg import RenderError, run_ffmpeg, user_input
from studio.composer.plan import Plan
from studio.composer.settings import ComposerSettings
from studio.composer.subtitles import to_ass, to_srt, to_vtt
from studio.composer.video_graph import video_graph

Report = Callable[[float, str], Awaitable[None]]


def poster_frame(plan: Plan) -> int:
    """The frame shown as the poster: the one at poster_at (default a third of the way in)."""
    at = plan.output.poster_at if plan.output.poster_at is not None else plan.duration / 3
    return max(0, min(plan.span.frames - 1, round(at * plan.output.fps)))


#: Share of the progress bar taken by the sound pass; the picture pass takes most of the rest.
MIX_SHARE = 0.1
#: Applying passes of the loudness correction at most (the first usually lands within tolerance).
MAX_CORRECTIONS = 4
RENDER_SHARE = 0.85


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

    async def _ffmpeg(self, args: list[str], duration: float, base: float, share: float, stage: str) -> str:
        async def progress(fraction: float) -> None:
            await self.report(base + share * fraction, stage)

        return await run_ffmpeg(
            self.settings.ffmpeg,
            args,
            cwd=self.work,
            duration=duration,
            on_progress=progress,
            is_cancelled=self.is_cancelled,
            what=stage,
        )

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
        log = await self._ffmpeg(args, plan.duration, 0.0, MIX_SHARE / 2, "mixing")
        return wav, loudness.parse_summary(log)

    async def normalise(self, plan: Plan, mix: Path, measured: loudness.Loudness) -> tuple[Path, loudness.Loudness]:
        """Second pass: gain (plus limiter when needed), re-measured and corrected until within tolerance."""
        if measured.silent:
            return mix, loudness.SILENT
        target = plan.output.loudness
        wav, part = self.work / "normalised.wav", self.work / "normalised.part.wav"
        correction = loudness.first_correction(measured, target)
        result = measured
        for _ in range(MAX_CORRECTIONS):
            args = ["-i", mix.name, "-af", f"{correction.filter()},{loudness.MEASURE}", "-c:a", "pcm_f32le"]
            log = await self._ffmpeg([*args, "-f", "wav", part.name], plan.duration, MIX_SHARE / 2, 0.0, "loudness")
            result = loudness.parse_summary(log)
            part.replace(wav)
            if result.within(target):
                break
            correction = loudness.next_correction(correction, result, target)
        return wav, result

    async def picture(self, plan: Plan, sound: Path | None, burn: Path | None) -> Path:
        """The film, from one ffmpeg run and one filter graph."""
        out = plan.output
        inputs: list[str] = []
        for visual in plan.visuals:
            inputs += user_input(visual.path)
        graph = video_graph(plan, burn.name if burn else None)
        audio = f"{len(plan.visuals)}:a"
        if sound is None:
            graph.append(f"anullsrc=r=48000:cl=stereo,atrim=end={plan.duration:.6f}[aout]")
            audio = "[aout]"
        else:
            inputs += ["-i", sound.name]
        script = _write(self.work / "render.filter", ";\n".join(graph))
        final = self.work / f"film{out.suffix}"
        part = self.work / f"film.part{out.suffix}"
        args = [*inputs, "-filter_complex_script", script.name, "-map", "[vout]", "-map", audio]
        if self.settings.threads:
            args += ["-threads", str(self.settings.threads)]
        args += [*out.video_args(self.settings.x264_preset), *out.audio_args()]
        # A keyframe at the poster frame lets the poster be decoded alone instead of from the previous keyframe.
        args += ["-force_key_frames", f"{poster_frame(plan) / out.fps:.6f}", *out.container_args(), part.name]
        await self._ffmpeg(args, plan.duration, MIX_SHARE, RENDER_SHARE, "rendering")
        part.replace(final)
        return final

    async def poster(self, plan: Plan, video: Path) -> Path:
        """A PNG of the poster frame, decoded from the finished film (a branch of the render graph would
        have to buffer every later frame once the poster is written)."""
        at = poster_frame(plan) / plan.output.fps
        poster, part = self.work / "poster.png", self.work / "poster.part.png"
        args = ["-ss", f"{at:.6f}", "-i", video.name, "-frames:v", "1", "-update", "1", "-f", "image2", part.name]
        await self._ffmpeg(args, 0.0, 0.0, 0.0, "poster")
        if not part.is_file():
            raise RenderError(f"ffmpeg wrote no poster frame at {at:.3f} s")
        part.replace(poster)
        return poster

    async def render(self, plan: Plan) -> Rendered:
        out = plan.output
        srt = _write(self.work / "film.srt", to_srt(plan.subtitles))
        vtt = _write(self.work / "film.vtt", to_vtt(plan.subtitles))
        burned = list(plan.subtitles) if out.burn_subtitles else []
        burn = None
        if burned or plan.captions:
            burn = _write(self.work / "overlay.ass", to_ass(burned, plan.captions, out.width, out.height))
        mix = await self.mix(plan)
        sound, level = (None, loudness.SILENT) if mix is None else await self.normalise(plan, *mix)
        video = await self.picture(plan, sound, burn)
        await self.report(MIX_SHARE + RENDER_SHARE, "poster")
        poster = await self.poster(plan, video)
        return Rendered(video, srt, vtt, poster, level)
