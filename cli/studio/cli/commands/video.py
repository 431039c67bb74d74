"""`studio avatar` (talking head from a portrait and speech) and `studio animate` (camera move on a still), embedded.

`avatar --text` speaks through the audio service in this process first and
hands its phoneme timings to the video service, so the mouth follows visemes.
Copies of the user's files are removed from the local store afterwards; only
the outputs remain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from studio.cli.errors import fail, run_async
from studio.cli.state import cli_state
from studio.core.errors import InvalidInput
from studio.v1 import video_pb2 as pb
from studio.v1.audio_pb2 import SynthesizeRequest, SynthesizeResult
from studio.v1.common_pb2 import ArtifactRef


def parse_face(text: str) -> pb.FaceBox:
    """'x,y,w,h' in portrait pixels."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise InvalidInput(f"--face {text!r}: use x,y,w,h in portrait pixels, e.g. --face 178,69,92,92")
    x, y, w, h = (int(p) for p in parts)
    return pb.FaceBox(x=x, y=y, width=w, height=h)


def _check_output(output: Path) -> None:
    if output.is_dir():
        raise InvalidInput(f"-o {output}: is a directory; give a file name such as out.mp4")
    if output.suffix.lower() != ".mp4":
        raise InvalidInput(f"-o {output}: the output is an MP4; name it *.mp4")


async def _speak(text: str, lang: str, voice: str) -> SynthesizeResult:
    from studio.cli.embedded import embedded

    async with embedded("audio") as session:
        request = SynthesizeRequest(text=text, language=lang)
        if voice:
            request.voice.preset = voice
        result: SynthesizeResult = await session.call("Synthesize", request, "speaking")
        return result


async def _avatar(
    portrait: Path,
    audio: Path | None,
    speech: SynthesizeResult | None,
    request: pb.CreateAvatarVideoRequest,
    output: Path,
) -> pb.CreateAvatarVideoResult:
    from studio.cli.embedded import embedded

    async with embedded("video") as session:
        uploaded: list[ArtifactRef] = []
        try:
            request.portrait.CopyFrom(await session.upload(portrait))
            uploaded.append(request.portrait)
            if audio is not None:
                request.audio.CopyFrom(await session.upload(audio))
                uploaded.append(request.audio)
            elif speech is not None:
                request.audio.CopyFrom(speech.audio)
                request.phonemes.extend(speech.phonemes)
                request.words.extend(speech.words)
            result: pb.CreateAvatarVideoResult = await session.call("CreateAvatarVideo", request, "animating")
        finally:
            for ref in uploaded:
                await session.store.delete(ref.key)
        await session.save(result.video, output)
        return result


def avatar(
    ctx: typer.Context,
    portrait: Annotated[Path, typer.Option("--portrait", help="Portrait image (PNG, JPEG, WebP, ...)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="MP4 to write")] = Path("out/avatar.mp4"),
    audio: Annotated[Path | None, typer.Option("--audio", help="Speech to lip-sync (WAV, MP3, OGG, FLAC, M4A)")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Text to speak (synthesized in-process)")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of --text, e.g. pt-br, en")] = "",
    voice: Annotated[str, typer.Option("--voice", help="Voice preset for --text, e.g. 'pt-br+f3'")] = "",
    size: Annotated[str, typer.Option("--size", help="WIDTHxHEIGHT: 512x512, 1280x720, 720x1280 (9:16)")] = "512x512",
    fps: Annotated[int, typer.Option("--fps", help="Frames per second")] = 25,
    face: Annotated[str | None, typer.Option("--face", help="Face box x,y,w,h when detection fails")] = None,
    backend: Annotated[str, typer.Option("--backend", help="puppet (default) or wav2lip")] = "",
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for blinks and head drift")] = None,
) -> None:
    """Make a talking-head MP4 from a portrait and speech (embedded: no servers needed)."""
    from studio.video.media.framing import parse_size

    if cli_state(ctx).server:
        fail("avatar runs embedded (in this process); unset --server / STUDIO_SERVER to use it", 2)
    if (audio is None) == (text is None):
        fail("give the speech as --audio FILE or --text TEXT (one of them)", 2)

    async def run() -> pb.CreateAvatarVideoResult:
        _check_output(output)
        width, height = parse_size(size)
        request = pb.CreateAvatarVideoRequest(width=width, height=height, fps=fps, backend=backend)
        if face is not None:
            request.face.CopyFrom(parse_face(face))
        if seed is not None:
            request.seed = seed
        if not portrait.is_file():
            raise InvalidInput(f"--portrait {portrait}: no such file")
        speech = await _speak(text, lang, voice) if text is not None else None
        output.parent.mkdir(parents=True, exist_ok=True)
        return await _avatar(portrait, audio, speech, request, output)

    result = run_async(run())
    typer.echo(
        f"{output}  {result.width}x{result.height} {result.fps} fps, {result.duration_seconds:.2f} s, "
        f"{result.backend} ({result.mouth_driver}), face {result.face.x},{result.face.y},"
        f"{result.face.width},{result.face.height}"
    )


def animate(
    ctx: typer.Context,
    image: Annotated[Path, typer.Argument(help="Still image to animate")],
    output: Annotated[Path, typer.Option("-o", "--output", help="MP4 to write")] = Path("out/clip.mp4"),
    motion: Annotated[str, typer.Option("--motion", help="'slow zoom in', 'pan left with parallax', ...")] = "",
    duration: Annotated[float, typer.Option("--duration", help="Seconds")] = 5.0,
    size: Annotated[str | None, typer.Option("--size", help="WIDTHxHEIGHT; default from the image's shape")] = None,
    fps: Annotated[int, typer.Option("--fps", help="Frames per second")] = 25,
    backend: Annotated[str, typer.Option("--backend", help="kenburns (default) or diffusers")] = "",
    model: Annotated[str, typer.Option("--model", help="diffusers model, e.g. ltx-video")] = "",
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (diffusers)")] = None,
) -> None:
    """Animate a still image into a clip (embedded: no servers needed)."""
    from studio.cli.embedded import embedded
    from studio.video.media.framing import parse_size

    if cli_state(ctx).server:
        fail("animate runs embedded (in this process); unset --server / STUDIO_SERVER to use it", 2)

    async def run() -> pb.AnimateResult:
        _check_output(output)
        width, height = parse_size(size) if size else (0, 0)
        request = pb.AnimateRequest(
            motion=motion, duration_seconds=duration, width=width, height=height, fps=fps, backend=backend, model=model
        )
        if seed is not None:
            request.seed = seed
        async with embedded("video") as session:
            request.image.CopyFrom(await session.upload(image))
            try:
                result: pb.AnimateResult = await session.call("Animate", request, "animating")
            finally:
                await session.store.delete(request.image.key)
            output.parent.mkdir(parents=True, exist_ok=True)
            await session.save(result.video, output)
            return result

    result = run_async(run())
    typer.echo(
        f"{output}  {result.width}x{result.height} {result.fps} fps, {result.duration_seconds:.2f} s, "
        f"{result.backend}: {result.motion}"
    )


def register(app: typer.Typer) -> None:
    app.command()(avatar)
    app.command()(animate)
