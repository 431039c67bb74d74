"""The composer model server: Compose(timeline) -> final video, SRT and WebVTT subtitles, and a poster."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from studio.composer.ffmpeg import together
from studio.composer.output import plan_output
from studio.composer.parts import check_parts, check_request, check_sound, part_frames, part_slots
from studio.composer.plan import Inputs, Needs, Plan, build_plan, input_slots
from studio.composer.probe import MediaInfo, probe_input
from studio.composer.render import Rendered, Renderer
from studio.composer.settings import ComposerSettings
from studio.core.artifacts import ArtifactStore
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.errors import ConfigError, InvalidInput, NotFound
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.core.settings import load_settings
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef

#: Probes run at once (each is a short ffprobe process).
PROBE_CONCURRENCY = 4


async def _fetch(store: ArtifactStore, slots: dict[str, tuple[str, ArtifactRef]], work: Path) -> dict[str, Path]:
    """Local paths for every input, named by us (a user's name could hold an image-sequence pattern such as
    %d): linked from a local store, otherwise downloaded, once per key."""
    paths: dict[str, Path] = {}
    by_key: dict[str, Path] = {}
    (work / "inputs").mkdir(exist_ok=True)
    for slot, (label, ref) in slots.items():
        if ref.key not in by_key:
            suffix = "".join(c for c in Path(ref.key).suffix[:10] if c.isalnum() or c == ".")
            local = work / "inputs" / f"{slot}{suffix}"
            try:
                if isinstance(store, LocalArtifactStore):
                    local.symlink_to(store.path_of(ref))
                    by_key[ref.key] = local
                else:
                    by_key[ref.key] = await store.download(ref, local)
            except NotFound:
                raise NotFound(f"{label}: artifact {ref.key!r} not found") from None
            except InvalidInput as error:
                raise InvalidInput(f"{label}: {error.message}") from None
        paths[slot] = by_key[ref.key]
    return paths


async def _probe_all(
    settings: ComposerSettings, slots: dict[str, tuple[str, ArtifactRef]], files: dict[str, Path]
) -> dict[str, MediaInfo]:
    gate = asyncio.Semaphore(PROBE_CONCURRENCY)

    async def one(slot: str) -> tuple[str, MediaInfo]:
        async with gate:
            return slot, await probe_input(settings.ffprobe, files[slot], slots[slot][0])

    # The first bad input stops the other probes (a process left behind would outlive the request).
    return dict(await together(*(one(slot) for slot in slots)))


async def _upload(ctx: OperationContext, rendered: Rendered, suffix: str, content_type: str) -> pb.ComposeResult:
    video = await ctx.artifacts.put_file(ctx.output_key(f"film{suffix}"), rendered.video, content_type)
    srt = await ctx.artifacts.put_file(ctx.output_key("film.srt"), rendered.srt, "application/x-subrip")
    vtt = await ctx.artifacts.put_file(ctx.output_key("film.vtt"), rendered.vtt, "text/vtt")
    poster = await ctx.artifacts.put_file(ctx.output_key("poster.png"), rendered.poster, "image/png")
    return pb.ComposeResult(video=video, srt=srt, vtt=vtt, poster=poster)


async def _part(ctx: OperationContext, renderer: Renderer, plan: Plan, frames: tuple[int, int]) -> pb.ComposeResult:
    """A `pictures_only` request: that stretch of the pictures, video only."""
    out = plan.output
    picture = await renderer.picture(plan, frames)
    ctx.raise_if_cancelled()
    video = await ctx.artifacts.put_file(ctx.output_key(f"pictures{out.suffix}"), picture, out.content_type)
    return pb.ComposeResult(video=video, duration_seconds=(frames[1] - frames[0]) / out.fps)


async def _sound(ctx: OperationContext, renderer: Renderer, plan: Plan) -> pb.ComposeResult:
    """A `sound_only` request: the film's sound track, encoded."""
    out = plan.output
    track, level = await renderer.sound(plan)
    ctx.raise_if_cancelled()
    sound = await ctx.artifacts.put_file(ctx.output_key(f"sound{out.suffix}"), track, f"audio/{out.container}")
    return pb.ComposeResult(
        sound=sound, duration_seconds=plan.duration, integrated_lufs=level.integrated, true_peak_dbtp=level.true_peak
    )


