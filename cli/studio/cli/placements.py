"""What residency would choose for each catalogue model: the PLACEMENT and S/IMAGE columns of `studio models`.

The plan is the one a model server makes at load time (`ResidencyManager.plan_for`), under the
configured budget, for this machine's device (measured speeds) or for a `--vram` card (nominal speeds).
Image models come with their parts (`studio.image.footprint`); other models are one part of their
catalogue size, placed whole on the device.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.models import ModelSpec
from studio.core.placement import GB, NOMINAL_12GB, DeviceProfile, Footprint
from studio.core.residency import ResidencyManager, ResidencySettings, budget_for
from studio.core.settings import StudioSettings, load_settings


@dataclass
class ModelPlanner:
    manager: ResidencyManager | None
    note: str

    @classmethod
    def for_device(cls, vram_gb: float | None) -> ModelPlanner:
        settings = load_settings(ResidencySettings)
        if vram_gb is not None:
            if vram_gb <= 0:
                from studio.core.errors import InvalidInput

                raise InvalidInput(f"--vram: {vram_gb:g} GB; give the card's memory in GB, e.g. --vram 12")
            budget = int(vram_gb * GB * settings.memory_fraction)
            profile: DeviceProfile = NOMINAL_12GB
            return cls(
                ResidencyManager(budget, "cuda", strategy=settings.placement, profile=profile),
                f"a {vram_gb:g} GB card: budget {budget / GB:.1f} GB, {profile.name}",
            )
        try:
            from studio.core.devices import torch_device
        except ImportError:
            return cls(None, "no torch here: install a model server to see placements")
        device = torch_device(load_settings(StudioSettings).device)
        manager = ResidencyManager(budget_for(device, settings), device, strategy=settings.placement)
        profile = manager.device_profile()
        return cls(
            manager, f"{profile.name}: budget {manager.budget_bytes / GB:.1f} GB (try --vram 12 for a 12 GB card)"
        )

    def device_line(self) -> str:
        return self.note

    def describe(self, service: str, spec: ModelSpec, models_dir: Path) -> tuple[str, str]:
        """(placement, expected seconds per image or "-") for one model."""
        if self.manager is None or not spec.vram_gb:
            return "-", "-"
        footprint, per_image = _footprint(service, spec, models_dir)
        chosen = self.manager.plan_for(footprint)
        label = chosen.placement.label if chosen.fits else f"does not fit ({chosen.estimate.peak_bytes / GB:.1f} GB)"
        if self.manager.device == "cpu":
            label = "cpu"
        seconds = f"~{chosen.estimate.seconds:.1f}" if per_image and chosen.fits else "-"
        return label, seconds


def _footprint(service: str, spec: ModelSpec, models_dir: Path) -> tuple[Footprint, bool]:
    """The model's parts and whether its estimate is per image (image models) or not known."""
    module: Any = None
    try:
        module = importlib.import_module(f"studio.{service}.footprint")
    except ModuleNotFoundError:
        pass
    found = module.catalog_footprint(spec, models_dir) if module is not None else None
    if found is not None:
        return found, service == "image"  # a video model's estimate is per clip, not per image
    return Footprint.single(int(spec.vram_gb * GB), spec.name), False
