"""Rendering a plan: a sound pass that mixes and measures, one picture pass, then the poster.

The sound pass writes the pre-normalisation mix to a float WAV while loudnorm
measures it; the picture pass renders every scene, transition and subtitle in one
filter graph and applies the measured loudness to that WAV (two-pass loudnorm).
Outputs are written under temporary names and renamed when complete.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from studio.composer import loudness
from studio.composer.audio_graph import has_sound, mix_graph, music_needs_loop
from studio.composer.ffmpeg import run_ffmpeg
from studio.composer.output import TRUE_PEAK_TARGET
from studio.composer.plan import Plan
from studio.composer.settings import ComposerSettings
from studio.composer.subtitles import to_ass, to_srt, to_vtt
from studio.composer.video_graph import video_graph

Report = Callable[[float, str], Awaitable[None]]

#: Share of the progress bar taken by the sound pass; the picture pass takes most of the rest.
MIX_SHARE = 0.1
#: loudnorm upsamples to 192 kHz; the encoders get 48 kHz stereo.
OUT_FORMAT = "aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"
RENDER_SHARE = 0.85


@dataclass(frozen=True)
class Rendered:
    video: Path
    srt: Path
    vtt: Path
    poster: Path
    #: Output loudness as loudnorm reported it (integrated LUFS, true peak dBTP); silent films read -70.
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
        self.last_log = ""

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
            inputs += ["-i", str(voice.path)]
        if plan.music is not None:
            inputs += (["-stream_loop", "-1"] if music_needs_loop(plan) else []) + ["-i", str(plan.music.path)]
        measure = loudness.measure_filter(plan.output.loudness, TRUE_PEAK_TARGET)
        graph = [*mix_graph(plan), "[mix]asplit=2[keep][measure]", f"[measure]{measure}[measured]"]
        script = _write(self.work / "mix.filter", ";\n".join(graph))
        wav = self.work / "mix.wav"
        args = [*inputs, "-filter_complex_script", script.name]
        args += ["-map", "[keep]", "-c:a", "pcm_f32le", "-f", "wav", wav.name, "-map", "[measured]", "-f", "null", "-"]
        log = await self._ffmpeg(args, plan.duration, 0.0, MIX_SHARE, "mixing")
        return wav, loudness.parse_report(log)

    async def picture(self, plan: Plan, mix: tuple[Path, loudness.Loudness] | None, burn: Path | None) -> Path:
        out = plan.output
        inputs: list[str] = []
        for visual in plan.visuals:
            inputs += ["-i", str(visual.path)]
        graph = video_graph(plan, burn.name if burn else None)
        duration = plan.duration
        if mix is None:
            graph.append(f"anullsrc=r=48000:cl=stereo,atrim=end={duration:.6f}[aout]")
        elif mix[1].silent:  # nothing to normalise: keep the (silent) mix as it is
            graph.append(f"[{len(plan.visuals)}:a]{OUT_FORMAT}[aout]")
        else:
            apply = loudness.apply_filter(mix[1], out.loudness, TRUE_PEAK_TARGET)
            graph.append(f"[{len(plan.visuals)}:a]{apply},{OUT_FORMAT},atrim=end={duration:.6f}[aout]")
        if mix is not None:
            inputs += ["-i", mix[0].name]
        script = _write(self.work / "render.filter", ";\n".join(graph))
        final = self.work / f"film{out.suffix}"
        part = self.work / f"film.part{out.suffix}"
        args = [*inputs, "-filter_complex_script", script.name, "-map", "[vout]", "-map", "[aout]"]
        if self.settings.threads:
            args += ["-threads", str(self.settings.threads)]
        args += [*out.video_args(self.settings.x264_preset), *out.audio_args(), *out.container_args(), part.name]
        self.last_log = await self._ffmpeg(args, duration, MIX_SHARE, RENDER_SHARE, "rendering")
        part.replace(final)
        return final

    async def poster(self, plan: Plan, video: Path) -> Path:
        duration = plan.duration
        at = plan.output.poster_at if plan.output.poster_at is not None else duration / 3
        at = max(0.0, min(at, duration - 1.0 / plan.output.fps))
        poster, part = self.work / "poster.png", self.work / "poster.part.png"
        args = ["-ss", f"{at:.6f}", "-i", video.name, "-frames:v", "1", "-update", "1", "-f", "image2", part.name]
        await self._ffmpeg(args, 0.0, 0.0, 0.0, "poster")
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
        video = await self.picture(plan, mix, burn)
        if mix is None or mix[1].silent:
            level = loudness.Loudness(loudness.SILENCE_LUFS, loudness.SILENCE_LUFS, 0.0, loudness.SILENCE_LUFS)
        else:
            level = loudness.parse_report(self.last_log, output=True)
        await self.report(MIX_SHARE + RENDER_SHARE, "poster")
        poster = await self.poster(plan, video)
        return Rendered(video, srt, vtt, poster, level)
