"""The picture half of the render's filter graph: each scene normalised, then joined with transitions.

Every scene becomes exactly `frames` frames of the output's size, frame rate and
pixel format; only the filters a source needs are added (a clip that already
matches is not scaled). Cuts are joined with concat, other transitions with xfade.
"""

from __future__ import annotations

from fractions import Fraction

from studio.composer.motion import Motion
from studio.composer.output import OutputPlan
from studio.composer.plan import Plan, Visual

#: Zooming stills are rendered from a canvas at least this many times the output size (and at least the
#: tightest zoom, so no frame is upscaled): the window then moves in steps of 0.8 output pixels or less.
#: zoompan rescales every frame; its cost grows with the canvas (~2.5 ms a 720p frame at 1.5x, 1.4 at 1.25x).
MOTION_CANVAS = 1.25


def rate(fps: float) -> str:
    """A frame rate as an exact rational for ffmpeg (29.97 -> 30000/1001)."""
    value = Fraction(fps).limit_denominator(1001)
    return f"{value.numerator}/{value.denominator}"


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _fit(width: int, height: int, cover: bool, flags: str = "bicubic") -> str:
    """Scale into the frame: cover crops the overflow, contain pads with black."""
    if cover:
        return f"scale={width}:{height}:force_original_aspect_ratio=increase:flags={flags},crop={width}:{height}"
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease:flags={flags},"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black"
    )


def _eased(frame: str, frames: int) -> str:
    """Smoothstep progress 0..1 over `frames` frames, as an ffmpeg expression of the frame number."""
    last = max(1, frames - 1)
    return f"(3*pow({frame}/{last},2)-2*pow({frame}/{last},3))"


def _position(direction: int, p: str) -> str:
    """Where along the free room the frame sits (0..1): moving towards `direction` with progress p."""
    return {-1: f"(1-{p})", 0: "0.5", 1: p}[direction]


def _window(motion: Motion, frames: int, out: OutputPlan) -> str:
    """A pan at constant zoom: an output-sized window sliding over a still already scaled to the zoomed size.

    Cropping costs nothing per frame, where zoompan rescales every frame (~1.7 ms at 720p). The window
    moves in whole output pixels (exact=1 keeps odd offsets), finer than zoompan's steps at the same zoom.
    """
    p = _eased("n", frames)
    x, y = _position(motion.pan_x, p), _position(motion.pan_y, p)
    return f"crop=w={out.width}:h={out.height}:x='(iw-ow)*{x}':y='(ih-oh)*{y}':exact=1"


def _zoompan(motion: Motion, frames: int, out: OutputPlan) -> str:
    """Ken Burns zoom (in or out, panning or not) over `frames` frames with an eased progress p in 0..1."""
    p = _eased("on", frames)
    top = motion.max_zoom
    zoom = f"1+{top - 1:.4f}*{p}" if motion.zoom > 0 else f"{top:.4f}-{top - 1:.4f}*{p}"
    x, y = _position(motion.pan_x, p), _position(motion.pan_y, p)
    return (
        f"zoompan=z='{zoom}':x='(iw-iw/zoom)*{x}':y='(ih-ih/zoom)*{y}'"
        f":d={frames}:s={out.width}x{out.height}:fps={rate(out.fps)}"
    )


def scene_chain(index: int, visual: Visual, frames: int, out: OutputPlan) -> str:
    """Filters from input `index` to label [v{index}]: exactly `frames` frames in the output's format."""
    steps: list[str] = []
    if visual.still:
        steps.append("trim=end_frame=1")
        motion = visual.motion
        if motion.zoom:
            canvas = max(MOTION_CANVAS, motion.max_zoom)
            canvas_w, canvas_h = _even(out.width * canvas), _even(out.height * canvas)
            # The canvas is converted to 4:2:0 once, so zoompan scales planar YUV and nothing per frame converts.
            steps += [_fit(canvas_w, canvas_h, visual.cover), "setsar=1", "format=yuv420p"]
            steps += [_zoompan(motion, frames, out), "setsar=1"]
        else:
            zoom = 1.0 if motion.static else motion.max_zoom
            steps += [_fit(_even(out.width * zoom), _even(out.height * zoom), visual.cover), "setsar=1"]
            # One decoded frame repeated (decoding the image once per frame would cost more than encoding).
            steps += ["format=yuv420p", f"loop=loop={frames - 1}:size=1:start=0"]
            steps += [f"settb=expr=1/({rate(out.fps)})", "setpts=N", f"fps={rate(out.fps)}"]
            if not motion.static:
                steps.append(_window(motion, frames, out))
    else:
        info = visual.info
        assert info is not None, "pictures are rendered only from probed visuals"
        steps += [f"trim=end={visual.source_seconds:.6f}", "setpts=PTS-STARTPTS"]
        resample = f"fps={rate(out.fps)}"
        # Scale at whichever rate is lower: a 24 fps clip is scaled before fps repeats frames, a 60 fps one after
        # fps drops them. Bilinear costs a third less than bicubic and looks the same in motion.
        scale = (
            []
            if (info.width, info.height) == (out.width, out.height)
            else [_fit(out.width, out.height, visual.cover, "bilinear")]
        )
        steps += [*scale, resample] if 0 < info.fps <= out.fps else [resample, *scale]
        steps += ["setsar=1", "format=yuv420p"]  # pinned, or negotiation may pick a costlier format
        steps.append(f"tpad=stop_mode=clone:stop_duration={frames / out.fps + 1:.3f}")
    steps += [f"trim=end_frame={frames}", "setpts=PTS-STARTPTS"]
    return f"[{index}:v]" + ",".join(steps) + f"[v{index}]"


