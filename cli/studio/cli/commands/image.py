"""`studio image` (text to image) and `studio upscale`, embedded: the image service runs in this process.

Without installed weights `image` paints a labelled procedural draft, so the
commands work on any machine; with models in $STUDIO_MODELS_DIR/image they
use diffusers. The copy of an upscaled input is removed from the local store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from studio.cli.errors import run_async
from studio.cli.state import CliState, cli_state
from studio.core.errors import InvalidInput
from studio.core.frames import dimensions
from studio.v1 import image_pb2 as pb

#: Output file extensions and the ImageFormat each asks for.
_BY_EXTENSION = {
    "png": pb.IMAGE_FORMAT_PNG,
    "jpg": pb.IMAGE_FORMAT_JPEG,
    "jpeg": pb.IMAGE_FORMAT_JPEG,
    "webp": pb.IMAGE_FORMAT_WEBP,
}


def format_for_path(path: Path) -> int:
    """The ImageFormat an output file name asks for (by extension)."""
    extension = Path(path).suffix.lower().lstrip(".")
    if extension not in _BY_EXTENSION:
        raise InvalidInput(f"output {path}: unknown image extension; use .png, .jpg, .jpeg or .webp")
    return _BY_EXTENSION[extension]


def _output_format(output: Path) -> int:
    if output.is_dir():
        raise InvalidInput(f"-o {output}: is a directory; give a file name such as out.png")
    return format_for_path(output)


def _numbered(output: Path, index: int, count: int) -> Path:
    return output if count == 1 else output.with_name(f"{output.stem}-{index + 1}{output.suffix}")


async def _image_remote(
    state: CliState, request: pb.GenerateRequest, seed: int | None, guidance: float | None, output: Path
) -> tuple[pb.GenerateResult, list[Path]]:
    from studio.cli import remote

    body = {"prompt": request.prompt, "negative_prompt": request.negative_prompt, "width": request.width,
            "height": request.height, "steps": request.steps, "count": request.count, "model": request.model,
            "backend": request.backend, "format": _rest_format(request.format), "seed": seed,
            "guidance": guidance}  # fmt: skip
    async with remote.remote_client(state) as client:
        job, result = await remote.submit(client, "/api/v1/image/generate", body, pb.GenerateResult())
        paths = [_numbered(output, i, len(result.images)) for i in range(len(result.images))]
        for i, path in enumerate(paths):
            await remote.download(client, job, f"images.{i}.image", path)
        return result, paths


def _rest_format(fmt: int) -> str:
    return pb.ImageFormat.Name(fmt).removeprefix("IMAGE_FORMAT_").lower()  # type: ignore[arg-type]


def image(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="What to paint")],
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG, JPEG or WebP to write")] = Path("out/image.png"),
    seed: Annotated[int | None, typer.Option("--seed", help="Same prompt and seed, same image")] = None,
    size: Annotated[str, typer.Option("--size", help="WIDTHxHEIGHT, multiples of 16 (default: the model's)")] = "",
    backend: Annotated[str, typer.Option("--backend", help="auto (default), draft or diffusers")] = "",
    model: Annotated[str, typer.Option("--model", help="Model under $STUDIO_MODELS_DIR/image, e.g. flux-schnell")] = "",
    negative: Annotated[str, typer.Option("--negative", help="What to keep out of the image")] = "",
    steps: Annotated[int, typer.Option("--steps", help="Denoising steps (0 = the model's default)")] = 0,
    guidance: Annotated[float | None, typer.Option("--guidance", help="Guidance scale")] = None,
    count: Annotated[int, typer.Option("--count", help="Images to make; file names get -1, -2, ...")] = 1,
) -> None:
    """Make an image from a prompt (embedded, or on the gateway given --server)."""
    from studio.cli.embedded import embedded

    state = cli_state(ctx)

    async def run() -> tuple[pb.GenerateResult, list[Path]]:
        fmt = _output_format(output)
        width, height = dimensions(size, "--size") if size else (0, 0)
        request = pb.GenerateRequest(
            prompt=prompt,
            negative_prompt=negative,
            width=width,
            height=height,
            steps=steps,
            count=count,
            model=model,
            backend=backend,
            format=fmt,  # type: ignore[arg-type]
        )
        if seed is not None:
            request.seed = seed
        if guidance is not None:
            request.guidance = guidance
        if state.server:
            return await _image_remote(state, request, seed, guidance, output)
        async with embedded("image") as session:
            result: pb.GenerateResult = await session.call("Generate", request, "painting")
            output.parent.mkdir(parents=True, exist_ok=True)
            paths = [_numbered(output, i, len(result.images)) for i in range(len(result.images))]
            for generated, path in zip(result.images, paths, strict=True):
                await session.save(generated.image, path)
            return result, paths

    result, paths = run_async(run())
    label = " (draft: procedural, no model)" if result.draft else ""
    for generated, path in zip(result.images, paths, strict=True):
        typer.echo(f"{path}  {generated.width}x{generated.height} seed {generated.seed}, {result.model}{label}")


async def _upscale_remote(state: CliState, source: Path, request: pb.UpscaleRequest, output: Path) -> pb.UpscaleResult:
    from studio.cli import remote

    async with remote.remote_client(state) as client:
        uploaded = await client.upload_asset(source)
        upscaled = await client.upscale_image(
            uploaded.id, factor=request.factor, model=request.model, backend=request.backend,
            format=_rest_format(request.format),
        )  # fmt: skip
        await client.download(upscaled, output)
        return remote.parsed(upscaled.job.result, pb.UpscaleResult())


def upscale(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="PNG, JPEG or WebP to enlarge")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Image to write")] = Path("out/upscaled.png"),
    factor: Annotated[int, typer.Option("--factor", help="2 or 4")] = 2,
    backend: Annotated[str, typer.Option("--backend", help="auto (default), draft (Lanczos) or diffusers")] = "",
    model: Annotated[str, typer.Option("--model", help="Upscale model, e.g. sd-x4-upscaler")] = "",
) -> None:
    """Enlarge an image x2 or x4 (embedded, or on the gateway given --server)."""
    from studio.cli.embedded import embedded

    state = cli_state(ctx)

    async def run() -> pb.UpscaleResult:
        request = pb.UpscaleRequest(factor=factor, backend=backend, model=model, format=_output_format(output))  # type: ignore[arg-type]
        if state.server:
            return await _upscale_remote(state, source, request, output)
        async with embedded("image") as session:
            request.image.CopyFrom(await session.upload(source))
            try:
                result: pb.UpscaleResult = await session.call("Upscale", request, "upscaling")
            finally:
                await session.store.delete(request.image.key)
            output.parent.mkdir(parents=True, exist_ok=True)
            await session.save(result.image.image, output)
            return result

    result = run_async(run())
    typer.echo(f"{output}  {result.image.width}x{result.image.height}, {result.backend} ({result.model})")


def register(app: typer.Typer) -> None:
    app.command()(image)
    app.command()(upscale)
