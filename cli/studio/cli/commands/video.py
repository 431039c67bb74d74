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
from google.protobuf import json_format

from studio.cli.errors import fail, run_async
from studio.cli.state import CliState, cli_state
from studio.core.errors import InvalidInput
from studio.core.frames import parse_size
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


async def _avatar_remote(
    state: CliState,
    portrait: Path,
    audio: Path | None,
    speech: dict[str, str],
    request: pb.CreateAvatarVideoRequest,
    output: Path,
) -> pb.CreateAvatarVideoResult:
    """Upload the portrait, upload --audio or speak --text (generate-speech), then create-avatar, on the gateway."""
    from studio.cli import remote

    async with remote.remote_client(state) as client:
        portrait_id = (await client.upload_asset(portrait)).id
        if audio is not None:
            audio_id = (await client.upload_asset(audio)).id
        else:
            audio_id = (
                await client.generate_speech(speech["text"], preset=speech["voice"] or None, language=speech["lang"])
            ).id
        body = {"portrait_asset_id": portrait_id, "audio_asset_id": audio_id, "width": request.width,
                "height": request.height, "fps": request.fps, "backend": request.backend,
                "face": json_format.MessageToDict(request.face) if request.HasField("face") else None}  # fmt: skip
        job, result = await remote.submit(client, "/api/v1/video/create-avatar", body, pb.CreateAvatarVideoResult())
        await remote.download(client, job, "video", output)
        return result


def avatar(
    ctx: typer.Context,
    portrait: Annotated[Path, typer.Option("--portrait", help="Portrait image (PNG, JPEG, WebP, ...)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="MP4 to write")] = Path("out/avatar.mp4"),
    audio: Annotated[Path | None, typer.Option("--audio", help="Speech to lip-sync (WAV, MP3, AAC, FLAC...)")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Text to speak (synthesized in-process)")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of --text, e.g. pt-br, en")] = "",
    voice: Annotated[str, typer.Option("--voice", help="Voice preset for --text, e.g. 'pt-br+f3'")] = "",
    size: Annotated[str, typer.Option("--size", help="WIDTHxHEIGHT: 512x512, 1280x720, 720x1280 (9:16)")] = "512x512",
    fps: Annotated[int, typer.Option("--fps", help="Frames per second")] = 25,
    face: Annotated[str | None, typer.Option("--face", help="Face box x,y,w,h when detection fails")] = None,
    backend: Annotated[str, typer.Option("--backend", help="puppet (default) or wav2lip")] = "",
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for blinks and head drift")] = None,
) -> None:
    """Make a talking-head MP4 from a portrait and speech (embedded, or on the gateway given --server)."""

    state = cli_state(ctx)
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
        if state.server:
            from studio.cli.remote import embedded_only

            embedded_only(seed=seed)
            spoken = {"text": text or "", "lang": lang, "voice": voice}
            return await _avatar_remote(state, portrait, audio, spoken, request, output)
        speech = await _speak(text, lang, voice) if text is not None else None
        output.parent.mkdir(parents=True, exist_ok=True)
        return await _avatar(portrait, audio, speech, request, output)

    result = run_async(run())
    typer.echo(
        f"{output}  {result.width}x{result.height} {result.fps} fps, {result.duration_seconds:.2f} s, "
        f"{result.backend} ({result.mouth_driver}), face {result.face.x},{result.face.y},"
        f"{result.face.width},{result.face.height}"
    )


async def _animate_remote(state: CliState, image: Path, request: pb.AnimateRequest, output: Path) -> pb.AnimateResult:
    from studio.cli import remote

    async with remote.remote_client(state) as client:
        body = json_format.MessageToDict(request, preserving_proto_field_name=True)
        body["image_asset_id"] = (await client.upload_asset(image)).id
        body["seed"] = request.seed if request.HasField("seed") else None
        job, result = await remote.submit(client, "/api/v1/video/animate", body, pb.AnimateResult())
        await remote.download(client, job, "video", output)
        return result


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
    """Animate a still image into a clip (embedded, or on the gateway given --server)."""
    from studio.cli.embedded import embedded

    state = cli_state(ctx)

    async def run() -> pb.AnimateResult:
        _check_output(output)
        width, height = parse_size(size) if size else (0, 0)
        request = pb.AnimateRequest(
            motion=motion, duration_seconds=duration, width=width, height=height, fps=fps, backend=backend, model=model
        )
        if seed is not None:
            request.seed = seed
        if state.server:
            return await _animate_remote(state, image, request, output)
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
