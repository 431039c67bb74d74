"""The screenplay: what a film is made of, as the user (or the director) writes it.

YAML or JSON, validated by the models below; `screenplay.schema.json` beside this
module is generated from them (`python -m studio.pipeline.screenplay`). Media
(portrait images, voice samples, scene images) are *references*: a file path
relative to the screenplay, or `asset:<id>` for a file uploaded to a gateway.
They are resolved to artifacts before production (see `studio.pipeline.media`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from studio.core.errors import InvalidInput

#: Screenplay files larger than this are refused before parsing.
MAX_FILE_BYTES = 512 * 1024
SCHEMA_PATH = Path(__file__).with_name("screenplay.schema.json")

Text = Annotated[str, Field(max_length=2000)]
Short = Annotated[str, Field(max_length=200)]
MediaReference = Annotated[
    str,
    Field(
        min_length=1,
        max_length=1024,
        pattern=r"^[^\x00-\x1f]+$",
        description="A file path relative to the screenplay, or `asset:<id>` for a file uploaded to a gateway.",
    ),
]
Transition = Literal["cut", "crossfade", "fade_black", "wipe"]
#: `backends.animation` value that moves stills in the composer instead of animating them in the video service.
COMPOSER_MOTION = "composer"
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class _Model(BaseModel):
    # Unknown keys are errors: a typo ("narattion") must not silently drop content.
    model_config = ConfigDict(extra="forbid", frozen=True)


class FaceBox(_Model):
    """Where the face is in a portrait image, in pixels (skips face detection)."""

    x: int = Field(ge=0)
    y: int = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)


class Portrait(_Model):
    """How a character looks: generated from a prompt, or an image file. Exactly one of the two."""

    prompt: Text | None = Field(default=None, description="Image prompt; the screenplay's style is appended.")
    image: MediaReference | None = Field(default=None, description="A portrait image (png, jpeg or webp).")
    face: FaceBox | None = Field(default=None, description="Face rectangle in the portrait, when detection fails.")
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)

    @model_validator(mode="after")
    def _one_source(self) -> Portrait:
        if (self.prompt is None) == (self.image is None):
            raise ValueError("give exactly one of `prompt` or `image`")
        return self


class Voice(_Model):
    """Who speaks: a backend preset, a sample to clone, or a voice registered on a gateway. At most one."""

    preset: Short | None = Field(default=None, description="A speech backend's own voice, e.g. espeak's `pt-br+f3`.")
    sample: MediaReference | None = Field(
        default=None, description="A recording of the voice to clone (wav, mp3, flac, ogg, m4a, webm; 15 s or more)."
    )
    id: Short | None = Field(default=None, description="The id of a voice registered with `studio voices clone`.")
    backend: Short = Field(default="", description="Speech backend; empty = the audio service's default.")
    speed: float | None = Field(default=None, ge=0.5, le=2.0, description="Speaking-rate multiplier.")

    @model_validator(mode="after")
    def _at_most_one(self) -> Voice:
        given = [name for name in ("preset", "sample", "id") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give at most one of `preset`, `sample` or `id` (got {', '.join(given)})")
        return self


class Character(_Model):
    name: Short = Field(min_length=1)
    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")] | None = Field(
        default=None, description="Short id used by scenes' `speaker`; default: the name, lower-cased and slugged."
    )
    description: Text = ""
    portrait: Portrait | None = Field(
        default=None, description="Default: generated from the description and the style."
    )
    voice: Voice = Field(default_factory=Voice)

    @property
    def slug(self) -> str:
        return self.key or slugify(self.name)


class Scene(_Model):
    duration: float = Field(
        gt=0,
        le=120,
        description="Seconds on screen. Voice-over scenes grow to fit their narration; "
        "scenes with a speaker last as long as the speaker's line.",
    )
    prompt: Text | None = Field(default=None, description="What the scene shows; the style is appended.")
    image: MediaReference | None = Field(default=None, description="A scene image file instead of a prompt.")
    motion: Short = Field(default="slow zoom in", description="Camera motion: 'slow zoom in', 'pan left', ...")
    narration: Text = Field(default="", description="Text spoken in this scene.")
    speaker: Short | None = Field(
        default=None,
        description="A character (key or name) who says the narration on screen as a talking head; "
        "empty = the narrator speaks it as a voice-over.",
    )
    transition: Transition = Field(
        default="crossfade",
        description="Transition into the next scene; on the last scene, how the film ends (a fade unless `cut`).",
    )
    transition_duration: float = Field(default=0.5, ge=0, le=3)
    seed: int | None = Field(
        default=None,
        ge=0,
        lt=2**31,
        description="Seed of the scene's pictures (frame, animation, talking head); empty = derived from the "
        "screenplay's seed. A re-render of the scene sets a new one.",
    )

    @model_validator(mode="after")
    def _visual(self) -> Scene:
        if self.prompt is not None and self.image is not None:
            raise ValueError("give `prompt` or `image`, not both")
        if self.speaker is None and self.prompt is None and self.image is None:
            raise ValueError("a scene without a speaker needs a `prompt` or an `image`")
        if self.speaker is not None and not self.narration.strip():
            raise ValueError("a scene with a `speaker` needs the line in `narration`")
        return self


class Music(_Model):
    mood: Short = Field(min_length=1, description="Free text: 'calm warm piano', 'playful adventurous'.")
    volume_db: float = Field(default=-12.0, ge=-40, le=0, description="Music gain in dB, before ducking under speech.")
    backend: Short = ""


class Output(_Model):
    format: Literal["mp4", "webm"] = "mp4"
    width: int = Field(default=1280, ge=64, le=3840, multiple_of=2)
    height: int = Field(default=720, ge=64, le=3840, multiple_of=2)
    fps: int = Field(default=25, ge=1, le=60)
    quality: int = Field(default=0, ge=0, le=100, description="0..100, higher is better; 0 = default.")
    loudness_lufs: float = Field(default=-14.0, ge=-40, le=-5)
    burn_subtitles: bool = False


class Backends(_Model):
    """Backend per step kind; empty = each service's default (lite backends without weights).

    Hosted providers are backends too: image `fal` or `replicate`, speech `elevenlabs`,
    music `replicate`, animation `kling`, `runway`, `luma` or `minimax` (keys: docs/providers.md).
    """

    image: Short = ""
    image_model: Short = ""
    speech: Short = Field(default="", description="Speech backend for voices that name none (`voice.backend`).")
    music: Short = Field(default="", description="Music backend when `music.backend` names none.")
    talking_head: Short = ""
    animation: Short = Field(
        default="",
        description="Video service backend animating scenes. `composer`: no animation step; the composer pans "
        "and zooms the still in its own pass (a plain move without parallax, at about half the CPU).",
    )


class Screenplay(_Model):
    """A film: who is in it, what each scene shows and says, the music and the output."""

    title: Short = Field(min_length=1)
    style: Text = Field(default="", description="Visual style appended to every image prompt.")
    language: Short = Field(default="en", description="Narration language, e.g. `pt-br`, `en`.")
    narrator: Voice = Field(default_factory=Voice, description="The voice-over's voice.")
    characters: list[Character] = Field(default_factory=list, max_length=20)
    scenes: list[Scene] = Field(min_length=1, max_length=100)
    music: Music | None = None
    output: Output = Field(default_factory=Output)
    backends: Backends = Field(default_factory=Backends)
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Base seed: the same screenplay renders the same.")

    #: Directory relative media paths are resolved against (the screenplay file's folder).
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not _LANGUAGE.match(value):
            raise ValueError("use a language tag such as `pt-br` or `en`")
        return value.lower()

    @model_validator(mode="after")
    def _references(self) -> Screenplay:
        slugs = [c.slug for c in self.characters]
        duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
        if duplicates:
            raise ValueError(f"characters: two characters share the key {duplicates[0]!r}; give one a `key`")
        for index, scene in enumerate(self.scenes):
            if scene.speaker is not None and self.character(scene.speaker) is None:
                known = ", ".join(slugs) or "none"
                raise ValueError(f"scenes[{index}].speaker: no character {scene.speaker!r} (characters: {known})")
        if self.planned_duration() > 1800:
            raise ValueError("scenes: the film may last at most 1800 seconds")
        return self

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    def with_base_dir(self, base_dir: Path) -> Screenplay:
        copy = self.model_copy()
        copy._base_dir = Path(base_dir)
        return copy

    def character(self, name_or_key: str) -> Character | None:
        wanted = name_or_key.strip().lower()
        for character in self.characters:
            if wanted in (character.slug, character.name.lower()):
                return character
        return None

    def planned_duration(self) -> float:
        """Seconds the film lasts if no scene grows: durations minus transition overlaps."""
        total = sum(scene.duration for scene in self.scenes)
        return total - sum(transition_seconds(scene) for scene in self.scenes[:-1])

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-compatible data (defaults omitted), e.g. to send to a gateway."""
        return self.model_dump(mode="json", exclude_defaults=True)