def _transition(kind: str, i: int, frames: int, fps: float) -> list[str]:
    """Blend the outgoing tail [t{i-1}] into the incoming head [h{i}], both `frames` long.

    Cheaper filters than xfade where they give the same picture (xfade's C loops cost ~6 ms a
    720p frame): a crossfade is the head faded in by alpha over the tail (~2.5 ms), a fade
    through black is the tail's first half faded out then the head's second half faded in.
    """
    if kind == "fade":
        return [
            f"[h{i}]format=yuva420p,fade=t=in:s=0:n={frames}:alpha=1[ha{i}]",
            f"[t{i - 1}][ha{i}]overlay=format=yuv420:eof_action=pass,format=yuv420p[x{i}]",
        ]
    if kind == "fadeblack":
        out = (frames + 1) // 2
        return [
            f"[t{i - 1}]trim=end_frame={out},fade=t=out:s=0:n={out}[xa{i}]",
            f"[h{i}]trim=start_frame={out},setpts=PTS-STARTPTS,fade=t=in:s=0:n={frames - out}[xb{i}]",
        ]
    return [f"[t{i - 1}][h{i}]xfade=transition={kind}:duration={frames / fps:.6f}:offset=0[x{i}]"]


def _pieces(plan: Plan) -> tuple[list[str], list[str]]:
    """Cut scenes into head / body / tail and blend only the overlaps, so each frame crosses one filter.

    Chaining xfade over whole scenes would pass every later frame through every later
    xfade (each pass costs ~1 ms at 720p); here only transition frames are blended and
    everything is joined by a single concat.
    """
    fps = plan.output.fps
    lines: list[str] = []
    order: list[str] = []
    for i, place in enumerate(plan.span.scenes):
        parts = {
            "h": (0, place.overlap_in),
            "b": (place.overlap_in, place.frames - place.overlap_out),
            "t": (place.frames - place.overlap_out, place.frames),
        }
        parts = {name: span for name, span in parts.items() if span[1] > span[0]}
        if len(parts) == 1:
            lines.append(f"[v{i}]null[{next(iter(parts))}{i}]")
        else:
            lines.append(f"[v{i}]split={len(parts)}" + "".join(f"[{name}{i}s]" for name in parts))
            for name, (first, end) in parts.items():
                lines.append(f"[{name}{i}s]trim=start_frame={first}:end_frame={end},setpts=PTS-STARTPTS[{name}{i}]")
        if i > 0 and place.overlap_in:
            lines += _transition(plan.transitions[i - 1], i, place.overlap_in, fps)
            order += [f"x{i}"] if plan.transitions[i - 1] != "fadeblack" else [f"xa{i}", f"xb{i}"]
        if "b" in parts:
            order.append(f"b{i}")
    return lines, order


def video_graph(plan: Plan, subtitles_file: str | None, frames: tuple[int, int] | None = None) -> list[str]:
    """Filter graph lines ending in [vout]; `subtitles_file` (ASS, relative to ffmpeg's cwd) is burned in.

    `frames` (first, end) keeps only those frames of the film; frames after them are never made.
    """
    out = plan.output
    fps = out.fps
    lines = [scene_chain(i, v, plan.span.scenes[i].frames, out) for i, v in enumerate(plan.visuals)]
    pieces, order = _pieces(plan)
    lines += pieces
    finish: list[str] = []
    if plan.end_fade_frames:
        start = (plan.span.frames - plan.end_fade_frames) / fps
        finish.append(f"fade=t=out:st={start:.6f}:d={plan.end_fade_frames / fps:.6f}")
    if subtitles_file:
        finish.append(f"ass=filename={subtitles_file}")
    # concat works in microseconds: frames are put back on the frame clock by index (an fps filter here
    # would drop the last frame, whose end time concat does not carry).
    first, end = frames or (0, plan.span.frames)
    finish += [f"settb=expr=1/({rate(fps)})", "setpts=N", f"trim=start_frame={first}:end_frame={end}"]
    if first:
        finish.append("setpts=PTS-STARTPTS")
    joined = "".join(f"[{label}]" for label in order) + f"concat=n={len(order)}:v=1:a=0,"
    lines.append(joined + ",".join(finish) + "[vout]")
    return lines
