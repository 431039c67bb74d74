"""The `chatterbox` speech backend: Resemble AI's chatterbox-tts, weights from the models dir.

chatterbox-tts pins its own torch, so only the audio image has it (installed from its own lock,
services/audio/chatterbox) and it is imported lazily here. The adapter owns what the model does not: splitting long text
into ~300-character chunks (the service joins them with crossfades), the brief's default
parameters, a per-voice cache of reference conditioning, and one generation at a time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from studio.audio.backends.base import SpeechJob
from studio.audio.models import model_spec
from studio.audio.speech import Span, Speech
from studio.core.errors import ConfigError, InvalidInput, ModelNotInstalled
from studio.core.models import ModelSpec
from studio.v1.common_pb2 import ModelInfo

#: Defaults from the product brief.
DEFAULT_CFG_WEIGHT = 0.65
DEFAULT_TEMPERATURE = 1.0
DEFAULT_EXAGGERATION = 1.0
#: Languages of the multilingual checkpoint (ISO 639-1); the original checkpoint speaks English only.
MULTILINGUAL = frozenset(
    "ar da de el en es fi fr he hi it ja ko ms nl no pl pt ru sv sw tr zh".split()  # noqa: SIM905
)
#: Parameter ranges accepted (outside them the model is unstable or meaningless).
RANGES = {"cfg_weight": (0.0, 2.0), "temperature": (0.05, 5.0), "exaggeration": (0.0, 2.0)}

#: (checkpoint dir, device) -> model object with from_local's interface.
Loader = Callable[[Path, str], Any]


def is_multilingual(path: Path) -> bool:
    return any(path.glob("t3_mtl*.safetensors")) or any(path.glob("*mtl*.json"))


def import_loader(path: Path) -> Loader:
    """The chatterbox class matching the checkpoint in `path` (imported only now)."""
    try:
        if is_multilingual(path):
            from chatterbox.mtl_tts import ChatterboxMultilingualTTS

            return ChatterboxMultilingualTTS.from_local  # type: ignore[no-any-return]
        from chatterbox.tts import ChatterboxTTS

        return ChatterboxTTS.from_local  # type: ignore[no-any-return]
    except ImportError as error:
        raise ConfigError(
            "the chatterbox backend needs chatterbox-tts "
            f"(the audio image installs it: services/audio/chatterbox): {error}"
        ) from None


class ChatterboxBackend:
    name = "chatterbox"
    crossfade = 0.05
    needs_reference = True

    def __init__(
        self,
        models_dir: Path,
        model: str = "chatterbox",
        device: str = "auto",
        *,
        chunk_chars: int = 300,
        cache_size: int = 16,
        loader: Loader | None = None,
    ) -> None:
        self.spec: ModelSpec = model_spec(model, self.name)
        self.models_dir = Path(models_dir)
        self.device_setting = device
        self.chunk_chars = chunk_chars
        self.cache_size = cache_size
        self._loader = loader
        self._model: Any = None
        self._builtin: Any = None
        self._multilingual = False
        self._cache: OrderedDict[tuple[str, float], Any] = OrderedDict()
        #: The model keeps its conditioning as state, so generations run one at a time.
        self._lock = threading.Lock()

    def load(self) -> None:
        path = self.spec.path(self.models_dir)
        if not self.spec.installed(self.models_dir):
            raise ModelNotInstalled(
                f"chatterbox weights are not in {path}; fetch them with `studio models download {self.spec.name}`"
            )
        from studio.core.devices import torch_device

        device = torch_device(self.device_setting)
        loader = self._loader or import_loader(path)
        self._multilingual = is_multilingual(path)
        self._model = loader(path, device)
        self._builtin = getattr(self._model, "conds", None)

    @property
    def model(self) -> Any:
        if self._model is None:
            raise ModelNotInstalled("the chatterbox backend is not loaded")
        return self._model

    @property
    def sample_rate(self) -> int:
        return int(self.model.sr)

    def language_id(self, language: str) -> str:
        code = language.strip().lower().replace("_", "-").split("-")[0]
        accepted = MULTILINGUAL if self._multilingual else frozenset({"en"})
        if code not in accepted:
            hint = "" if self._multilingual else " (install chatterbox-multilingual for other languages)"
            raise InvalidInput(
                f"language: chatterbox model {self.spec.name} does not speak {language!r}; "
                f"accepted: {', '.join(sorted(accepted))}{hint}"
            )
        return code

    def check(self, job: SpeechJob) -> None:
        self.language_id(job.language)
        if job.preset:
            raise InvalidInput("voice.preset: chatterbox has no preset voices; pass a registered voice profile")
        if job.profile is None and self._builtin is None:
            raise InvalidInput("voice: chatterbox needs a registered voice profile (this checkpoint has no default)")
        if abs(job.params.speed - 1.0) > 1e-6:
            raise InvalidInput("parameters.speed: chatterbox does not change speed; lower cfg_weight for slower speech")
        for name, (low, high) in RANGES.items():
            value = getattr(job.params, name)
            if value is not None and not low <= value <= high:
                raise InvalidInput(f"parameters.{name}: {value:g} is out of range; accepted {low:g} to {high:g}")

    def _conditionals(self, job: SpeechJob, exaggeration: float) -> Any:
        """The model's conditioning for this voice, prepared once per (reference, exaggeration)."""
        if job.profile is None:
            return self._builtin
        if job.reference is None:
            raise InvalidInput("voice.profile: the reference audio of this profile is missing")
        key = (job.profile.reference.get("sha256") or str(job.reference), round(exaggeration, 4))
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        self.model.prepare_conditionals(str(job.reference), exaggeration=exaggeration)
        conds = self.model.conds
        self._cache[key] = conds
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return conds

    def synthesize(self, text: str, job: SpeechJob) -> Speech:
        params = job.params
        cfg = DEFAULT_CFG_WEIGHT if params.cfg_weight is None else params.cfg_weight
        temperature = DEFAULT_TEMPERATURE if params.temperature is None else params.temperature
        exaggeration = DEFAULT_EXAGGERATION if params.exaggeration is None else params.exaggeration
        kwargs: dict[str, Any] = {"exaggeration": exaggeration, "cfg_weight": cfg, "temperature": temperature}
        if self._multilingual:
            kwargs["language_id"] = self.language_id(job.language)
        with self._lock:
            self.model.conds = self._conditionals(job, exaggeration)
            if params.seed is not None:
                import torch

                torch.manual_seed(params.seed)
            wav = self.model.generate(text, **kwargs)
        samples = _to_numpy(wav)
        speech = Speech(samples, self.sample_rate)
        speech.words = estimate_words(text, speech)
        return speech

    def models(self) -> list[ModelInfo]:
        return [spec.info(self.models_dir) for spec in _catalog(self.name)]


