"""The diffusers image-to-video backend on a tiny random LTX-Video pipeline, loaded through the service's own loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from studio.core.errors import Cancelled
from studio.v1.video_pb2 import AnimateRequest, ListVideoModelsRequest
from studio.video.animate.diffusers_i2v import RULES, DiffusersBackend, generation_frames, generation_size
from studio.video.backends import AnimateJob
from tests.video.conftest import decode_frames, make_harness, probe_streams
from tests.video.tiny_models import save_tiny_ltx_i2v


def test_generation_shapes_follow_the_pipeline_rules() -> None:
    ltx, wan = RULES["LTXImageToVideoPipeline"], RULES["WanImageToVideoPipeline"]
    assert generation_size((1280, 720), ltx) == (832, 448)
    assert generation_size((128, 128), ltx) == (128, 128)
    assert generation_size((720, 1280), wan)[0] % 16 == 0
    assert generation_frames(125, ltx) == 129 and generation_frames(9, ltx) == 9 and generation_frames(10, wan) == 13


@pytest.mark.slow
async def test_tiny_ltx_animates_an_image(tmp_path: Path) -> None:
    pytest.importorskip("diffusers")
    save_tiny_ltx_i2v(tmp_path / "models" / "ltx-video")
    video = make_harness(tmp_path, i2v_steps=2, device="cpu")
    listed = await video.call("ListVideoModels", ListVideoModelsRequest())
    assert {m.name: m.installed for m in listed.models}["ltx-video"] is True

    image = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(image)
    request = AnimateRequest(
        image=await video.put(image), motion="steam rises", duration_seconds=0.36, width=128, height=128, seed=3
    )
    request.backend, request.model = "diffusers", "ltx-video"
    result = await video.call("Animate", request)
    assert (result.backend, result.frames, result.width, result.height) == ("diffusers", 9, 128, 128)
    assert "ltx-video" in result.motion and "steam rises" in result.motion
    out = await video.fetch(result.video, tmp_path / "clip.mp4")
    assert probe_streams(out)["video"]["codec_name"] == "h264"
    frames = decode_frames(out, 128, 128)
    assert frames.shape == (9, 128, 128, 3)
    assert np.std(frames.astype(np.float32)) > 1.0  # the random network produced pictures, not a blank

    # A cancelled run stops inside the denoising loop, not after it.
    backend = DiffusersBackend.from_models_dir(tmp_path / "models", "ltx-video", "cpu", steps=2)
    job = AnimateJob(image=data.coffee(), motion="", size=(128, 128), fps=25, frames=9)
    job.cancel.set()
    async with backend.resident.hold():
        with pytest.raises(Cancelled, match="denoising"):
            next(backend.frames(job))
