"""The video model server: CreateAvatarVideo, Animate, ListVideoModels."""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.message import Message

from studio.core.artifacts import ArtifactStore
from studio.core.costs import estimated_gpu, total
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.core.providers.settings import ProviderSettings
from studio.core.settings import load_settings
from studio.v1.common_pb2 import Cost
from studio.v1.video_pb2 import (
    AnimateRequest,
    AnimateResponse,
    AnimateResult,
    CreateAvatarVideoRequest,
    CreateAvatarVideoResponse,
    CreateAvatarVideoResult,
    ListVideoModelsRequest,
    ListVideoModelsResponse,
)
from studio.video.animate.hosted.clip import HostedAnimateBackend
from studio.video.animate.kenburns import KenBurnsBackend
from studio.video.animation import ANIMATE_BACKENDS, DEFAULT_SECONDS, Animator, AnyAnimateBackend
from studio.video.avatar import AvatarMaker
from studio.video.backends import AnimateBackend, AvatarBackend
from studio.video.models import model_infos
from studio.video.puppet.backend import PuppetBackend
from studio.video.requests import backend_of
from studio.video.settings import VideoSettings


def _wav2lip(settings: VideoSettings) -> AvatarBackend:
    from studio.video.neural.backend import Wav2LipBackend  # torch is an extra: import only when asked for

    return Wav2LipBackend.from_models_dir(settings.models_dir, settings.device, batch_size=settings.lipsync_batch_size)


def _diffusers(settings: VideoSettings, model: str) -> AnimateBackend:
    from studio.video.animate.diffusers_i2v import DiffusersBackend

    return DiffusersBackend.from_models_dir(settings.models_dir, model, settings.device, steps=settings.i2v_steps)


def _hosted(name: str, settings: VideoSettings, providers: ProviderSettings) -> HostedAnimateBackend:
    if name == "kling":
        from studio.video.animate.hosted.kling import KlingBackend

        return KlingBackend(providers, settings.kling_mode, settings.kling_model)
    if name == "runway":
        from studio.video.animate.hosted.runway import RunwayBackend

        return RunwayBackend(providers)
    if name == "luma":
        from studio.video.animate.hosted.luma import LumaBackend

        return LumaBackend(providers)
    from studio.video.animate.hosted.minimax import MinimaxBackend

    return MinimaxBackend(providers)


HOSTED = ("kling", "runway", "luma", "minimax")
#: Rough GPU time for estimates (the actual cost of local GPU work is measured while it runs).
I2V_GPU_SECONDS_PER_SECOND = 20.0
LIPSYNC_GPU_SECONDS = 5.0


def build_service(
    artifacts: ArtifactStore, settings: VideoSettings | None = None, providers: ProviderSettings | None = None
) -> ServiceDefinition:
    settings = settings or load_settings(VideoSettings)
    hosted = providers or load_settings(ProviderSettings)
    avatars = AvatarMaker(settings, {"puppet": PuppetBackend, "wav2lip": lambda: _wav2lip(settings)})
    factories: dict[str, Callable[[str], AnyAnimateBackend]] = {
        "kenburns": lambda _model: KenBurnsBackend(),
        "diffusers": lambda m: _diffusers(settings, m),
    }
    for name in HOSTED:
        factories[name] = lambda _model, name=name: _hosted(name, settings, hosted)  # type: ignore[misc]
    animator = Animator(settings, factories)

    async def create_avatar_video(request: CreateAvatarVideoRequest, ctx: OperationContext) -> CreateAvatarVideoResult:
        return await avatars.create(request, ctx)

    async def animate(request: AnimateRequest, ctx: OperationContext) -> AnimateResult:
        return await animator.animate(request, ctx)

    async def list_video_models(_: ListVideoModelsRequest, ctx: OperationContext) -> ListVideoModelsResponse:
        listed = [info for name in HOSTED for info in _hosted(name, settings, hosted).models()]
        return ListVideoModelsResponse(models=[*model_infos(settings.models_dir), *listed])

    def estimate(rpc: str, request: Message) -> Cost:
        """Hosted clips at their providers' prices, local GPU models by estimated GPU time, CPU backends free."""
        if rpc == "Animate":
            assert isinstance(request, AnimateRequest)
            name = backend_of(request.backend, settings.animate_backend, ANIMATE_BACKENDS)
            seconds = request.duration_seconds or DEFAULT_SECONDS
            if name in HOSTED:
                return total(_hosted(name, settings, hosted).estimate(seconds))
            if name == "diffusers":
                return total(
                    [estimated_gpu(request.model or settings.i2v_model, I2V_GPU_SECONDS_PER_SECOND * seconds, settings)]
                )
        elif rpc == "CreateAvatarVideo":
            assert isinstance(request, CreateAvatarVideoRequest)
            if (request.backend or settings.avatar_backend) == "wav2lip":
                return total([estimated_gpu("wav2lip", LIPSYNC_GPU_SECONDS, settings)])
        return total([])

    async def load() -> None:
        # Default backends load (and the cascades are read) before health turns SERVING.
        await avatars.backend(settings.avatar_backend)
        await animator.backend(settings.animate_backend, settings.i2v_model)
        from studio.video.face.detect import warm_up

        warm_up()

    return ServiceDefinition(
        name="video",
        grpc_service="studio.v1.VideoService",
        operations=[
            Operation("CreateAvatarVideo", CreateAvatarVideoRequest, CreateAvatarVideoResponse, create_avatar_video),
            Operation("Animate", AnimateRequest, AnimateResponse, animate),
            Operation(
                "ListVideoModels", ListVideoModelsRequest, ListVideoModelsResponse, list_video_models, unary=True
            ),
        ],
        load=load,
        estimate=estimate,
        backends=(settings.avatar_backend, settings.animate_backend),
    )