def _catalog(backend: str) -> list[ModelSpec]:
    from studio.audio.models import CATALOG

    return [spec for spec in CATALOG if spec.backend == backend]


def _to_numpy(wav: Any) -> np.ndarray:
    if hasattr(wav, "detach"):
        wav = wav.detach().float().cpu().numpy()
    samples = np.asarray(wav, dtype=np.float32)
    if samples.ndim > 1:
        samples = samples.reshape(-1, samples.shape[-1]).mean(axis=0)
    return samples


def estimate_words(text: str, speech: Speech) -> list[Span]:
    """Word spans estimated by letter count over the chunk's voiced stretch.

    The model reports no alignment; subtitles still need words, so they are spread in
    proportion to their length between the first and last loud frames (estimates).
    """
    from studio.audio.analysis import active_mask, frame_rms_db

    words = text.split()
    if not words or len(speech.samples) == 0:
        return []
    active = np.flatnonzero(active_mask(frame_rms_db(speech.samples, speech.sample_rate)))
    start = float(active[0]) * 0.01 if active.size else 0.0
    end = min(float(active[-1]) * 0.01 + 0.03, speech.duration) if active.size else speech.duration
    weights = np.array([max(1, sum(ch.isalnum() for ch in w)) for w in words], dtype=float)
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    return [Span(w, float(a), float(b)) for w, a, b in zip(words, edges[:-1], edges[1:], strict=True)]
