"""The diffusers backend: FLUX.1 and SD 3.5 text-to-image, FLUX Kontext edits, inpainting, SD x4 upscaling.

Pipelines load from `$STUDIO_MODELS_DIR/image/<name>` (save_pretrained layout,
never from a hub) through the shared residency manager, which keeps one
instance per model within the device budget and offloads to the CPU when a
model does not fit. Concurrent Generate requests with the same model, size,
steps and guidance are batched into one pipeline call; each image keeps its
own seed through its own torch.Generator, so batching never changes pixels.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from studio.core.devices import fp8_matmul_supported, torch_device, torch_dtype
from studio.core.errors import Cancelled, FailedPrecondition, InvalidInput
from studio.core.gpu_lease import shared_residency
from studio.core.operations import OperationContext
from studio.core.placement import Footprint, Placement, Where
from studio.core.placing import modules, place
from studio.core.residency import Loaded, ResidencyManager
from studio.image.backends.base import EditParams, StepReporter
from studio.image.backends.draft import NO_EDIT_MODEL
from studio.image.batching import DynamicBatcher
from studio.image.footprint import installed_footprint
from studio.image.models import ImageModel, Profile, installed_models, model_infos, models_root, resolve_model, task_of
from studio.image.settings import ImageSettings
from studio.image.speedups import compile_blocks, use_fp8_matmuls
from studio.image.validation import GenerateParams
from studio.v1.common_pb2 import ModelInfo

log = logging.getLogger(__name__)

#: Inpainting variants of each pipeline, sharing the loaded components (`from_pipe`).
_INPAINT = {
    "FluxPipeline": "FluxInpaintPipeline",
    "FluxKontextPipeline": "FluxKontextInpaintPipeline",
    "StableDiffusion3Pipeline": "StableDiffusion3InpaintPipeline",
}
#: How much of the masked area inpainting repaints (1.0 = ignore what was there).
INPAINT_STRENGTH = 0.9
#: FLUX needs "true" classifier-free guidance for a negative prompt to have any effect (twice the compute).
FLUX_TRUE_CFG = 4.0
#: The x4 upscaler's UNet downsamples three times: inputs are padded to a multiple of this.
_UPSCALER_MULTIPLE = 8


@dataclass(frozen=True)
class BatchKey:
    model: ImageModel
    width: int
    height: int
    steps: int
    guidance: float
    negative: bool


@dataclass(frozen=True)
class BatchItem:
    prompt: str
    negative_prompt: str
    seed: int
    reporter: StepReporter


def diffusers_available() -> bool:
    try:
        import diffusers  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _quiet_hub_libraries() -> None:
    """Progress bars of diffusers/transformers would interleave with JSON logs."""
    import diffusers
    import transformers

    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()


class DiffusersBackend:
    name = "diffusers"

    def __init__(
        self,
        settings: ImageSettings,
        models_dir: Path,
        device_setting: str,
        residency: ResidencyManager | None = None,
        *,
        build_pipeline: Callable[[ImageModel, Any], Any] | None = None,
        footprint_of: Callable[[ImageModel], Footprint] | None = None,
    ) -> None:
        _quiet_hub_libraries()
        self.settings = settings
        self.models_dir = Path(models_dir)
        self.device = torch_device(device_setting)
        self.dtype = torch_dtype(self.device)
        if settings.cpu_threads:
            import torch

            torch.set_num_threads(settings.cpu_threads)
        self.residency = residency or shared_residency(self.device)
        #: (model, dtype) -> pipeline on the CPU; from the model's folder unless a benchmark builds one.
        self.build_pipeline = build_pipeline or _from_folder
        self.footprint_of = footprint_of or self._footprint
        self.batcher: DynamicBatcher[BatchKey, BatchItem, Image.Image] = DynamicBatcher(
            self._run_batch, settings.batch_window_ms / 1000.0, settings.max_batch
        )
        self._call_locks: dict[str, asyncio.Lock] = {}

    # --- models ------------------------------------------------------------------------------------
    def default_model(self, task: str) -> str:
        candidates = installed_models(self.models_dir, task)
        if task == "text-to-image" and self.settings.default_model:
            return self.settings.default_model
        return candidates[0].name if candidates else ""

    def profile(self, model: str, task: str) -> Profile:
        if not model and task == "image-edit":
            raise FailedPrecondition(NO_EDIT_MODEL)
        if not model:
            raise FailedPrecondition(
                f"no {task} model installed in {models_root(self.models_dir)}; see `studio models` "
                "and `studio models download NAME`"
            )
        return resolve_model(model, self.models_dir, task).profile

    def models(self) -> list[ModelInfo]:
        return model_infos(self.models_dir)

    def _footprint(self, model: ImageModel) -> Footprint:
        bytes_per_param = 4 if self.device == "cpu" else 2
        try:
            return installed_footprint(model.path, model.pipeline_class, model.profile, bytes_per_param)
        except (OSError, ValueError) as error:
            raise FailedPrecondition(
                f"model {model.name!r} in {model.path} cannot be loaded ({error}); "
                f"reinstall it with `studio models download {model.name}`"
            ) from None

    def _loader(self, model: ImageModel) -> Callable[[Placement], Loaded[Any]]:
        def load(placement: Placement) -> Loaded[Any]:
            pipe = self.build_pipeline(model, self.dtype)
            pipe.set_progress_bar_config(disable=True)
            self._speed_up(pipe, placement, before_placing=True)
            place(pipe, placement, self.device, self.dtype)
            self._speed_up(pipe, placement, before_placing=False)
            return Loaded(pipe, release=getattr(pipe, "remove_all_hooks", lambda: None))

        return load

    def _speed_up(self, pipe: Any, placement: Placement, *, before_placing: bool) -> None:
        """Float8 matmuls (before placing: the weights change) and regional compilation (after)."""
        denoiser_name = next((n for n in ("transformer", "unet") if n in modules(pipe)), None)
        if denoiser_name is None or placement.pipeline_wide is not None:
            return
        denoiser = getattr(pipe, denoiser_name)
        if before_placing and self.settings.fp8_matmul:
            if self.device == "cuda" and not fp8_matmul_supported():
                log.warning("STUDIO_IMAGE_FP8_MATMUL: this GPU has no float8 matrix products; keeping bf16")
            else:
                log.info("float8 matmuls in %d linear layers of the %s", use_fp8_matmuls(denoiser), denoiser_name)
        if not before_placing and self.settings.compile:
            if placement.of(denoiser_name).where is Where.DEVICE:
                compile_blocks(denoiser)
            else:
                log.warning("STUDIO_IMAGE_COMPILE: skipped, the %s is streamed from the host", denoiser_name)

    async def _call(self, model: ImageModel, work: Callable[[Any], Any]) -> Any:
        """Run `work(pipeline)` in a thread, with the model resident and nobody else calling it."""
        async with self.residency.use(f"image/{model.name}", self.footprint_of(model), self._loader(model)) as pipe:
            lock = self._call_locks.setdefault(model.name, asyncio.Lock())
            async with lock:
                return await asyncio.to_thread(work, pipe)

    async def warm(self, model_name: str, task: str, *, generate: bool = False) -> None:
        """Load `model_name` now (start-up preload) so the first request does not pay for it.

        With `generate`, also run a short generation at the model's default size: compiled blocks
        and float8 kernels are built then, not on a user's request.
        """
        model = resolve_model(model_name, self.models_dir, task)
        if not generate:
            await self._call(model, lambda pipe: None)
            return
        size = self.settings.warmup_size or model.profile.size
        key = BatchKey(model, size, size, 2, model.profile.guidance, False)
        started = asyncio.get_running_loop().time()
        await self._run_batch(key, [BatchItem("warm-up", "", 0, StepReporter.silent())])
        log.info("warmed %s at %dx%d in %.1fs", model_name, size, size, asyncio.get_running_loop().time() - started)

    # --- generate ----------------------------------------------------------------------------------
    async def generate(self, model: str, params: GenerateParams, ctx: OperationContext) -> list[Image.Image]:
        resolved = resolve_model(model, self.models_dir, "text-to-image")
        key = BatchKey(
            resolved, params.width, params.height, params.steps, params.guidance, bool(params.negative_prompt)
        )
        reporter = StepReporter(ctx, asyncio.get_running_loop(), 0.1, 0.9)
        items = [BatchItem(params.prompt, params.negative_prompt, seed, reporter) for seed in params.seeds]
        await ctx.progress(0.05, "queued")
        return await self.batcher.submit(key, items)

    async def _run_batch(self, key: BatchKey, items: list[BatchItem]) -> list[Image.Image]:
        return await self._call(key.model, lambda pipe: self._text_to_image(pipe, key, items))  # type: ignore[no-any-return]

    def _text_to_image(self, pipe: Any, key: BatchKey, items: list[BatchItem]) -> list[Image.Image]:
        kwargs: dict[str, Any] = {
            "prompt": [item.prompt for item in items],
            "height": key.height,
            "width": key.width,
            "num_inference_steps": key.steps,
            "guidance_scale": key.guidance,
            "generator": [_generator(item.seed) for item in items],
            "max_sequence_length": key.model.profile.max_sequence_length,
        }
        if key.negative or key.model.pipeline_class == "StableDiffusion3Pipeline":
            kwargs["negative_prompt"] = [item.negative_prompt for item in items]
            if key.model.pipeline_class == "FluxPipeline":
                kwargs["true_cfg_scale"] = FLUX_TRUE_CFG
        reporters = list({id(item.reporter): item.reporter for item in items}.values())
        images = self._run_pipeline(pipe, kwargs, reporters, key.steps)
        return list(images)

    def _run_pipeline(self, pipe: Any, kwargs: dict[str, Any], reporters: list[StepReporter], steps: int) -> Any:
        """Call a pipeline with progress reports; interrupt it once every caller has cancelled."""

        def on_step(pipeline: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            for reporter in reporters:
                reporter.step(step + 1, steps)
            if all(reporter.cancelled() for reporter in reporters):
                pipeline._interrupt = True
            return tensors

        if "callback_on_step_end" in inspect.signature(pipe.__call__).parameters:
            output = pipe(**kwargs, output_type="pil", callback_on_step_end=on_step)
        else:  # older pipelines (the x4 upscaler) only report steps, they cannot be interrupted
            output = pipe(**kwargs, output_type="pil", callback=lambda step, *_: on_step(pipe, step, None, {}))
        if all(reporter.cancelled() for reporter in reporters):
            raise Cancelled("image generation was cancelled")
        return output.images

    # --- edit ---------------------------------------------------------------------------------------
    async def edit(
        self, model: str, image: Image.Image, mask: Image.Image | None, params: EditParams, ctx: OperationContext
    ) -> Image.Image:
        task = "image-edit" if mask is None else (task_of(model, self.models_dir) or "image-edit")
        resolved = resolve_model(model, self.models_dir, task)
        if mask is not None and resolved.pipeline_class not in _INPAINT:
            raise InvalidInput(f"model: {model!r} cannot inpaint; use a FLUX or SD 3.5 model")
        image = _fit_side(image, self.settings.max_side)
        width, height = image.width // 16 * 16, image.height // 16 * 16
        image = image.resize((width, height), Image.Resampling.LANCZOS) if image.size != (width, height) else image
        reporter = StepReporter(ctx, asyncio.get_running_loop(), 0.1, 0.9)
        kwargs: dict[str, Any] = {
            "prompt": params.instruction,
            "image": image,
            "height": height,
            "width": width,
            "num_inference_steps": params.steps,
            "guidance_scale": params.guidance,
            "generator": _generator(params.seed),
            "max_sequence_length": resolved.profile.max_sequence_length,
        }
        if mask is not None:
            kwargs["mask_image"] = mask.resize((width, height), Image.Resampling.NEAREST)
            kwargs["strength"] = INPAINT_STRENGTH

        def work(pipe: Any) -> Image.Image:
            if mask is not None:
                import diffusers

                pipe = getattr(diffusers, _INPAINT[resolved.pipeline_class]).from_pipe(pipe)
                pipe.set_progress_bar_config(disable=True)
            if resolved.pipeline_class == "FluxKontextPipeline":
                kwargs["max_area"] = width * height  # Kontext rescales to 1024² otherwise
                kwargs["_auto_resize"] = False  # keep the input's framing instead of Kontext's preferred sizes
            return self._run_pipeline(pipe, kwargs, [reporter], params.steps)[0]  # type: ignore[no-any-return]

        return await self._call(resolved, work)  # type: ignore[no-any-return]

    # --- upscale ------------------------------------------------------------------------------------
    async def upscale(
        self, model: str, image: Image.Image, factor: int, prompt: str, ctx: OperationContext
    ) -> Image.Image:
        resolved = resolve_model(model, self.models_dir, "upscale")
        if max(image.size) * 4 > self.settings.max_upscale_side:
            raise InvalidInput(
                f"image: {image.width}x{image.height} is too large for {model} (it renders x4 internally); "
                f"the output may be at most {self.settings.max_upscale_side} px on a side"
            )
        profile = resolved.profile
        reporter = StepReporter(ctx, asyncio.get_running_loop(), 0.1, 0.9)
        padded = _pad_to_multiple(image, _UPSCALER_MULTIPLE)
        kwargs: dict[str, Any] = {
            "prompt": prompt,
            "image": padded,
            "num_inference_steps": profile.steps,
            "guidance_scale": profile.guidance,
            "generator": _generator(0),
        }

        def work(pipe: Any) -> Image.Image:
            return self._run_pipeline(pipe, kwargs, [reporter], profile.steps)[0]  # type: ignore[no-any-return]

        upscaled: Image.Image = await self._call(resolved, work)
        upscaled = upscaled.crop((0, 0, image.width * 4, image.height * 4))
        if factor != 4:
            upscaled = upscaled.resize((image.width * factor, image.height * factor), Image.Resampling.LANCZOS)
        return upscaled

    async def close(self) -> None:
        await self.residency.unload_matching("image/")


def _from_folder(model: ImageModel, dtype: Any) -> Any:
    """The pipeline in the model's folder, loaded on the CPU (placing moves it)."""
    from diffusers import DiffusionPipeline

    try:
        return DiffusionPipeline.from_pretrained(str(model.path), dtype=dtype, local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as error:
        raise FailedPrecondition(
            f"model {model.name!r} in {model.path} cannot be loaded ({type(error).__name__}: {error}); "
            f"reinstall it with `studio models download {model.name}`"
        ) from None


def _generator(seed: int) -> Any:
    """A CPU generator: the same seed gives the same noise on every device."""
    import torch

    return torch.Generator(device="cpu").manual_seed(seed)


def _fit_side(image: Image.Image, max_side: int) -> Image.Image:
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    return image.resize(
        (max(16, round(image.width * scale)), max(16, round(image.height * scale))), Image.Resampling.LANCZOS
    )


def _pad_to_multiple(image: Image.Image, multiple: int) -> Image.Image:
    """Extend edges so both sides divide by `multiple`; the caller crops the result back."""
    pad_w = -image.width % multiple
    pad_h = -image.height % multiple
    if not pad_w and not pad_h:
        return image
    pixels = np.asarray(image)
    return Image.fromarray(np.pad(pixels, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge"))