def with_backends(screenplay: Screenplay, choices: Mapping[str, str]) -> Screenplay:
    """The screenplay with some of its `backends` replaced ({"image": "fal", "speech": "elevenlabs"})."""
    known = [name for name in Backends.model_fields]
    unknown = sorted(set(choices) - set(known))
    if unknown:
        raise InvalidInput(f"backends: unknown step kind {unknown[0]!r}; choose from {', '.join(known)}")
    try:
        backends = Backends.model_validate({**screenplay.backends.model_dump(), **choices})
    except ValidationError as error:
        raise InvalidInput(describe_errors(error).replace("invalid screenplay: ", "backends.")) from None
    return screenplay.model_copy(update={"backends": backends}).with_base_dir(screenplay.base_dir)


def transition_seconds(scene: Scene) -> float:
    return 0.0 if scene.transition == "cut" else scene.transition_duration


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:40] or "character"


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not part.startswith(("function-", "literal[", "constrained-str")):
            out += f".{part}" if out else part
    return out


def describe_errors(error: ValidationError) -> str:
    """One line naming each wrong field and what is accepted."""
    parts = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        value = item.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int | float) and len(repr(value)) < 60 else ""
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        where = _location(tuple(item["loc"]))
        parts.append(f"{where}: {message}{shown}" if where else f"{message}{shown}")
    return "invalid screenplay: " + "; ".join(parts)


