"""The image model server: Generate, Edit, Upscale and ListImageModels, written once for every transport."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from pathlib import Path

from google.protobuf.message import Message
from PIL import Image

from studio.core.artifacts import ArtifactStore
from studio.core.costs import estimated_gpu, total
from studio.core.errors import ConfigError, FailedPrecondition, InvalidInput, NotFound
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.core.providers.settings import ProviderSettings
from studio.core.residency import ResidencyManager
from studio.core.settings import load_settings
from studio.image.backends.base import EditParams, ImageBackend
from studio.image.backends.draft import DRAFT_MODEL, LANCZOS_MODEL, DraftBackend
from studio.image.formats import OutputFormat, load_input, output_format, read_metadata, save_image
from studio.image.models import installed_models, model_infos, task_of
from studio.image.settings import ImageSettings
from studio.image.validation import check_factor, check_guidance, check_prompt, check_seed, check_steps, generate_params
from studio.v1.common_pb2 import ArtifactRef, Cost
from studio.v1.image_pb2 import (
    EditRequest,
    EditResponse,
    EditResult,
    GeneratedImage,
    GenerateRequest,
    GenerateResponse,
    GenerateResult,
    ListImageModelsRequest,
    ListImageModelsResponse,
    UpscaleRequest,
    UpscaleResponse,
    UpscaleResult,
)

log = logging.getLogger(__name__)

BACKENDS = ("auto", "draft", "diffusers", "fal", "replicate")
TASKS = {"Generate": "text-to-image", "Edit": "image-edit", "Upscale": "upscale"}
#: GPU seconds a diffusion step takes per megapixel on a 24 GB card (rough; actual cost is measured).
GPU_SECONDS_PER_STEP_MEGAPIXEL = 0.15
#: Hosted backends: never chosen by "auto" (they cost money), only by name.
HOSTED = ("fal", "replicate")
_DRAFT_MODELS = (DRAFT_MODEL, LANCZOS_MODEL)


class ImageService:
    """Chooses a backend per request, validates, runs it, and stores what it made."""

    def __init__(
        self,
        settings: ImageSettings,
        residency: ResidencyManager | None = None,
        providers: ProviderSettings | None = None,
    ) -> None:
        self.settings = settings
        self.models_dir = Path(settings.models_dir)
        self.device_setting = settings.device
        self.residency = residency
        self.providers = providers or load_settings(ProviderSettings)
        self.draft = DraftBackend()
        self._diffusers: ImageBackend | None = None
        self._hosted: dict[str, ImageBackend] = {}

    # --- backend choice ----------------------------------------------------------------------------
    def diffusers(self) -> ImageBackend:
        if self._diffusers is None:
            from studio.image.backends.diffusion import DiffusersBackend, diffusers_available

            if not diffusers_available():
                raise FailedPrecondition(
                    "the diffusers backend is not installed here; pip install 'studio-image[diffusers]'"
                )
            self._diffusers = DiffusersBackend(self.settings, self.models_dir, self.device_setting, self.residency)
        return self._diffusers

    def hosted(self, name: str) -> ImageBackend:
        if name not in self._hosted:
            if name == "fal":
                from studio.image.backends.fal import FalBackend

                self._hosted[name] = FalBackend(self.providers)
            else:
                from studio.image.backends.replicate import ReplicateBackend

                self._hosted[name] = ReplicateBackend(self.providers)
        return self._hosted[name]

    def backend_name(self, backend: str, model: str, task: str) -> str:
        """The backend a request gets (auto: diffusers when it has a model for the task), without loading it."""
        name = backend or self.settings.backend
        if name not in BACKENDS:
            raise InvalidInput(f"backend: {name!r} is not available; use one of {', '.join(BACKENDS)}")
        if name == "auto":
            if model:
                return "draft" if model in _DRAFT_MODELS else "diffusers"
            if installed_models(self.models_dir, None if task == "image-edit" else task):
                return "diffusers"  # edits: any installed model can at least inpaint
            return "draft"
        if name == "diffusers" and model in _DRAFT_MODELS:
            raise InvalidInput(f"model: {model!r} belongs to the draft backend, not diffusers")
        return name

    def choose(self, backend: str, model: str, task: str) -> tuple[ImageBackend, str]:
        """The backend and model a request gets."""
        name = self.backend_name(backend, model, task)
        chosen = self.hosted(name) if name in HOSTED else self.draft if name == "draft" else self.diffusers()
        return chosen, model or chosen.default_model(task)

    def estimate(self, rpc: str, request: Message) -> Cost:
        """What the request would cost: provider prices, GPU time of a local model, or nothing for drafts."""
        task = TASKS[rpc]
        name = self.backend_name(request.backend, request.model, task)  # type: ignore[attr-defined]
        width = getattr(request, "width", 0) or 1024
        height = getattr(request, "height", 0) or 1024
        count = getattr(request, "count", 0) or 1
        if name in HOSTED:
            hosted = self.hosted(name)
            model = request.model or hosted.default_model(task)  # type: ignore[attr-defined]
            return total(hosted.estimate(model, task, width, height, count))  # type: ignore[attr-defined]
        if name == "diffusers":
            steps = getattr(request, "steps", 0) or 28
            seconds = GPU_SECONDS_PER_STEP_MEGAPIXEL * steps * width * height / 1e6 * count
            model = request.model or self.settings.default_model or "diffusers"  # type: ignore[attr-defined]
            return total([estimated_gpu(model, seconds, self.settings)])
        return total([])

    def metered(
        self, backend: ImageBackend, model: str, ctx: OperationContext
    ) -> contextlib.AbstractContextManager[None]:
        """GPU time of a local model run (hosted backends add their own cost lines, drafts are free)."""
        return ctx.costs.gpu(model, str(getattr(backend, "device", "cpu")), self.settings)

    # --- operations --------------------------------------------------------------------------------
    async def generate(self, request: GenerateRequest, ctx: OperationContext) -> GenerateResult:
        backend, model = self.choose(request.backend, request.model, "text-to-image")
        profile = backend.profile(model, "text-to-image")
        params = generate_params(request, profile, self.settings)
        fmt = output_format(request.format)
        with self.metered(backend, model, ctx):
            images = await backend.generate(model, params, ctx)
        draft = backend is self.draft
        outputs = []
        for seed, image in zip(params.seeds, images, strict=True):
            meta = {
                "prompt": params.prompt,
                "seed": str(seed),
                "model": model,
                "backend": backend.name,
                "steps": str(params.steps),
                "guidance": f"{params.guidance:g}",
                "draft": "true" if draft else "false",
            }
            if params.negative_prompt:
                meta["negative_prompt"] = params.negative_prompt
            outputs.append((image, meta))
        refs = await self._store(ctx, outputs, fmt, "image")
        await ctx.progress(1.0, "done")
        return GenerateResult(
            images=[
                GeneratedImage(image=ref, seed=seed, width=image.width, height=image.height)
                for ref, seed, (image, _) in zip(refs, params.seeds, outputs, strict=True)
            ],
            model=model,
            backend=backend.name,
            draft=draft,
        )

    async def edit(self, request: EditRequest, ctx: OperationContext) -> EditResult:
        instruction = check_prompt(request.instruction, "instruction", required=True)
        with tempfile.TemporaryDirectory(prefix="studio-image-") as tmp:
            image = await self._read_image(ctx, request.image, "image", Path(tmp))
            mask = None
            if request.HasField("mask") and request.mask.key:
                mask = await self._read_image(ctx, request.mask, "mask", Path(tmp), mode="L")
                if mask.size != image.size:
                    raise InvalidInput(
                        f"mask: {mask.width}x{mask.height} does not match the image's {image.width}x{image.height}"
                    )
        backend, model = self.choose(request.backend, request.model, "image-edit")
        if mask is not None and not model and backend is not self.draft:
            model = backend.default_model("text-to-image")  # inpainting works with a text-to-image model too
        task = "image-edit" if mask is None else (task_of(model, self.models_dir) or "image-edit")
        profile = backend.profile(model, task)
        seed = check_seed(request.seed if request.HasField("seed") else None, 1)
        params = EditParams(
            instruction=instruction,
            steps=check_steps(request.steps, profile.steps, self.settings),
            guidance=check_guidance(request.guidance if request.HasField("guidance") else None, profile.guidance),
            seed=seed,
        )
        fmt = output_format(request.format)
        with self.metered(backend, model, ctx):
            edited = await backend.edit(model, image, mask, params, ctx)
        meta = {
            "prompt": instruction,
            "seed": str(seed),
            "model": model,
            "backend": backend.name,
            "operation": "inpaint" if mask is not None else "edit",
            "source": request.image.key,
            "draft": "false",
        }
        (ref,) = await self._store(ctx, [(edited, meta)], fmt, "edit")
        await ctx.progress(1.0, "done")
        return EditResult(
            image=GeneratedImage(image=ref, seed=seed, width=edited.width, height=edited.height),
            model=model,
            backend=backend.name,
        )

    async def upscale(self, request: UpscaleRequest, ctx: OperationContext) -> UpscaleResult:
        factor = check_factor(request.factor)
        with tempfile.TemporaryDirectory(prefix="studio-image-") as tmp:
            image = await self._read_image(ctx, request.image, "image", Path(tmp))
            source_meta = read_metadata(Path(tmp) / "image")
        if max(image.size) * factor > self.settings.max_upscale_side:
            raise InvalidInput(
                f"image: {image.width}x{image.height} x{factor} would exceed {self.settings.max_upscale_side} px "
                "on a side; send a smaller image or use a smaller factor"
            )
        backend, model = self.choose(request.backend, request.model, "upscale")
        backend.profile(model, "upscale")
        fmt = output_format(request.format)
        await ctx.progress(0.05, "upscaling")
        with self.metered(backend, model, ctx):
            upscaled = await backend.upscale(model, image, factor, source_meta.get("prompt", ""), ctx)
        meta = {
            **{k: v for k, v in source_meta.items() if k in ("prompt", "seed", "draft")},
            "model": model,
            "backend": backend.name,
            "operation": f"upscale x{factor}",
            "source": request.image.key,
        }
        (ref,) = await self._store(ctx, [(upscaled, meta)], fmt, f"upscale-x{factor}")
        await ctx.progress(1.0, "done")
        return UpscaleResult(
            image=GeneratedImage(image=ref, width=upscaled.width, height=upscaled.height),
            model=model,
            backend=backend.name,
        )

    async def list_models(self, request: ListImageModelsRequest, ctx: OperationContext) -> ListImageModelsResponse:
        hosted = [info for name in HOSTED for info in self.hosted(name).models()]
        return ListImageModelsResponse(models=[*self.draft.models(), *model_infos(self.models_dir), *hosted])

    # --- lifecycle ---------------------------------------------------------------------------------
    async def load(self) -> None:
        """Warm what requests will use: the draft painter, the diffusers stack when models are installed,
        and (with STUDIO_IMAGE_PRELOAD) the default model itself."""
        await asyncio.to_thread(self.draft_warmup)
        installed = installed_models(self.models_dir)
        if self.settings.backend == "diffusers" and not installed:
            raise ConfigError(
                f"STUDIO_IMAGE_BACKEND=diffusers but no model is installed in {self.models_dir / 'image'}; "
                "run `studio models download flux-schnell` or use STUDIO_IMAGE_BACKEND=auto"
            )
        if self.settings.backend in ("draft", *HOSTED) or not installed:
            return
        backend = await asyncio.to_thread(self.diffusers)  # imports torch/diffusers off the event loop
        default = backend.default_model("text-to-image")
        speedups = self.settings.compile or self.settings.fp8_matmul  # built on the first generation: do it now
        if (self.settings.preload or speedups) and default:
            from studio.image.backends.diffusion import DiffusersBackend

            assert isinstance(backend, DiffusersBackend)
            await backend.warm(default, "text-to-image", generate=speedups)

    @staticmethod
    def draft_warmup() -> None:
        from studio.image.draft import render_draft

        render_draft("warm-up", 0, 64, 64)

    async def close(self) -> None:
        if self._diffusers is not None:
            await self._diffusers.close()
        for backend in self._hosted.values():
            await backend.close()

    # --- artifacts ---------------------------------------------------------------------------------
    async def _read_image(
        self, ctx: OperationContext, ref: ArtifactRef, field: str, tmp: Path, mode: str = "RGB"
    ) -> Image.Image:
        if not ref.key:
            raise InvalidInput(f"{field}: required; upload an image and pass its artifact reference")
        try:
            stored = await ctx.artifacts.stat(ref.key)
        except NotFound:
            raise NotFound(f"{field}: artifact {ref.key!r} does not exist") from None
        if stored.size > self.settings.max_input_bytes:
            limit = self.settings.max_input_bytes / 1e6
            raise InvalidInput(f"{field}: the file is {stored.size / 1e6:.1f} MB; the limit is {limit:.1f} MB")
        path = await ctx.artifacts.download(ref, tmp / field)
        return await asyncio.to_thread(
            load_input,
            path,
            field,
            max_bytes=self.settings.max_input_bytes,
            max_pixels=self.settings.max_input_pixels,
            mode=mode,
        )

    async def _store(
        self, ctx: OperationContext, outputs: list[tuple[Image.Image, dict[str, str]]], fmt: OutputFormat, stem: str
    ) -> list[ArtifactRef]:
        """Encode and upload every output; on any failure remove those already uploaded."""
        await ctx.progress(0.95, "encoding", force=True)
        quality = self.settings.webp_quality if fmt.pil_name == "WEBP" else self.settings.jpeg_quality
        refs: list[ArtifactRef] = []
        with tempfile.TemporaryDirectory(prefix="studio-image-") as tmp:
            paths = []
            for index, (image, meta) in enumerate(outputs):
                name = f"{stem}-{index}.{fmt.extension}" if len(outputs) > 1 else f"{stem}.{fmt.extension}"
                paths.append(await asyncio.to_thread(save_image, image, Path(tmp) / name, fmt, meta, quality))
            try:
                for path in paths:
                    refs.append(await ctx.artifacts.put_file(ctx.output_key(path.name), path, fmt.content_type))
            except BaseException:
                for ref in refs:
                    await ctx.artifacts.delete(ref.key)
                raise
        return refs


def build_service(
    artifacts: ArtifactStore,
    settings: ImageSettings | None = None,
    residency: ResidencyManager | None = None,
    providers: ProviderSettings | None = None,
) -> ServiceDefinition:
    """The image ServiceDefinition; settings default to the environment's."""
    service = ImageService(settings or load_settings(ImageSettings), residency, providers)
    return ServiceDefinition(
        name="image",
        grpc_service="studio.v1.ImageService",
        operations=[
            Operation("Generate", GenerateRequest, GenerateResponse, service.generate),
            Operation("Edit", EditRequest, EditResponse, service.edit),
            Operation("Upscale", UpscaleRequest, UpscaleResponse, service.upscale),
            Operation(
                "ListImageModels", ListImageModelsRequest, ListImageModelsResponse, service.list_models, unary=True
            ),
        ],
        load=service.load,
        close=service.close,
        estimate=service.estimate,
        backends=("draft", "diffusers", *HOSTED),
    )
