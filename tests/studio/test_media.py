"""Resolving a screenplay's media in embedded mode: uploads once per file, refuses what is not media."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.errors import InvalidInput
from studio.pipeline.embedded import LocalMediaResolver
from studio.pipeline.media import require_resolved, resolve_media
from studio.pipeline.screenplay import load_screenplay

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def write(tmp_path: Path, characters: str, scenes: str = "  - {duration: 2, prompt: a hill}\n") -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(f"title: t\ncharacters:\n{characters}scenes:\n{scenes}")
    return path


async def test_files_are_uploaded_once_and_production_accepts_them(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "presenter" / "host.jpg", tmp_path / "host.jpg")
    scenes = "  - {duration: 2, image: host.jpg}\n  - {duration: 2, speaker: ada, narration: Hi!}\n"
    screenplay = load_screenplay(write(tmp_path, "  - {name: Ada, portrait: {image: host.jpg}}\n", scenes))
    store = LocalArtifactStore(tmp_path / "artifacts")
    resolved = await resolve_media(screenplay, LocalMediaResolver(store))
    assert list(resolved.media) == ["host.jpg"]
    ref = resolved.artifact("host.jpg")
    assert ref.content_type == "image/jpeg" and ref.key.startswith("inputs/") and ref.key.endswith("/host.jpg")
    assert store.path_of(ref).read_bytes() == (tmp_path / "host.jpg").read_bytes()
    again = await resolve_media(screenplay, LocalMediaResolver(store))
    assert again.artifact("host.jpg") == ref  # content-addressed: the same file, the same artifact
    assert require_resolved(resolved) is resolved


@pytest.mark.parametrize(
    ("character", "content", "expected"),
    [
        ("{name: A, portrait: {image: fake.png}}", b"just text, renamed", "fake.png is not a PNG, JPEG or WebP"),
        ("{name: A, portrait: {image: empty.png}}", b"", "empty.png is 0 bytes"),
        ("{name: A, portrait: {image: notes.txt}}", b"x", "is not an image file (accepted: .png"),
        ("{name: A, voice: {sample: voice.exe}}", b"x", "is not an audio file"),
        ("{name: A, portrait: {image: 'asset:123'}}", None, "is a gateway asset; render it with --server"),
        ("{name: A, voice: {id: v-123}}", None, "registered voices ('v-123') live on a gateway"),
    ],
)
async def test_what_is_not_local_media_is_refused_and_nothing_is_stored(
    tmp_path: Path, character: str, content: bytes | None, expected: str
) -> None:
    for name in ("fake.png", "empty.png", "notes.txt", "voice.exe"):
        if content is not None:
            (tmp_path / name).write_bytes(content)
    screenplay = load_screenplay(write(tmp_path, f"  - {character}\n"))
    store = LocalArtifactStore(tmp_path / "artifacts")
    with pytest.raises(InvalidInput, match=r"characters\[0\]\.") as caught:
        await resolve_media(screenplay, LocalMediaResolver(store))
    assert expected in caught.value.message
    assert not (tmp_path / "artifacts").exists() or not any((tmp_path / "artifacts").rglob("*.*"))