async def compose(request: pb.ComposeRequest, ctx: OperationContext) -> pb.ComposeResult:
    """Check and probe everything first, then render in a scratch directory removed on success and failure.

    `pictures_only` renders only that stretch of the pictures, `sound_only` only the sound; given
    `pictures` and/or `sound` so made, the film is made from them instead of rendering them again.
    """
    settings = load_settings(ComposerSettings)
    check_request(request)
    stretch = request.pictures_only if request.HasField("pictures_only") else None
    timeline = request.timeline
    needs = Needs(
        pictures=not request.pictures and not request.sound_only,
        sound=stretch is None and not request.HasField("sound"),
        subtitles=stretch is None or timeline.output.burn_subtitles,
    )
    if not 1 <= len(timeline.scenes) <= settings.max_scenes:
        raise InvalidInput(f"timeline has {len(timeline.scenes)} scenes; accepted 1 to {settings.max_scenes}")
    output = plan_output(timeline.output)
    slots = input_slots(timeline, needs)
    parts = part_slots(request)
    if settings.work_dir is not None:
        settings.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="studio-compose-", dir=settings.work_dir) as scratch:
        work = Path(scratch)
        await ctx.progress(0.0, "probing", force=True)
        files = await _fetch(ctx.artifacts, slots | parts, work)
        infos = await _probe_all(settings, slots | parts, files)
        plan = build_plan(
            timeline,
            Inputs(files, infos),
            output,
            max_pixels=settings.max_image_pixels,
            max_seconds=settings.max_duration_seconds,
            needs=needs,
        )
        pictures = [files[f"picture{k}"] for k in range(len(request.pictures))]
        if pictures:
            check_parts(plan, [infos[f"picture{k}"] for k in range(len(pictures))])
        if "sound" in parts:
            check_sound(plan, infos["sound"])
        ctx.raise_if_cancelled()

        async def report(fraction: float, stage: str) -> None:
            await ctx.progress(fraction, stage)

        renderer = Renderer(settings, work, report, ctx.is_cancelled)
        if stretch is not None:
            result = await _part(ctx, renderer, plan, part_frames(stretch, plan))
        elif request.sound_only:
            result = await _sound(ctx, renderer, plan)
        else:
            rendered = await renderer.render(plan, pictures or None, files.get("sound"))
            ctx.raise_if_cancelled()
            await ctx.progress(0.97, "uploading", force=True)
            result = await _upload(ctx, rendered, output.suffix, output.content_type)
            result.duration_seconds = plan.duration
            result.integrated_lufs, result.true_peak_dbtp = rendered.loudness.integrated, rendered.loudness.true_peak
            result.cue_count = len(plan.subtitles)
    result.width, result.height, result.fps = output.width, output.height, output.fps
    await ctx.progress(1.0, "done", force=True)
    return result


def build_service(artifacts: ArtifactStore) -> ServiceDefinition:
    settings = load_settings(ComposerSettings)

    async def load() -> None:
        for tool in (settings.ffmpeg, settings.ffprobe):
            if shutil.which(tool) is None:
                raise ConfigError(
                    f"{tool} not found: install ffmpeg (scripts/bootstrap-system.sh) "
                    "or set STUDIO_COMPOSER_FFMPEG / STUDIO_COMPOSER_FFPROBE"
                )

    return ServiceDefinition(
        name="composer",
        grpc_service="studio.v1.ComposerService",
        operations=[
            Operation(rpc="Compose", request_type=pb.ComposeRequest, response_type=pb.ComposeResponse, handler=compose)
        ],
        load=load,
        backends=("ffmpeg",),
    )
