"""Typed results of the gateway's REST API (unknown fields are ignored, so newer gateways keep working)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TERMINAL = ("completed", "failed", "cancelled")


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass(frozen=True)
class Asset:
    id: str
    type: str
    #: Where it came from: "upload", or its field in the job's result ("audio", "images.0.image", "video").
    role: str
    content_type: str
    size: int
    sha256: str
    job_id: str | None = None
    project_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Asset:
        return cls(
            id=str(data["id"]),
            type=data.get("type", ""),
            role=data.get("role", ""),
            content_type=data.get("content_type", ""),
            size=int(data.get("size", 0)),
            sha256=data.get("sha256", ""),
            job_id=data.get("job_id"),
            project_id=data.get("project_id"),
            metadata=dict(data.get("metadata") or {}),
            created_at=_time(data.get("created_at")),
        )


@dataclass(frozen=True)
class JobError:
    #: invalid_argument, not_found, failed_precondition, resource_exhausted, unavailable, cancelled, internal
    code: str
    message: str


@dataclass(frozen=True)
class Job:
    id: str
    #: "<service>.<operation>", e.g. "audio.synthesize"
    type: str
    #: queued, submitted, running, completed, failed, cancelled
    status: str
    progress: float = 0.0
    stage: str = ""
    project_id: str | None = None
    #: The production step this job runs, for jobs of a project.
    step_id: str | None = None
    result: dict[str, Any] | None = None
    error: JobError | None = None
    attempts: int = 0
    created_at: datetime | None = None
    completed_at: datetime | None = None
    assets: tuple[Asset, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        error = data.get("error")
        return cls(
            id=str(data["id"]),
            type=data.get("type", ""),
            status=data.get("status", ""),
            progress=float(data.get("progress") or 0.0),
            stage=data.get("stage") or "",
            project_id=data.get("project_id"),
            step_id=data.get("step_id"),
            result=data.get("result"),
            error=JobError(error.get("code", "internal"), error.get("message", "")) if error else None,
            attempts=int(data.get("attempts") or 0),
            created_at=_time(data.get("created_at")),
            completed_at=_time(data.get("completed_at")),
            assets=tuple(Asset.from_json(a) for a in data.get("assets") or ()),
        )

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def asset(self, role: str) -> Asset | None:
        """The output asset at `role` ("audio", "video", "images.0.image", "srt", ...)."""
        return next((a for a in self.assets if a.role == role), None)


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    language: str
    #: processing, ready, failed
    status: str
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Voice:
        return cls(
            id=str(data["id"]),
            name=data.get("name", ""),
            language=data.get("language", ""),
            status=data.get("status", ""),
            details=dict(data.get("details") or {}),
            error=data.get("error"),
        )


@dataclass(frozen=True)
class Image:
    """A generated image: `id` is its asset id (what create_avatar and edits take)."""

    id: str
    width: int
    height: int
    seed: int
    job: Job


@dataclass(frozen=True)
class Audio:
    """Generated speech or music: `id` is the audio asset id (speech timings are in `job.result`)."""

    id: str
    duration_seconds: float
    job: Job


@dataclass(frozen=True)
class Video:
    """A generated video (talking head or animation): `id` is its asset id."""

    id: str
    duration_seconds: float
    job: Job


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    type: str
    #: draft, running, completed, failed
    status: str
    error: str | None = None
    steps_total: int = 0
    steps_completed: int = 0
    #: The composed film's ComposeResult (JSON) after a successful production.
    result: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Project:
        return cls(
            id=str(data["id"]),
            name=data.get("name", ""),
            type=data.get("type", ""),
            status=data.get("status", ""),
            error=data.get("error"),
            steps_total=int(data.get("steps_total") or 0),
            steps_completed=int(data.get("steps_completed") or 0),
            result=data.get("result"),
        )


@dataclass(frozen=True)
class ProjectStep:
    """A planned production step and the job that runs it (once it started)."""

    id: str
    name: str
    label: str
    service: str
    depends_on: tuple[str, ...] = ()
    job_id: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectStep:
        return cls(
            id=str(data["id"]),
            name=data.get("name", ""),
            label=data.get("label", ""),
            service=data.get("service", ""),
            depends_on=tuple(data.get("depends_on") or ()),
            job_id=data.get("job_id"),
        )


@dataclass(frozen=True)
class ProjectDetail:
    project: Project
    steps: tuple[ProjectStep, ...]
    jobs: tuple[Job, ...]
    assets: tuple[Asset, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectDetail:
        return cls(
            project=Project.from_json(data["project"]),
            steps=tuple(ProjectStep.from_json(s) for s in data.get("steps") or ()),
            jobs=tuple(Job.from_json(j) for j in data.get("jobs") or ()),
            assets=tuple(Asset.from_json(a) for a in data.get("assets") or ()),
        )

    def job_of(self, step_id: str) -> Job | None:
        return next((job for job in self.jobs if job.step_id == step_id), None)
