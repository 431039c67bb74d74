"""The `diffusers` image-to-video backend: LTX-Video or Wan 2.1 I2V pipelines from the models directory.

Weights are loaded from `$STUDIO_MODELS_DIR/<model>` only (`local_files_only`),
through the pipeline class named in the folder's model_index.json, restricted
to the image-to-video pipelines this backend knows how to drive. They go through
residency, which places each part (float8 storage, streamed offload) so the
14B Wan model runs on a 12 GB card, and lets other models have the GPU between clips.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from studio.core.errors import Cancelled, ConfigError, ModelNotInstalled
from studio.core.gpu_lease import shared_residency
from studio.core.models import ModelSpec
from studio.core.placement import Footprint, Part, Placement, Role, role_of
from studio.core.residency import ResidencyManager, ResidentModel, folder_parameters
from studio.video.backends import AnimateJob
from studio.video.models import i2v_spec


@dataclass(frozen=True)
class PipelineRules:
    """What a pipeline family accepts: side multiple, frame-count step (n = step*k + 1), largest area."""

    multiple: int
    frame_step: int
    max_area: int
    negative_prompt: str
    #: Latent tokens per frame-step and pixel (for placement estimates): VAE + patch compression.
    pixels_per_token: int = 1024


RULES: dict[str, PipelineRules] = {
    "LTXImageToVideoPipeline": PipelineRules(
        32, 8, 768 * 512, "worst quality, inconsistent motion, blurry, jittery, distorted", 32 * 32
    ),
    "WanImageToVideoPipeline": PipelineRules(
        16, 4, 832 * 480, "static, blurred details, worst quality, deformed, jittery", 16 * 16
    ),
}
DEFAULT_PROMPT = "natural subtle motion, steady camera"


def generation_size(size: tuple[int, int], rules: PipelineRules) -> tuple[int, int]:
    """The output's aspect ratio at no more than the model's area, sides rounded to its multiple."""
    width, height = size
    shrink = min(1.0, math.sqrt(rules.max_area / (width * height)))
    m = rules.multiple
    return max(m, int(width * shrink) // m * m), max(m, int(height * shrink) // m * m)


def generation_frames(frames: int, rules: PipelineRules) -> int:
    """Enough frames of the form step*k + 1."""
    return max(1, math.ceil((frames - 1) / rules.frame_step)) * rules.frame_step + 1


def cover(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale to cover `size`, centre-crop."""
    width, height = size
    h, w = image.shape[:2]
    scale = max(width / w, height / h)
    resized = cv2.resize(
        image, (max(width, round(w * scale)), max(height, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    y, x = (resized.shape[0] - height) // 2, (resized.shape[1] - width) // 2
    return resized[y : y + height, x : x + width]


def i2v_footprint(parts_params: dict[str, int], rules: PipelineRules, steps: int, bytes_per_param: int) -> Footprint:
    """Parts of an image-to-video pipeline for a clip of ~5 s at the model's largest area (an estimate)."""
    tokens = 1 + 120 // rules.frame_step * rules.max_area // rules.pixels_per_token
    parts = []
    for name, params in parts_params.items():
        role = role_of(name)
        if role is Role.DENOISER:
            working = tokens * 5120 * 2 * 8  # flash attention: activations of one block at a time
            parts.append(Part(name, params, role, bytes_per_param, steps, 4.0 * params * tokens, params // 30, working))
        elif role is Role.DECODER:
            parts.append(Part(name, params, role, bytes_per_param, 1, 0.0, 0, 4 * 1024**3))
        else:
            parts.append(
                Part(name or "model", params, role, bytes_per_param, 1, 2.0 * params * 512, params // 24, 256 * 1024**2)
            )
    return Footprint(tuple(parts))


class DiffusersBackend:
    name = "diffusers"

    def __init__(
        self,
        folder: Path,
        spec: ModelSpec,
        class_name: str,
        device: str,
        steps: int,
        residency: ResidencyManager | None = None,
    ) -> None:
        import diffusers
        import torch

        from studio.core.devices import torch_dtype
        from studio.core.placing import place

        self.spec = spec
        self.rules = RULES[class_name]
        self.device = device
        self.steps = steps
        pipeline_class = getattr(diffusers, class_name)
        self._accepts = set(inspect.signature(pipeline_class.__call__).parameters)
        dtype = torch_dtype(device)

        def build(placement: Placement) -> Any:
            pipe = pipeline_class.from_pretrained(folder, dtype=dtype, local_files_only=True)
            place(pipe, placement, device, dtype)
            pipe.set_progress_bar_config(disable=True)
            torch.set_grad_enabled(False)
            return pipe

        bytes_per_param = 4 if device == "cpu" else 2
        self.resident: ResidentModel[Any] = ResidentModel(
            f"video/{spec.name}:{folder}",
            lambda: i2v_footprint(folder_parameters(folder), self.rules, steps, bytes_per_param),
            build,
            residency or shared_residency(device),
        )

    @property
    def pipe(self) -> Any:
        if self.resident.current is None:
            raise ModelNotInstalled(f"{self.spec.name} is not loaded (hold it through residency first)")
        return self.resident.current

    @classmethod
    def from_models_dir(cls, models_dir: Path, model: str, device_setting: str, *, steps: int) -> DiffusersBackend:
        spec = i2v_spec(model)
        folder = spec.path(models_dir)
        index = folder / "model_index.json"
        if not index.is_file():
            raise ModelNotInstalled(
                f"{spec.name} is not installed: expected a diffusers folder with model_index.json at {folder} "
                f"(studio models download {spec.name})"
            )
        class_name = json.loads(index.read_text()).get("_class_name", "")
        if class_name not in RULES:
            raise ConfigError(f"{index}: pipeline {class_name!r} is not an image-to-video pipeline this backend runs")
        try:
            import diffusers  # noqa: F401
            import torch  # noqa: F401
        except ImportError as error:
            raise ModelNotInstalled(
                f"the diffusers backend needs torch and diffusers: pip install 'studio-video[neural]' ({error})"
            ) from None
        from studio.core.devices import torch_device

        return cls(folder, spec, class_name, torch_device(device_setting), steps)

    def describe(self, job: AnimateJob) -> str:
        prompt = job.motion.strip() or DEFAULT_PROMPT
        return f"{self.spec.name} image-to-video, {self.steps} steps, prompt {prompt!r}"

    def frames(self, job: AnimateJob) -> Iterator[np.ndarray]:
        import torch
        from PIL import Image

        width, height = generation_size(job.size, self.rules)
        count = generation_frames(job.frames, self.rules)
        arguments: dict[str, Any] = {
            "image": Image.fromarray(cover(job.image, (width, height))),
            "prompt": job.motion.strip() or DEFAULT_PROMPT,
            "negative_prompt": self.rules.negative_prompt,
            "width": width,
            "height": height,
            "num_frames": count,
            "num_inference_steps": self.steps,
            "generator": torch.Generator("cpu").manual_seed(job.seed),
            "output_type": "np",
        }
        if "frame_rate" in self._accepts:
            arguments["frame_rate"] = job.fps
        if "callback_on_step_end" in self._accepts:

            def stop_if_cancelled(_pipe: Any, _step: int, _timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
                if job.cancel.is_set():
                    raise Cancelled("cancelled while denoising")
                return tensors

            arguments["callback_on_step_end"] = stop_if_cancelled
        with torch.inference_mode():
            video = self.pipe(**arguments).frames[0]
        frames = np.asarray(video)
        if frames.shape[0] < job.frames:
            raise RuntimeError(f"{self.spec.name} returned {frames.shape[0]} frames, {job.frames} were asked for")
        for frame in frames[: job.frames]:
            rgb = (np.clip(frame, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
            yield cv2.resize(
                rgb, job.size, interpolation=cv2.INTER_LINEAR if rgb.shape[1] < job.size[0] else cv2.INTER_AREA
            )
