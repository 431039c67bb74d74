"""Media references of a screenplay, and their resolution to artifacts before production.

Production only ever passes `ArtifactRef`s to services. Who turns a reference
into one depends on the wiring: embedded mode uploads local files into its
store; a gateway looks `asset:<id>` and voice ids up in its database (and
refuses local paths, which name files on the client's machine).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from studio.core.errors import InvalidInput
from studio.pipeline.screenplay import Screenplay
from studio.v1.common_pb2 import ArtifactRef

MediaKind = Literal["image", "audio"]
ASSET_PREFIX = "asset:"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
AUDIO_EXTENSIONS = (".wav", ".mp3", ".flac", ".ogg", ".m4a", ".webm")


@dataclass(frozen=True)
class MediaUse:
    """One place a screenplay names a media file."""

    reference: str
    kind: MediaKind
    #: Where it is written, for error messages: "characters[0].portrait.image".
    field: str

    @property
    def asset_id(self) -> str | None:
        """The gateway asset id for `asset:<id>` references, None for local paths."""
        if self.reference.startswith(ASSET_PREFIX):
            return self.reference.removeprefix(ASSET_PREFIX)
        return None

    def local_path(self, base_dir: Path) -> Path:
        """The file a local reference names, checked for existence and type."""
        if self.asset_id is not None:
            raise InvalidInput(f"{self.field}: {self.reference!r} is a gateway asset; render it with --server")
        path = Path(self.reference).expanduser()
        path = path if path.is_absolute() else base_dir / path
        accepted = IMAGE_EXTENSIONS if self.kind == "image" else AUDIO_EXTENSIONS
        if path.suffix.lower() not in accepted:
            raise InvalidInput(
                f"{self.field}: {self.reference!r} is not an {self.kind} file (accepted: {', '.join(accepted)})"
            )
        if not path.is_file():
            raise InvalidInput(f"{self.field}: no such file {str(path)!r}")
        return path


@dataclass(frozen=True)
class VoiceUse:
    voice_id: str
    field: str


def media_uses(screenplay: Screenplay) -> list[MediaUse]:
    uses: list[MediaUse] = []
    for index, character in enumerate(screenplay.characters):
        if character.portrait is not None and character.portrait.image is not None:
            uses.append(MediaUse(character.portrait.image, "image", f"characters[{index}].portrait.image"))
        if character.voice.sample is not None:
            uses.append(MediaUse(character.voice.sample, "audio", f"characters[{index}].voice.sample"))
    if screenplay.narrator.sample is not None:
        uses.append(MediaUse(screenplay.narrator.sample, "audio", "narrator.sample"))
    for index, scene in enumerate(screenplay.scenes):
        if scene.image is not None:
            uses.append(MediaUse(scene.image, "image", f"scenes[{index}].image"))
    return uses


def voice_uses(screenplay: Screenplay) -> list[VoiceUse]:
    uses = [
        VoiceUse(c.voice.id, f"characters[{i}].voice.id") for i, c in enumerate(screenplay.characters) if c.voice.id
    ]
    if screenplay.narrator.id is not None:
        uses.append(VoiceUse(screenplay.narrator.id, "narrator.id"))
    return uses


class MediaResolver(Protocol):
    async def media(self, use: MediaUse, base_dir: Path) -> ArtifactRef:
        """The artifact a media reference stands for (uploading it if needed)."""
        ...

    async def voice(self, use: VoiceUse) -> ArtifactRef:
        """The profile artifact of a registered voice."""
        ...


@dataclass(frozen=True)
class ResolvedScreenplay:
    """A screenplay whose media references all have artifacts: what production runs on."""

    screenplay: Screenplay
    media: Mapping[str, ArtifactRef] = field(default_factory=dict)
    voices: Mapping[str, ArtifactRef] = field(default_factory=dict)

    def artifact(self, reference: str) -> ArtifactRef:
        return self.media[reference]

    def voice_profile(self, voice_id: str) -> ArtifactRef:
        return self.voices[voice_id]


async def resolve_media(screenplay: Screenplay, resolver: MediaResolver) -> ResolvedScreenplay:
    """Resolve every media reference and voice id once (same reference, same artifact)."""
    media: dict[str, ArtifactRef] = {}
    for use in media_uses(screenplay):
        if use.reference not in media:
            media[use.reference] = await resolver.media(use, screenplay.base_dir)
    voices: dict[str, ArtifactRef] = {}
    for voice in voice_uses(screenplay):
        if voice.voice_id not in voices:
            voices[voice.voice_id] = await resolver.voice(voice)
    return ResolvedScreenplay(screenplay, media, voices)


def require_resolved(screenplay: Screenplay | ResolvedScreenplay) -> ResolvedScreenplay:
    """Production input: a screenplay without media needs no resolution; one with media must be resolved."""
    resolved = screenplay if isinstance(screenplay, ResolvedScreenplay) else ResolvedScreenplay(screenplay)
    for use in media_uses(resolved.screenplay):
        if use.reference not in resolved.media:
            raise InvalidInput(f"{use.field}: {use.reference!r} was not uploaded before production (resolve_media)")
    for voice in voice_uses(resolved.screenplay):
        if voice.voice_id not in resolved.voices:
            raise InvalidInput(f"{voice.field}: voice {voice.voice_id!r} was not resolved before production")
    return resolved
