"""The `diffusers` image-to-video backend: LTX-Video or Wan 2.1 I2V pipelines from the models directory.

Weights are loaded once, from `$STUDIO_MODELS_DIR/<model>` only (`local_files_only`),
through the pipeline class named in the folder's model_index.json, restricted
to the image-to-video pipelines this backend knows how to drive.
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
from studio.core.models import ModelSpec
from studio.video.backends import AnimateJob
from studio.video.models import i2v_spec


@dataclass(frozen=True)
class PipelineRules:
    """What a pipeline family accepts: side multiple, frame-count step (n = step*k + 1), largest area."""

    multiple: int
    frame_step: int
    max_area: int
    negative_prompt: str


RULES: dict[str, PipelineRules] = {
    "LTXImageToVideoPipeline": PipelineRules(
        32, 8, 768 * 512, "worst quality, inconsistent motion, blurry, jittery, distorted"
    ),
    "WanImageToVideoPipeline": PipelineRules(
        16, 4, 832 * 480, "static, blurred details, worst quality, deformed, jittery"
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


class DiffusersBackend:
    name = "diffusers"

    def __init__(self, pipe: Any, spec: ModelSpec, class_name: str, device: str, steps: int) -> None:
        self.pipe = pipe
        self.spec = spec
        self.rules = RULES[class_name]
        self.device = device
        self.steps = steps
        self._accepts = set(inspect.signature(pipe.__call__).parameters)

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
            import diffusers
            import torch
        except ImportError as error:
            raise ModelNotInstalled(
                f"the diffusers backend needs torch and diffusers: pip install 'studio-video[neural]' ({error})"
            ) from None
        from studio.core.devices import torch_device, torch_dtype

        device = torch_device(device_setting)
        pipe = getattr(diffusers, class_name).from_pretrained(
            folder, torch_dtype=torch_dtype(device), local_files_only=True
        )
        pipe.to(device)
        pipe.set_progress_bar_config(disable=True)
        torch.set_grad_enabled(False)
        return cls(pipe, spec, class_name, device, steps)

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
