"""The synchronous client: the asynchronous one driven by a private event loop.

    with StudioClient("http://127.0.0.1:8080", api_key=KEY) as studio:
        project = studio.create_project(name="Meu Avatar AI", type="mixed")
        voice = studio.clone_voice("minha_voz.mp3", name="Minha Voz")
        image = studio.generate_image(prompt="Professional headshot")
        avatar = studio.create_avatar(image_id=image.id, voice_id=voice.id, script="Olá, sou seu assistente AI!")
        studio.download(avatar, "avatar.mp4")

Inside async code use `AsyncStudioClient` instead (this one cannot run in a running event loop).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from studio.sdk.client import AsyncStudioClient, ProjectCallback
from studio.sdk.types import Asset, Audio, Image, Job, Project, ProjectDetail, Video, Voice

if TYPE_CHECKING:  # the pipeline is loaded only when an estimate is asked for
    from studio.sdk.costs import Estimate

T = TypeVar("T")


class StudioClient:
    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        *,
        timeout: float = 120.0,
        poll_interval: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 5,
        retry_max_wait: float = 60.0,
    ) -> None:
        self._runner = asyncio.Runner()
        self._async = AsyncStudioClient(
            base_url,
            api_key,
            timeout=timeout,
            poll_interval=poll_interval,
            transport=transport,
            retries=retries,
            retry_max_wait=retry_max_wait,
        )

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coro)

    def __enter__(self) -> StudioClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._run(self._async.aclose())
        self._runner.close()

    @property
    def aio(self) -> AsyncStudioClient:
        """The underlying asynchronous client."""
        return self._async

    def get_job(self, job: Job | str) -> Job:
        return self._run(self._async.get_job(job))

    def list_jobs(self, **filters: Any) -> list[Job]:
        """Filters: status, type, project_id, limit, offset."""
        return self._run(self._async.list_jobs(**filters))

    def cancel_job(self, job: Job | str) -> Job:
        return self._run(self._async.cancel_job(job))

    def wait(self, job: Job | str, *, timeout: float | None = None, raise_on_failure: bool = True) -> Job:
        return self._run(self._async.wait(job, timeout=timeout, raise_on_failure=raise_on_failure))

    def upload_asset(self, path: Path | str, *, project_id: str | None = None) -> Asset:
        return self._run(self._async.upload_asset(path, project_id=project_id))

    def get_asset(self, asset: Asset | str) -> Asset:
        return self._run(self._async.get_asset(asset))

    def download(self, asset: Asset | Image | Audio | Video | str, dest: Path | str) -> Path:
        return self._run(self._async.download(asset, dest))

    def clone_voice(self, audio_file: Path | str, *, name: str, language: str = "", wait: bool = True) -> Voice:
        return self._run(self._async.clone_voice(audio_file, name=name, language=language, wait=wait))

    def get_voice(self, voice: Voice | str) -> Voice:
        return self._run(self._async.get_voice(voice))

    def list_voices(self) -> list[Voice]:
        return self._run(self._async.list_voices())

    def delete_voice(self, voice: Voice | str) -> None:
        self._run(self._async.delete_voice(voice))

    def generate_speech(self, text: str, **options: Any) -> Audio:
        """Options: voice_id, preset, language, backend, speed, format, project_id."""
        return self._run(self._async.generate_speech(text, **options))

    def generate_music(self, description: str, **options: Any) -> Audio:
        """Options: duration_seconds, backend, seed, project_id."""
        return self._run(self._async.generate_music(description, **options))

    def generate_image(self, prompt: str, **options: Any) -> Image:
        """Options: model, width, height, seed, steps, negative_prompt, backend, project_id."""
        return self._run(self._async.generate_image(prompt, **options))

    def upscale_image(self, image_id: str, **options: Any) -> Image:
        """Options: factor, model, backend, format, project_id."""
        return self._run(self._async.upscale_image(image_id, **options))

    def create_avatar(self, image_id: str, **options: Any) -> Video:
        """Options: voice_id, script or audio_id, language, preset, width, height, fps, backend, project_id."""
        return self._run(self._async.create_avatar(image_id, **options))

    def animate(self, image_id: str, **options: Any) -> Video:
        """Options: motion, duration_seconds, width, height, fps, backend, project_id."""
        return self._run(self._async.animate(image_id, **options))

    def create_project(self, name: str, *, type: str = "mixed") -> Project:
        return self._run(self._async.create_project(name, type=type))

    def generate_content(self, project: Project | str, screenplay: Mapping[str, Any] | str) -> Project:
        return self._run(self._async.generate_content(project, screenplay))

    def estimate(self, screenplay: Mapping[str, Any] | str, *, backends: Mapping[str, str] | None = None) -> Estimate:
        """What producing the screenplay would cost on this studio (see AsyncStudioClient.estimate)."""
        return self._run(self._async.estimate(screenplay, backends=backends))

    def get_project(self, project: Project | str) -> ProjectDetail:
        return self._run(self._async.get_project(project))

    def list_projects(self, *, limit: int = 50, offset: int = 0) -> list[Project]:
        return self._run(self._async.list_projects(limit=limit, offset=offset))

    def wait_project(
        self, project: Project | str, *, on_update: ProjectCallback | None = None, timeout: float | None = None
    ) -> ProjectDetail:
        return self._run(self._async.wait_project(project, on_update=on_update, timeout=timeout))
