"""How a test runs one job on each hosted provider: through its service's own operation, as a job would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from studio.audio.service import build_service as audio_service
from studio.audio.settings import AudioSettings
from studio.core.artifacts import ArtifactStore
from studio.core.operations import OperationContext, ServiceDefinition
from studio.core.providers.settings import ProviderSettings
from studio.image.service import build_service as image_service
from studio.image.settings import ImageSettings
from studio.v1.audio_pb2 import AUDIO_FORMAT_WAV, SynthesizeRequest
from studio.v1.common_pb2 import ArtifactRef, Progress
from studio.v1.image_pb2 import IMAGE_FORMAT_PNG, GenerateRequest
from studio.v1.video_pb2 import AnimateRequest
from studio.video.service import build_service as video_service
from studio.video.settings import VideoSettings


@dataclass(frozen=True)
class Driver:
    provider: str
    service: str
    rpc: str
    #: Whether the provider's API can cancel a job (Kling and MiniMax have no cancel endpoint).
    cancels: bool = True
    #: Whether jobs are queued and polled (ElevenLabs answers synchronously).
    queued: bool = True
    #: Whether results come back as URLs to download (ElevenLabs sends the audio inline).
    result_url: bool = True

    def __str__(self) -> str:
        return self.provider


DRIVERS = (
    Driver("fal", "image", "Generate"),
    Driver("replicate", "image", "Generate"),
    Driver("elevenlabs", "audio", "Synthesize", cancels=False, queued=False, result_url=False),
    Driver("kling", "video", "Animate", cancels=False),
    Driver("runway", "video", "Animate"),
    Driver("luma", "video", "Animate"),
    Driver("minimax", "video", "Animate", cancels=False),
)
BY_NAME = {driver.provider: driver for driver in DRIVERS}
TEXT = "Oi, Pip! Você quer ser meu amigo?"


def definition(driver: Driver, store: ArtifactStore, settings: ProviderSettings) -> ServiceDefinition:
    if driver.service == "image":
        return image_service(store, ImageSettings(), providers=settings)
    if driver.service == "audio":
        return audio_service(store, settings=AudioSettings(), providers=settings)
    return video_service(store, VideoSettings(), providers=settings)


def request(driver: Driver, still: ArtifactRef | None) -> Message:
    if driver.service == "image":
        return GenerateRequest(prompt="a tiny magical fox", width=256, height=144, seed=7, backend=driver.provider,
                               format=IMAGE_FORMAT_PNG)  # fmt: skip
    if driver.service == "audio":
        return SynthesizeRequest(text=TEXT, language="pt-br", backend=driver.provider, format=AUDIO_FORMAT_WAV)
    assert still is not None
    return AnimateRequest(image=still, motion="slow zoom in", duration_seconds=2.0, width=320, height=180, fps=10,
                          seed=3, backend=driver.provider)  # fmt: skip


async def run(
    driver: Driver,
    store: ArtifactStore,
    settings: ProviderSettings,
    still: ArtifactRef | None = None,
    *,
    progress: list[Progress] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    message: Message | None = None,
) -> Any:
    """Run the driver's operation the way the job worker does (`Operation.invoke`)."""
    service = definition(driver, store, settings)
    sink = progress if progress is not None else []

    async def on_progress(update: Progress) -> None:
        sink.append(update)

    ctx = OperationContext(artifacts=store, on_progress=on_progress, is_cancelled=cancelled)
    return await service.operation(driver.rpc).invoke(message or request(driver, still), ctx)
