"""The video model server: CreateAvatarVideo, Animate, ListVideoModels."""

from __future__ import annotations

from studio.core.artifacts import ArtifactStore
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.core.settings import load_settings
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
from studio.video.animate.kenburns import KenBurnsBackend
from studio.video.animation import Animator
from studio.video.avatar import AvatarMaker
from studio.video.backends import AnimateBackend, AvatarBackend
from studio.video.models import model_infos
from studio.video.puppet.backend import PuppetBackend
from studio.video.settings import VideoSettings


def _wav2lip(settings: VideoSettings) -> AvatarBackend:
    from studio.video.neural.backend import Wav2LipBackend  # torch is an extra: import only when asked for

    return Wav2LipBackend.from_models_dir(settings.models_dir, settings.device, batch_size=settings.lipsync_batch_size)


def _diffusers(settings: VideoSettings, model: str) -> AnimateBackend:
    from studio.video.animate.diffusers_i2v import DiffusersBackend

    return DiffusersBackend.from_models_dir(settings.models_dir, model, settings.device, steps=settings.i2v_steps)


def build_service(artifacts: ArtifactStore, settings: VideoSettings | None = None) -> ServiceDefinition:
    settings = settings or load_settings(VideoSettings)
    avatars = AvatarMaker(settings, {"puppet": PuppetBackend, "wav2lip": lambda: _wav2lip(settings)})
    animator = Animator(
        settings, {"kenburns": lambda _model: KenBurnsBackend(), "diffusers": lambda m: _diffusers(settings, m)}
    )

    async def create_avatar_video(request: CreateAvatarVideoRequest, ctx: OperationContext) -> CreateAvatarVideoResult:
        return await avatars.create(request, ctx)

    async def animate(request: AnimateRequest, ctx: OperationContext) -> AnimateResult:
        return await animator.animate(request, ctx)

    async def list_video_models(_: ListVideoModelsRequest, ctx: OperationContext) -> ListVideoModelsResponse:
        return ListVideoModelsResponse(models=model_infos(settings.models_dir))

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
        backends=(settings.avatar_backend, settings.animate_backend),
    )
