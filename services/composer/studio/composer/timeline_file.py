"""Timeline files (YAML or JSON): checked against timeline.schema.json, local files uploaded, proto out.

The file maps 1:1 onto studio.v1.Timeline; where the proto holds an ArtifactRef
the file holds a path relative to itself, and enums are lower-case words.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from google.protobuf import json_format

from studio.core.errors import InvalidInput
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef

Upload = Callable[[Path], Awaitable[ArtifactRef]]
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Values a timeline may hold once YAML aliases are expanded (a few aliases can otherwise stand for billions).
MAX_VALUES = 1_000_000
_ENUMS: dict[str, tuple[str, dict[str, str]]] = {
    "kind": ("TRANSITION_KIND_", {"fade_black": "FADE_BLACK"}),
    "format": ("CONTAINER_FORMAT_", {}),
    "aspect": ("ASPECT_RATIO_", {"16:9": "16_9", "9:16": "9_16", "1:1": "1_1"}),
    "fit": ("FIT_MODE_", {}),
}


@functools.cache
def schema() -> dict[str, Any]:
    text = resources.files("studio.composer").joinpath("timeline.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _where(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "(top level)"


def _unshared(value: Any, budget: list[int], path: Path) -> Any:
    """A copy in which no two places share an object: YAML aliases (`*scene`) repeat a value by reference,
    and the loader fills in each place on its own. Refuses data that expands past MAX_VALUES."""
    budget[0] -= 1
    if budget[0] < 0:
        raise InvalidInput(f"{path}: the timeline expands to over {MAX_VALUES} values (through YAML aliases)")
    if isinstance(value, dict):
        return {key: _unshared(item, budget, path) for key, item in value.items()}
    if isinstance(value, list):
        return [_unshared(item, budget, path) for item in value]
    return value


def _read(path: Path) -> Any:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such timeline file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path}: timeline files are limited to {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as error:
        raise InvalidInput(f"{path}: not valid YAML/JSON ({str(error).splitlines()[0]})") from None
    try:
        return _unshared(data, [MAX_VALUES], path)
    except RecursionError:
        raise InvalidInput(f"{path}: the timeline is nested too deeply (or refers to itself)") from None


def read_timeline(path: Path) -> dict[str, Any]:
    """Parse and schema-check a timeline file; errors name the offending field."""
    data = _read(Path(path))
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidInput(f"{path}: {_where(first.absolute_path)}: {first.message}{more}")
    assert isinstance(data, dict)
    return data


def _scene_label(index: int, scene: dict[str, Any]) -> str:
    name = scene.get("name")
    return f"scene {index + 1} ({name!r})" if name else f"scene {index + 1}"


def _media_fields(data: dict[str, Any]) -> list[tuple[dict[str, Any], str, str]]:
    """(owner dict, key, label) for every field that names a media file."""
    fields = []
    for i, scene in enumerate(data["scenes"]):
        label = _scene_label(i, scene)
        if "still" in scene:
            fields.append((scene["still"], "image", f"{label} still.image"))
        if "clip" in scene:
            fields.append((scene["clip"], "video", f"{label} clip.video"))
        if "narration" in scene:
            fields.append((scene["narration"], "audio", f"{label} narration.audio"))
    if "music" in data:
        fields.append((data["music"], "audio", "music.audio"))
    return fields


def _resolve(base: Path, value: str, label: str) -> Path:
    path = (base / value).resolve()
    if not path.is_file():
        raise InvalidInput(f"{label}: {value}: no such file (paths are relative to the timeline file)")
    return path


def _load_words(base: Path, data: dict[str, Any], path: Path) -> None:
    """Replace `words: file.json` references by the list they hold (checked against the same schema)."""
    word_list = {"$defs": schema()["$defs"], "type": "array", "items": {"$ref": "#/$defs/word"}, "maxItems": 20000}
    for i, scene in enumerate(data["scenes"]):
        narration = scene.get("narration") or {}
        if isinstance(narration.get("words"), str):
            label = f"{_scene_label(i, scene)} narration.words"
            words = _read(_resolve(base, narration["words"], label))
            try:
                jsonschema.validate(words, word_list)
            except jsonschema.ValidationError as error:
                raise InvalidInput(f"{label}: {_where(error.absolute_path)}: {error.message}") from None
            narration["words"] = words


def _enums(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in _ENUMS and isinstance(item, str):
                prefix, special = _ENUMS[key]
                item = prefix + special.get(item, item.upper())
            out[key] = _enums(item)
        return out
    if isinstance(value, list):
        return [_enums(item) for item in value]
    return value


async def load_timeline(path: Path, upload: Upload) -> pb.Timeline:
    """Read a timeline file and upload the files it names (each once) with `upload`; the proto to compose."""
    path = Path(path)
    data = read_timeline(path)
    base = path.resolve().parent
    _load_words(base, data, path)
    uploaded: dict[Path, ArtifactRef] = {}
    for owner, key, label in _media_fields(data):
        local = _resolve(base, owner[key], label)
        if local not in uploaded:
            uploaded[local] = await upload(local)
        owner[key] = json_format.MessageToDict(uploaded[local], preserving_proto_field_name=True)
    timeline = pb.Timeline()
    try:
        json_format.ParseDict(_enums(data), timeline)
    except json_format.ParseError as error:
        raise InvalidInput(f"{path}: {error}") from None
    return timeline
