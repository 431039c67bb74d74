"""`studio speak TEXT -o out.wav` and `studio music DESCRIPTION --duration S -o m.wav`, embedded.

`--voice-sample FILE` registers the sample first (the same RegisterVoice operation the
gateway uses), then speaks with the resulting profile. Copies of the user's files are
removed from the local store afterwards; only the outputs remain.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from studio.cli.errors import fail, run_async
from studio.cli.state import CliState, cli_state
from studio.core.errors import InvalidInput
from studio.v1 import audio_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef

_FORMATS: dict[str, pb.AudioFormat] = {
    "wav": pb.AUDIO_FORMAT_WAV,
    "mp3": pb.AUDIO_FORMAT_MP3,
    "ogg": pb.AUDIO_FORMAT_OGG_OPUS,
    "opus": pb.AUDIO_FORMAT_OGG_OPUS,
    "flac": pb.AUDIO_FORMAT_FLAC,
}
#: The gateway's names for the formats.
_REST_FORMATS = {value: "ogg" if name == "opus" else name for name, value in _FORMATS.items()}


def audio_format(name: str | None, output: Path) -> pb.AudioFormat:
    """--format, or the output name's extension; one of wav, mp3, ogg/opus, flac."""
    key = (name or output.suffix.lstrip(".") or "wav").lower()
    if key not in _FORMATS:
        source = f"--format {name}" if name else f"-o {output}"
        raise InvalidInput(f"{source}: unknown audio format; use wav, mp3, ogg (opus) or flac")
    return _FORMATS[key]


def _check_output(output: Path) -> None:
    if output.is_dir():
        raise InvalidInput(f"-o {output}: is a directory; give a file name such as out.wav")


async def _speak(
    text: str,
    output: Path,
    request: pb.SynthesizeRequest,
    voice_sample: Path | None,
    timings: Path | None,
) -> tuple[pb.SynthesizeResult, pb.RegisterVoiceResult | None]:
    from studio.cli.embedded import embedded

    async with embedded("audio") as session:
        registered: pb.RegisterVoiceResult | None = None
        uploaded: list[ArtifactRef] = []
        try:
            if voice_sample is not None:
                sample = await session.upload(voice_sample)
                uploaded.append(sample)
                registered = await session.call(
                    "RegisterVoice",
                    pb.RegisterVoiceRequest(sample=sample, name=voice_sample.stem, language=request.language),
                    "registering voice",
                )
                request.voice.profile.CopyFrom(registered.profile)
            result: pb.SynthesizeResult = await session.call("Synthesize", request, "speaking")
        finally:
            for ref in uploaded:
                await session.store.delete(ref.key)
        _write_timings(timings, result)
        await session.save(result.audio, output)
        return result, registered


async def _speak_remote(
    state: CliState, body: dict[str, Any], voice_sample: Path | None, output: Path, timings: Path | None
) -> tuple[pb.SynthesizeResult, pb.RegisterVoiceResult | None]:
    """clone-voice (for --voice-sample), then generate-speech with that voice, on the gateway."""
    from studio.cli import remote

    async with remote.remote_client(state) as client:
        registered: pb.RegisterVoiceResult | None = None
        if voice_sample is not None:
            voice = await client.clone_voice(voice_sample, name=voice_sample.stem, language=body["language"])
            registered = remote.parsed(voice.details, pb.RegisterVoiceResult())
            body["voice_id"] = voice.id
        job, result = await remote.submit(client, "/api/v1/audio/generate-speech", body, pb.SynthesizeResult())
        _write_timings(timings, result)
        await remote.download(client, job, "audio", output)
        return result, registered


def _write_timings(timings: Path | None, result: pb.SynthesizeResult) -> None:
    if timings is not None:
        timings.parent.mkdir(parents=True, exist_ok=True)
        timings.write_text(json.dumps(_timings(result), indent=2, ensure_ascii=False))


def _timings(result: pb.SynthesizeResult) -> dict[str, Any]:
    return {
        "duration_seconds": result.duration_seconds,
        "words": [{"word": w.word, "start": w.start_seconds, "end": w.end_seconds} for w in result.words],
        "phonemes": [{"phoneme": p.phoneme, "start": p.start_seconds, "end": p.end_seconds} for p in result.phonemes],
    }


