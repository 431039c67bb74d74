"""The `wav2lip` backend: batches of face crops and mel windows through a Wav2Lip-class network.

Loads through residency (held while a talking head renders) from `$STUDIO_MODELS_DIR/wav2lip/`: a published checkpoint
(`wav2lip_gan.pth` / `wav2lip.pth`, published widths) or `model.safetensors`
with a `config.json` giving the widths. Each frame's face crop (lower half
masked) and its reference crop go in with the mel window at that time; the
generated face is pasted back with a feathered mask over the lower face.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from studio.core.errors import ConfigError, ModelNotInstalled
from studio.core.gpu_lease import shared_residency
from studio.core.placement import Footprint
from studio.core.residency import ResidencyManager, ResidentModel
from studio.video.backends import AvatarJob
from studio.video.face.layout import FaceLayout
from studio.video.models import WAV2LIP
from studio.video.neural.mel import mel_windows, melspectrogram
from studio.video.neural.network import Wav2Lip, Wav2LipConfig
from studio.video.puppet.geometry import smoothstep

log = logging.getLogger(__name__)
CHECKPOINTS = ("model.safetensors", "wav2lip_gan.pth", "wav2lip.pth")


def save_wav2lip(model: Wav2Lip, folder: Path) -> Path:
    """Write `model` the way this loader reads it: config.json + model.safetensors."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(model.config.to_json(), indent=2))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(folder / "model.safetensors"))
    return folder


def _state_dict(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    loaded: Any = torch.load(path, map_location="cpu", weights_only=True)
    state = loaded.get("state_dict", loaded) if isinstance(loaded, dict) else loaded
    return {key.removeprefix("module."): value for key, value in state.items()}


def checkpoint(folder: Path) -> Path:
    """The checkpoint file in `folder`; ModelNotInstalled if there is none."""
    path = next((folder / name for name in CHECKPOINTS if (folder / name).is_file()), None)
    if path is None:
        raise ModelNotInstalled(
            f"wav2lip is not installed: put wav2lip_gan.pth (or model.safetensors + config.json) in {folder}"
        )
    return path


def load_wav2lip(folder: Path) -> Wav2Lip:
    """The network in `folder`; ModelNotInstalled if there is none, ConfigError if it does not fit the architecture."""
    path = checkpoint(folder)
    config_file = folder / "config.json"
    config = Wav2LipConfig.from_json(json.loads(config_file.read_text())) if config_file.is_file() else Wav2LipConfig()
    model = Wav2Lip(config)
    try:
        model.load_state_dict(_state_dict(path), strict=True)
    except (RuntimeError, KeyError, ValueError) as error:
        raise ConfigError(f"{path} does not match the Wav2Lip architecture in {config_file}: {error}") from None
    return model.eval()


def face_crop(layout: FaceLayout, width: int, height: int) -> tuple[int, int, int, int]:
    """The square-ish crop the network sees: the face box, extended down to take in the chin."""
    x, y, w, h = layout.box
    x0, y0 = max(0, int(x)), max(0, int(y))
    x1, y1 = min(width, int(x + w)), min(height, int(y + h * 1.12) + 1)
    return x0, y0, x1, y1


class Wav2LipBackend:
    name = "wav2lip"

    def __init__(self, folder: Path, device: str, batch_size: int, residency: ResidencyManager | None = None) -> None:
        weights = checkpoint(folder).stat().st_size  # float32 on disk, as in memory
        self.device = device
        self.batch_size = batch_size
        self.resident: ResidentModel[Wav2Lip] = ResidentModel(
            f"video/wav2lip:{folder}",
            lambda: Footprint.single(weights, "wav2lip"),
            lambda _placement: load_wav2lip(folder).to(device),
            residency or shared_residency(device),
        )

    @classmethod
    def from_models_dir(cls, models_dir: Path, device_setting: str, *, batch_size: int) -> Wav2LipBackend:
        from studio.core.devices import torch_device

        return cls(WAV2LIP.path(models_dir), torch_device(device_setting), batch_size)

    @property
    def model(self) -> Wav2Lip:
        if self.resident.current is None:
            raise ModelNotInstalled("the wav2lip backend is not loaded (hold it through residency first)")
        return self.resident.current

    def driver(self, job: AvatarJob) -> str:
        return "audio"  # mel windows of the speech itself; phoneme timings are not used

    def frames(self, job: AvatarJob) -> Iterator[np.ndarray]:
        c = self.model.config
        height, width = job.canvas.shape[:2]
        x0, y0, x1, y1 = face_crop(job.layout, width, height)
        crop = np.ascontiguousarray(job.canvas[y0:y1, x0:x1, ::-1])  # the published networks were trained on BGR
        face = cv2.resize(crop, (c.img_size, c.img_size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        masked = face.copy()
        masked[c.img_size // 2 :] = 0.0
        face_input = torch.from_numpy(np.concatenate([masked, face], axis=2).transpose(2, 0, 1).copy())
        mels = mel_windows(melspectrogram(job.speech.samples), job.fps, job.frames, c.mel_steps)
        # Blend only the lower face back, fading in from just under the eyes.
        rows = np.linspace(0.0, 1.0, y1 - y0, dtype=np.float32)[:, None, None]
        blend = smoothstep(0.45, 0.6, rows) * np.ones((1, x1 - x0, 1), np.float32)
        frame = job.canvas.copy()
        base = job.canvas[y0:y1, x0:x1].astype(np.float32)
        for start in range(0, job.frames, self.batch_size):
            batch = mels[start : start + self.batch_size]
            with torch.inference_mode():
                out = self.model(
                    torch.from_numpy(batch[:, None]).to(self.device),
                    face_input[None].expand(len(batch), -1, -1, -1).to(self.device),
                )
            generated = (out.float().cpu().numpy().transpose(0, 2, 3, 1)[..., ::-1] * 255.0).clip(0, 255)
            for item in generated:
                mouth = cv2.resize(item, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
                frame[y0:y1, x0:x1] = (base + (mouth - base) * blend).astype(np.uint8)
                yield frame
