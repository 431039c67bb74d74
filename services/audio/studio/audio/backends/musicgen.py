"""The `musicgen` music backend: Meta's MusicGen through transformers, weights from the models dir.

MusicGen is trained on 30-second clips; longer tracks are continued window by window,
each new window conditioned on the description and on the last seconds of audio so far
(the model's own audio-prompt mode), which keeps harmony and tempo continuous.

Precision: float32 by default, with TF32 matrix products on the GPU. In bfloat16 the model was
4x slower on an H200 (33 s instead of 8 s for 10 s of music): EnCodec's LSTM has no fast
bfloat16 kernel and the decoder is launch-bound, not compute-bound, at batch 2. With a half
dtype (STUDIO_AUDIO_MUSICGEN_DTYPE) only the text encoder and the decoder are cast; EnCodec
stays in float32. The weights go through residency (`resident`).
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import numpy as np

from studio.audio.analysis import resample
from studio.audio.backends.base import ProgressCallback
from studio.audio.models import CATALOG, model_spec
from studio.core.errors import ConfigError, ModelNotInstalled
from studio.core.gpu_lease import shared_residency
from studio.core.models import ModelSpec
from studio.core.placement import Footprint
from studio.core.residency import ResidencyManager, ResidentModel, folder_parameters
from studio.v1.common_pb2 import ModelInfo

GUIDANCE_SCALE = 3.0


def _step_counter(total: int, on_step: ProgressCallback) -> Any:
    """A stopping criterion that never stops: it counts decoding steps to report progress.

    (MusicgenForConditionalGeneration does not feed a `streamer` during sampling, but it
    does evaluate stopping criteria once per step; raising in `on_step` cancels the run.)
    """
    import torch
    from transformers import StoppingCriteria

    class StepCounter(StoppingCriteria):
        def __init__(self) -> None:
            self.steps = 0
            self.never: torch.Tensor | None = None  # one tensor for every step: no allocation per step

        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> torch.Tensor:
            self.steps += 1
            on_step(min(1.0, self.steps / max(1, total)))
            if self.never is None or self.never.shape[0] != input_ids.shape[0]:
                self.never = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
            return self.never

    return StepCounter()


class MusicgenBackend:
    name = "musicgen"

    def __init__(
        self,
        models_dir: Path,
        model: str = "musicgen-small",
        device: str = "auto",
        *,
        segment_seconds: float = 30.0,
        prompt_seconds: float = 10.0,
        dtype: str = "float32",
        static_cache: bool = False,
        static_bucket_seconds: float = 5.0,
        residency: ResidencyManager | None = None,
    ) -> None:
        if not 0 < prompt_seconds < segment_seconds:
            raise ConfigError("musicgen: prompt_seconds must be positive and shorter than segment_seconds")
        self.spec: ModelSpec = model_spec(model, self.name)
        self.models_dir = Path(models_dir)
        self.device_setting = device
        self.segment_seconds = segment_seconds
        self.prompt_seconds = prompt_seconds
        self.dtype = dtype
        self.static_cache = static_cache
        #: With a static cache, windows are generated in lengths rounded up to this (trimmed after), so a few
        #: compiled graphs serve every request instead of one per length.
        self.static_bucket_seconds = static_bucket_seconds
        self._residency = residency
        self.resident: ResidentModel[Any] | None = None
        self._processor: Any = None
        self._device = "cpu"
        self._lock = threading.Lock()

    def load(self) -> None:
        path = self.spec.path(self.models_dir)
        if not self.spec.installed(self.models_dir):
            raise ModelNotInstalled(
                f"MusicGen weights are not in {path}; fetch them with `studio models download {self.spec.name}`"
            )
        try:
            from transformers import AutoProcessor, MusicgenForConditionalGeneration
        except ImportError as error:
            raise ConfigError(f"the musicgen backend needs transformers (studio-audio[music]): {error}") from None
        import torch

        from studio.core.devices import torch_device

        self._device = torch_device(self.device_setting)
        self._processor = AutoProcessor.from_pretrained(path, local_files_only=True)
        half = getattr(torch, self.dtype)
        if self._device == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True  # float32 weights, TF32 tensor-core products
            torch.backends.cudnn.allow_tf32 = True

        def build(_placement: object) -> Any:
            model: Any = MusicgenForConditionalGeneration.from_pretrained(
                path, dtype=torch.float32, local_files_only=True
            )
            if half is not torch.float32:
                for part in (model.text_encoder, model.decoder, getattr(model, "enc_to_dec_proj", None)):
                    if part is not None:
                        part.to(half)
            model = model.to(self._device).eval()
            if self.static_cache:  # compile now (health is not SERVING yet), not on the first request
                text = self._processor(text=["warm-up"], padding=True, return_tensors="pt")
                self._generate(model, dict(text), 4, lambda _: None)
            return model

        params = sum(folder_parameters(path).values())
        self.resident = ResidentModel(
            f"audio/{self.spec.name}:{path}",
            lambda: Footprint.single(params * 4, self.spec.name),
            build,
            self._residency or shared_residency(self._device),
        )

    @property
    def model(self) -> Any:
        model = self.resident.current if self.resident else None
        if model is None:
            raise ModelNotInstalled("the musicgen backend is not loaded (hold it through residency first)")
        return model

    @property
    def native_rate(self) -> int:
        return int(self.model.config.audio_encoder.sampling_rate)

    @property
    def frame_rate(self) -> float:
        return float(self.model.config.audio_encoder.frame_rate)

    def _generate(self, model: Any, inputs: dict[str, Any], frames: int, progress: ProgressCallback) -> np.ndarray:
        """`frames` new codec frames (plus any audio prompt in `inputs`), as (channels, samples) float32."""
        import torch

        delay = int(model.decoder.config.num_codebooks) - 1  # MusicGen's codebook delay pattern
        if self.static_cache:
            bucket = max(1, round(self.static_bucket_seconds * float(model.config.audio_encoder.frame_rate)))
            frames = math.ceil(frames / bucket) * bucket
        new_tokens = frames + delay + 1
        moved = {key: value.to(self._device) for key, value in inputs.items()}
        if "input_values" in moved:  # the audio prompt goes through EnCodec, which stays float32
            moved["input_values"] = moved["input_values"].to(model.audio_encoder.dtype)
        from transformers import StoppingCriteriaList

        cache = {"cache_implementation": "static"} if self.static_cache else {}  # transformers compiles it on GPUs
        with torch.inference_mode():
            audio = model.generate(
                **moved,
                do_sample=True,
                guidance_scale=GUIDANCE_SCALE,
                max_new_tokens=new_tokens,
                stopping_criteria=StoppingCriteriaList([_step_counter(new_tokens, progress)]),
                **cache,
            )
        progress(1.0)
        return np.asarray(audio[0].float().cpu().numpy(), dtype=np.float32)

    def generate(
        self, description: str, seconds: float, sample_rate: int, seed: int | None, progress: ProgressCallback
    ) -> np.ndarray:
        with self._lock:
            if seed is not None:
                import torch

                torch.manual_seed(seed)
            audio = self._continue(description, seconds, progress)
        return finish(audio, self.native_rate, seconds, sample_rate)

    def _continue(self, description: str, seconds: float, progress: ProgressCallback) -> np.ndarray:
        rate = self.native_rate
        needed = math.ceil(seconds * rate)
        first = min(seconds, self.segment_seconds)
        step = self.segment_seconds - self.prompt_seconds
        windows = 1 + max(0, math.ceil((seconds - first) / step - 1e-9))  # 0.4 / 0.4 may be 1.0000000002

        def report(window: int) -> ProgressCallback:
            return lambda fraction: progress((window + fraction) / windows)

        text = self._processor(text=[description], padding=True, return_tensors="pt")
        audio = self._generate(self.model, dict(text), math.ceil(first * self.frame_rate), report(0))
        window = 1
        while audio.shape[-1] < needed:
            prompt = audio[:, -int(self.prompt_seconds * rate) :]
            remaining = (needed - audio.shape[-1]) / rate
            new_seconds = min(self.segment_seconds - self.prompt_seconds, remaining)
            inputs = self._processor(
                audio=prompt[0] if prompt.shape[0] == 1 else prompt,
                sampling_rate=rate,
                text=[description],
                padding=True,
                return_tensors="pt",
            )
            generated = self._generate(
                self.model, dict(inputs), math.ceil(new_seconds * self.frame_rate), report(window)
            )
            audio = np.concatenate([audio, generated[:, prompt.shape[-1] :]], axis=-1)
            window += 1
        return audio

    def models(self) -> list[ModelInfo]:
        return [spec.info(self.models_dir) for spec in CATALOG if spec.backend == self.name]


def finish(audio: np.ndarray, native_rate: int, seconds: float, sample_rate: int) -> np.ndarray:
    """(channels, samples) at the model's rate -> exactly `seconds` of stereo at `sample_rate`, faded out."""
    stereo = audio.T if audio.shape[0] >= 2 else np.repeat(audio.T, 2, axis=1)
    stereo = resample(stereo[:, :2], native_rate, sample_rate)
    frames = round(seconds * sample_rate)
    if len(stereo) < frames:
        stereo = np.pad(stereo, ((0, frames - len(stereo)), (0, 0)))
    stereo = stereo[:frames].copy()
    fade = min(frames, int(min(1.5, seconds * 0.1) * sample_rate))
    if fade:
        stereo[frames - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
    peak = float(np.max(np.abs(stereo))) if frames else 0.0
    if peak > 0.89:
        stereo *= 0.89 / peak
    return stereo.astype(np.float32)