def _reject_aliases(text: str) -> None:
    # Aliases allow exponential "billion laughs" documents; screenplays never need them.
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AliasToken):
                raise InvalidInput("invalid screenplay: YAML aliases (*name) are not accepted")
    except yaml.YAMLError as error:
        raise InvalidInput(f"invalid screenplay: not valid YAML or JSON: {error}".splitlines()[0]) from None


def parse_screenplay_text(text: str, base_dir: Path | None = None) -> Screenplay:
    """Validate screenplay YAML or JSON text."""
    if len(text.encode()) > MAX_FILE_BYTES:
        raise InvalidInput(f"invalid screenplay: larger than {MAX_FILE_BYTES // 1024} KiB")
    _reject_aliases(text)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidInput(f"invalid screenplay: not valid YAML or JSON: {error}".splitlines()[0]) from None
    return _from_data(data, base_dir)


def _from_data(data: object, base_dir: Path | None) -> Screenplay:
    if not isinstance(data, Mapping):
        raise InvalidInput("invalid screenplay: expected a mapping with `title` and `scenes` at the top level")
    try:
        screenplay = Screenplay.model_validate(dict(data))
    except ValidationError as error:
        raise InvalidInput(describe_errors(error)) from None
    return screenplay.with_base_dir(base_dir) if base_dir is not None else screenplay


def load_screenplay(path_or_data: Path | str | Mapping[str, Any] | Screenplay) -> Screenplay:
    """A validated screenplay from a YAML/JSON file path, parsed data, or a Screenplay.

    Raises InvalidInput naming each wrong field. Relative media paths in a file
    are resolved against the file's folder.
    """
    if isinstance(path_or_data, Screenplay):
        return path_or_data
    if isinstance(path_or_data, Mapping):
        return _from_data(path_or_data, None)
    path = Path(path_or_data)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise InvalidInput(f"{path}: a screenplay is a .yaml, .yml or .json file")
    if not path.is_file():
        raise InvalidInput(f"{path}: no such screenplay file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path}: larger than {MAX_FILE_BYTES // 1024} KiB; not a screenplay")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text; not a screenplay") from None
    try:
        return parse_screenplay_text(text, path.resolve().parent)
    except InvalidInput as error:
        raise InvalidInput(f"{path}: {error.message}") from None


def json_schema() -> dict[str, Any]:
    schema = Screenplay.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://media-studio.dev/schemas/screenplay.schema.json"
    return schema


def render_json_schema() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(render_json_schema(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