def speak(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What to say")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Audio file to write")] = Path("out/speech.wav"),
    lang: Annotated[str, typer.Option("--lang", help="Language tag, e.g. en, pt-br")] = "",
    voice_sample: Annotated[
        Path | None, typer.Option("--voice-sample", help="Recording of a voice to match (10 s+; 15 s+ is best)")
    ] = None,
    voice: Annotated[str, typer.Option("--voice", help="A backend voice, e.g. espeak's 'pt-br+f3'")] = "",
    backend: Annotated[str, typer.Option("--backend", help="espeak (default) or chatterbox")] = "",
    format: Annotated[
        str | None, typer.Option("--format", help="wav, mp3, ogg (opus) or flac; default: from -o's extension")
    ] = None,
    sample_rate: Annotated[int, typer.Option("--sample-rate", help="Hz; 0 = the service default")] = 0,
    speed: Annotated[float | None, typer.Option("--speed", help="Speaking-rate multiplier (espeak)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (model backends)")] = None,
    timings: Annotated[
        Path | None, typer.Option("--timings", help="Also write word/phoneme timings as JSON here")
    ] = None,
) -> None:
    """Speak TEXT into an audio file (embedded, or on the gateway given --server)."""
    state = cli_state(ctx)
    if voice and voice_sample is not None:
        fail("--voice and --voice-sample are alternatives; pass one of them", 2)

    async def run() -> tuple[pb.SynthesizeResult, pb.RegisterVoiceResult | None]:
        _check_output(output)
        request = pb.SynthesizeRequest(
            text=text, language=lang, backend=backend, format=audio_format(format, output), sample_rate=sample_rate
        )
        if voice:
            request.voice.preset = voice
        if speed is not None:
            request.parameters.speed = speed
        if seed is not None:
            request.parameters.seed = seed
        if state.server:
            body = {"text": text, "preset": voice or None, "language": lang, "backend": backend, "speed": speed,
                    "format": _REST_FORMATS[request.format], "sample_rate": sample_rate, "seed": seed}  # fmt: skip
            return await _speak_remote(state, body, voice_sample, output, timings)
        return await _speak(text, output, request, voice_sample, timings)

    result, registered = run_async(run())
    if registered is not None:
        for warning in registered.warnings:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(
            f"voice: {registered.duration_seconds:.1f} s reference, median pitch {registered.median_f0_hz:.0f} Hz",
            err=True,
        )
    typer.echo(
        f"{output}  {result.duration_seconds:.2f} s  {result.sample_rate} Hz  {len(result.words)} words  "
        f"({result.backend})"
    )


async def _music(output: Path, request: pb.GenerateMusicRequest) -> pb.GenerateMusicResult:
    from studio.cli.embedded import embedded

    async with embedded("audio") as session:
        result: pb.GenerateMusicResult = await session.call("GenerateMusic", request, "composing")
        await session.save(result.audio, output)
        return result


async def _music_remote(state: CliState, output: Path, request: pb.GenerateMusicRequest) -> pb.GenerateMusicResult:
    from studio.cli import remote

    body = {"description": request.description, "duration_seconds": request.duration_seconds,
            "backend": request.backend, "format": _REST_FORMATS[request.format], "sample_rate": request.sample_rate,
            "seed": request.seed if request.HasField("seed") else None}  # fmt: skip
    async with remote.remote_client(state) as client:
        job, result = await remote.submit(client, "/api/v1/audio/generate-music", body, pb.GenerateMusicResult())
        await remote.download(client, job, "audio", output)
        return result


def music(
    ctx: typer.Context,
    description: Annotated[str, typer.Argument(help="The mood and instruments, e.g. 'calm warm piano'")],
    duration: Annotated[float, typer.Option("--duration", help="Length in seconds")] = 30.0,
    output: Annotated[Path, typer.Option("-o", "--output", help="Audio file to write")] = Path("out/music.wav"),
    backend: Annotated[str, typer.Option("--backend", help="synth (default) or musicgen")] = "",
    format: Annotated[
        str | None, typer.Option("--format", help="wav, mp3, ogg (opus) or flac; default: from -o's extension")
    ] = None,
    sample_rate: Annotated[int, typer.Option("--sample-rate", help="Hz; 0 = the service default")] = 0,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed for a repeatable track")] = None,
) -> None:
    """Generate a music track from a description (embedded, or on the gateway given --server)."""
    state = cli_state(ctx)

    async def run() -> pb.GenerateMusicResult:
        _check_output(output)
        request = pb.GenerateMusicRequest(
            description=description,
            duration_seconds=duration,
            backend=backend,
            format=audio_format(format, output),
            sample_rate=sample_rate,
        )
        if seed is not None:
            request.seed = seed
        if state.server:
            return await _music_remote(state, output, request)
        return await _music(output, request)

    result = run_async(run())
    typer.echo(
        f"{output}  {result.duration_seconds:.2f} s  {result.sample_rate} Hz  {result.channels} ch  ({result.backend})"
    )


def register(app: typer.Typer) -> None:
    app.command()(speak)
    app.command()(music)
