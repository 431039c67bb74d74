"""The asynchronous Python client of a Media Studio gateway (httpx).

    async with AsyncStudioClient("http://127.0.0.1:8080", api_key=KEY) as studio:
        voice = await studio.clone_voice("minha_voz.mp3", name="Minha Voz")
        image = await studio.generate_image(prompt="Professional headshot")
        avatar = await studio.create_avatar(image_id=image.id, voice_id=voice.id, script="Olá!")
        await studio.download(avatar.id, "avatar.mp4")

Generation methods wait for their job (using `Prefer: wait`, then polling) and
return typed results whose `id` is the output asset's id; failed jobs raise the
studio error matching their code (InvalidInput, FailedPrecondition, ...).

Answers that say "come back soon" (503 while the gateway's database restarts, 429 rate
limits) and connections that could not be made are retried, honouring `Retry-After`, up to
`retries` more times and `retry_max_wait` seconds in all (`retries=0` turns it off). Only
requests that are safe to repeat are retried: GETs, and POSTs, which the client sends with an
`Idempotency-Key` of their own so a repeated one is answered by the gateway with the first
one's response instead of being done twice.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from studio.core.errors import InvalidInput, StudioError, Unavailable
from studio.core.retry_after import retry_after_seconds
from studio.sdk.errors import error_for, job_error
from studio.sdk.types import Asset, Audio, Image, Job, Project, ProjectDetail, Video, Voice

if TYPE_CHECKING:  # the pipeline is loaded only when an estimate is asked for
    from studio.sdk.costs import Estimate

#: Seconds a generation request asks the gateway to hold the answer (the gateway caps it at 60).
PREFER_WAIT = 30
USER_AGENT = "media-studio-sdk/0.1"

ProjectCallback = Callable[[ProjectDetail], Awaitable[None] | None]
#: Answers worth another try after a pause: rate limited, and unavailable for a moment.
RETRY_STATUSES = frozenset({429, 503})
#: The pause before a retry whose answer named none (doubling each time).
RETRY_BASE = 0.5


def retry_after(response: httpx.Response, fallback: float) -> float:
    """The pause a response asks for (`Retry-After`: seconds or an HTTP date), else `fallback`."""
    seconds = retry_after_seconds(response.headers)
    return fallback if seconds is None else seconds


def _rewind(files: Any) -> None:
    """Put multipart file handles back at their start, so a retried upload sends the whole file."""
    items = files.values() if isinstance(files, Mapping) else files or ()
    for item in items:
        handle = item[1] if isinstance(item, tuple) else item
        if hasattr(handle, "seek"):
            handle.seek(0)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


def _id(thing: _HasId | str) -> str:
    return thing if isinstance(thing, str) else thing.id


def _drop_none(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


class AsyncStudioClient:
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
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInput(f"server: {base_url!r} is not an http(s) URL")
        headers = {"User-Agent": USER_AGENT}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.base_url = base_url.rstrip("/")
        self.poll_interval = poll_interval
        self.retries = max(0, retries)
        self.retry_max_wait = retry_max_wait
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport)

    async def __aenter__(self) -> AsyncStudioClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- transport -------------------------------------------------------------------------

    @asynccontextmanager
    async def _send(self, method: str, path: str, *, stream: bool = False, **kwargs: Any) -> AsyncIterator[Any]:
        """Send a request, retrying what is safe to retry; yields the final response (open, when `stream`)."""
        headers = dict(kwargs.pop("headers", None) or {})
        if method == "POST":
            headers.setdefault("Idempotency-Key", f"sdk-{uuid.uuid4()}")
        retryable = method in ("GET", "HEAD") or "Idempotency-Key" in headers
        follow = bool(kwargs.pop("follow_redirects", False))
        deadline = time.monotonic() + self.retry_max_wait
        attempt = 0
        while True:
            _rewind(kwargs.get("files"))
            pause = RETRY_BASE * 2**attempt
            request = self._http.build_request(method, path, headers=headers, **kwargs)
            try:
                response = await self._http.send(request, stream=stream, follow_redirects=follow)
            except httpx.ConnectError as error:  # never reached the gateway: safe to try again
                if not retryable or attempt >= self.retries or time.monotonic() + pause > deadline:
                    raise Unavailable(f"the gateway at {self.base_url} is unreachable: {error}") from None
            except httpx.TimeoutException:
                raise Unavailable(f"the gateway at {self.base_url} did not answer in time") from None
            except httpx.HTTPError as error:
                raise Unavailable(f"the gateway at {self.base_url} is unreachable: {error}") from None
            else:
                if response.status_code not in RETRY_STATUSES or not retryable or attempt >= self.retries:
                    try:
                        yield response
                    finally:
                        await response.aclose()
                    return
                pause = retry_after(response, pause)
                await response.aread()
                await response.aclose()
                if time.monotonic() + pause > deadline:  # no time left to wait: the answer as it is
                    raise error_for(response)
            attempt += 1
            await asyncio.sleep(pause)

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self._send(method, path, **kwargs) as response:
            if response.status_code >= 400:
                raise error_for(response)
            if response.status_code == 204 or not response.content:
                return None
            return response.json()

    async def submit(self, path: str, body: Mapping[str, Any]) -> Job:
        """POST any generation endpoint with the full REST body (every field the gateway accepts) and wait."""
        data = await self._request("POST", path, json=_drop_none(body), headers={"Prefer": f"wait={PREFER_WAIT}"})
        return await self.wait(Job.from_json(data))

    # -- jobs ------------------------------------------------------------------------------

    async def get_job(self, job: Job | str) -> Job:
        return Job.from_json(await self._request("GET", f"/api/v1/jobs/{_id(job)}"))

    async def list_jobs(
        self,
        *,
        status: str | None = None,
        type: str | None = None,
        project_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Job]:
        params = _drop_none(
            {"status": status, "type": type, "project_id": project_id, "limit": limit, "offset": offset}
        )
        page = await self._request("GET", "/api/v1/jobs", params=params)
        return [Job.from_json(item) for item in page["items"]]

    async def cancel_job(self, job: Job | str) -> Job:
        return Job.from_json(await self._request("POST", f"/api/v1/jobs/{_id(job)}/cancel"))

    async def wait(self, job: Job | str, *, timeout: float | None = None, raise_on_failure: bool = True) -> Job:
        """Poll until the job is completed, failed or cancelled; a failure raises its studio error."""
        current = job if isinstance(job, Job) else await self.get_job(job)
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = self.poll_interval
        while not current.done:
            if deadline is not None and time.monotonic() > deadline:
                raise Unavailable(f"job {current.id} did not finish within {timeout:g} s (status {current.status})")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 5.0)
            current = await self.get_job(current.id)
        if raise_on_failure and current.status != "completed":
            error = current.error
            message = f"job {current.id} ({current.type}) {current.status}: {error.message if error else 'no detail'}"
            raise job_error(error.code if error else "internal", message)
        return current

    # -- assets ----------------------------------------------------------------------------

    async def upload_asset(self, path: Path | str, *, project_id: str | None = None) -> Asset:
        """Upload an image or audio file (to use as a job input); returns its asset."""
        path = Path(path)
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
        with path.open("rb") as handle:
            files = {"file": (path.name, handle)}
            data = _drop_none({"project_id": project_id})
            return Asset.from_json(await self._request("POST", "/api/v1/assets", files=files, data=data))

    async def get_asset(self, asset: Asset | str) -> Asset:
        return Asset.from_json(await self._request("GET", f"/api/v1/assets/{_id(asset)}"))

    async def download(self, asset: Asset | Image | Audio | Video | str, dest: Path | str) -> Path:
        """Write an asset's bytes to `dest` (atomically: it appears complete or not at all)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.part")
        try:
            async with self._send(
                "GET", f"/api/v1/assets/{_id(asset)}/download", stream=True, follow_redirects=True
            ) as r:
                if r.status_code >= 400:
                    await r.aread()
                    raise error_for(r)
                with tmp.open("wb") as handle:
                    async for chunk in r.aiter_bytes():
                        handle.write(chunk)
            tmp.replace(dest)
        except httpx.HTTPError as error:
            raise Unavailable(f"download of asset {_id(asset)} failed: {error}") from None
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    # -- audio -----------------------------------------------------------------------------

    async def clone_voice(self, audio_file: Path | str, *, name: str, language: str = "", wait: bool = True) -> Voice:
        """Register a voice from a recording (15 s or more of one speaker clones best)."""
        path = Path(audio_file)
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
        with path.open("rb") as handle:
            files = {"sample": (path.name, handle)}
            accepted = await self._request(
                "POST", "/api/v1/audio/clone-voice", files=files, data={"name": name, "language": language}
            )
        voice = Voice.from_json(accepted["voice"])
        if wait:
            await self.wait(Job.from_json(accepted["job"]))
            voice = await self.get_voice(voice.id)
        return voice

    async def get_voice(self, voice: Voice | str) -> Voice:
        return Voice.from_json(await self._request("GET", f"/api/v1/audio/voices/{_id(voice)}"))

    async def list_voices(self) -> list[Voice]:
        return [Voice.from_json(item) for item in await self._request("GET", "/api/v1/audio/voices")]

    async def delete_voice(self, voice: Voice | str) -> None:
        await self._request("DELETE", f"/api/v1/audio/voices/{_id(voice)}")

    async def generate_speech(
        self,
        text: str,
        *,
        voice_id: str | None = None,
        preset: str | None = None,
        language: str = "",
        backend: str = "",
        speed: float | None = None,
        format: str = "wav",
        project_id: str | None = None,
    ) -> Audio:
        body = {"text": text, "voice_id": voice_id, "preset": preset, "language": language, "backend": backend,
                "speed": speed, "format": format, "project_id": project_id}  # fmt: skip
        job = await self.submit("/api/v1/audio/generate-speech", body)
        return Audio(_output(job, "audio").id, float((job.result or {}).get("duration_seconds", 0.0)), job)

    async def generate_music(
        self,
        description: str,
        *,
        duration_seconds: float = 30.0,
        backend: str = "",
        seed: int | None = None,
        project_id: str | None = None,
    ) -> Audio:
        body = {"description": description, "duration_seconds": duration_seconds, "backend": backend, "seed": seed,
                "project_id": project_id}  # fmt: skip
        job = await self.submit("/api/v1/audio/generate-music", body)
        return Audio(_output(job, "audio").id, float((job.result or {}).get("duration_seconds", 0.0)), job)

    # -- image -----------------------------------------------------------------------------

    async def generate_image(
        self,
        prompt: str,
        *,
        model: str = "",
        width: int = 0,
        height: int = 0,
        seed: int | None = None,
        steps: int = 0,
        negative_prompt: str = "",
        backend: str = "",
        project_id: str | None = None,
    ) -> Image:
        body = {"prompt": prompt, "model": model, "width": width, "height": height, "seed": seed, "steps": steps,
                "negative_prompt": negative_prompt, "backend": backend, "project_id": project_id}  # fmt: skip
        job = await self.submit("/api/v1/image/generate", body)
        first = ((job.result or {}).get("images") or [{}])[0]
        return Image(
            _output(job, "images.0.image").id, int(first.get("width", 0)), int(first.get("height", 0)),
            int(first.get("seed", 0)), job,
        )  # fmt: skip

    async def upscale_image(
        self,
        image_id: str,
        *,
        factor: int = 2,
        model: str = "",
        backend: str = "",
        format: str = "png",
        project_id: str | None = None,
    ) -> Image:
        """Enlarge the image asset `image_id` 2x or 4x."""
        body = {"image_asset_id": image_id, "factor": factor, "model": model, "backend": backend, "format": format,
                "project_id": project_id}  # fmt: skip
        job = await self.submit("/api/v1/image/upscale", body)
        out = (job.result or {}).get("image") or {}
        return Image(
            _output(job, "image.image").id, int(out.get("width", 0)), int(out.get("height", 0)),
            int(out.get("seed", 0)), job,
        )  # fmt: skip

    # -- video -----------------------------------------------------------------------------

    async def create_avatar(
        self,
        image_id: str,
        *,
        voice_id: str | None = None,
        script: str | None = None,
        audio_id: str | None = None,
        language: str = "",
        preset: str | None = None,
        width: int = 0,
        height: int = 0,
        fps: int = 0,
        backend: str = "",
        project_id: str | None = None,
    ) -> Video:
        """A talking head of the portrait `image_id` saying `script` (spoken first) or playing `audio_id`."""
        if (script is None) == (audio_id is None):
            raise InvalidInput("create_avatar: give `script` (text to speak) or `audio_id` (speech asset), one of them")
        if script is not None:
            speech = await self.generate_speech(
                script, voice_id=voice_id, preset=preset, language=language, project_id=project_id
            )
            audio_id = speech.id
        body = {"portrait_asset_id": image_id, "audio_asset_id": audio_id, "width": width, "height": height,
                "fps": fps, "backend": backend, "project_id": project_id}  # fmt: skip
        job = await self.submit("/api/v1/video/create-avatar", body)
        return Video(_output(job, "video").id, float((job.result or {}).get("duration_seconds", 0.0)), job)

    async def animate(
        self,
        image_id: str,
        *,
        motion: str = "",
        duration_seconds: float = 5.0,
        width: int = 0,
        height: int = 0,
        fps: int = 0,
        backend: str = "",
        project_id: str | None = None,
    ) -> Video:
        body = {"image_asset_id": image_id, "motion": motion, "duration_seconds": duration_seconds, "width": width,
                "height": height, "fps": fps, "backend": backend, "project_id": project_id}  # fmt: skip
        job = await self.submit("/api/v1/video/animate", body)
        return Video(_output(job, "video").id, float((job.result or {}).get("duration_seconds", 0.0)), job)

    # -- studio ----------------------------------------------------------------------------

    async def create_project(self, name: str, *, type: str = "mixed") -> Project:
        data = await self._request("POST", "/api/v1/studio/create-project", json={"name": name, "type": type})
        return Project.from_json(data)

    async def generate_content(self, project: Project | str, screenplay: Mapping[str, Any] | str) -> Project:
        """Produce a screenplay (data, or YAML text) in a project; media must be `asset:<id>` references."""
        body: dict[str, Any] = {"project_id": _id(project)}
        body["screenplay_yaml" if isinstance(screenplay, str) else "screenplay"] = (
            screenplay if isinstance(screenplay, str) else dict(screenplay)
        )
        return Project.from_json(await self._request("POST", "/api/v1/studio/generate-content", json=body))

    async def estimate(
        self, screenplay: Mapping[str, Any] | str, *, backends: Mapping[str, str] | None = None
    ) -> Estimate:
        """What producing a screenplay (data, or YAML text) would cost on this studio, per step and in total,
        priced by its model servers (POST /api/v1/studio/estimate); nothing runs and no media is read."""
        body: dict[str, Any] = {"screenplay_yaml" if isinstance(screenplay, str) else "screenplay": screenplay}
        if backends:
            body["backends"] = dict(backends)
        from studio.sdk.costs import estimate_from_json

        return estimate_from_json(await self._request("POST", "/api/v1/studio/estimate", json=body))

    async def get_project(self, project: Project | str) -> ProjectDetail:
        return ProjectDetail.from_json(await self._request("GET", f"/api/v1/studio/projects/{_id(project)}"))

    async def list_projects(self, *, limit: int = 50, offset: int = 0) -> list[Project]:
        items = await self._request("GET", "/api/v1/studio/projects", params={"limit": limit, "offset": offset})
        return [Project.from_json(item) for item in items]

    async def wait_project(
        self, project: Project | str, *, on_update: ProjectCallback | None = None, timeout: float | None = None
    ) -> ProjectDetail:
        """Poll a production until it completes (or fails: raises its error), reporting each poll."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            detail = await self.get_project(project)
            if on_update is not None:
                outcome = on_update(detail)
                if inspect.isawaitable(outcome):
                    await outcome
            status = detail.project.status
            if status == "completed":
                return detail
            if status == "failed":
                raise StudioError(f"project {detail.project.id} failed: {detail.project.error or 'no detail'}")
            if status == "draft":
                raise StudioError(f"project {detail.project.id} is not being produced (status draft)")
            if deadline is not None and time.monotonic() > deadline:
                raise Unavailable(f"project {detail.project.id} did not finish within {timeout:g} s")
            await asyncio.sleep(self.poll_interval)


def _output(job: Job, role: str) -> Asset:
    asset = job.asset(role)
    if asset is None:
        raise StudioError(f"job {job.id} completed without a {role!r} output asset")
    return asset
