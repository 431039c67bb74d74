"""The service definition: model listing, readiness loading, cancellation mid-render."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.errors import Cancelled
from studio.v1.video_pb2 import CreateAvatarVideoRequest, ListVideoModelsRequest
from studio.video.models import CATALOG
from tests.video.conftest import VideoHarness


async def test_lists_built_in_and_downloadable_models(video: VideoHarness) -> None:
    listed = (await video.call("ListVideoModels", ListVideoModelsRequest())).models
    by_name = {m.name: m for m in listed}
    assert by_name["puppet"].installed and by_name["kenburns"].installed and by_name["puppet"].vram_gb == 0
    for spec in CATALOG:
        name = spec.name
        assert not by_name[name].installed  # the temporary models dir is empty
        assert by_name[name].vram_gb == spec.vram_gb > 0 and by_name[name].task in ("lip-sync", "image-to-video")
    assert {"wav2lip", "ltx-video", "wan2.1-i2v-480p"} <= set(by_name)


async def test_load_warms_the_default_backends(video: VideoHarness) -> None:
    assert video.definition.load is not None
    await video.definition.load()
    assert [op.rpc for op in video.definition.operations] == ["CreateAvatarVideo", "Animate", "ListVideoModels"]


async def test_cancelling_mid_render_stops_and_leaves_nothing(
    video: VideoHarness, astronaut_png: Path, speech_wav: Path
) -> None:
    request = CreateAvatarVideoRequest(
        portrait=await video.put(astronaut_png), audio=await video.put(speech_wav), width=1280, height=720
    )
    with pytest.raises(Cancelled):
        await video.call("CreateAvatarVideo", request, cancelled=lambda: any(p >= 0.1 for p in video.progress))
    assert video.outputs() == []
    assert max(video.progress) < 0.95
