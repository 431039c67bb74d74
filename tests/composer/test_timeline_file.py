from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from studio.composer.timeline_file import load_timeline, read_timeline, schema
from studio.core.errors import InvalidInput
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "timeline.yaml"


class Recorder:
    def __init__(self) -> None:
        self.paths: list[Path] = []

    async def __call__(self, path: Path) -> ArtifactRef:
        self.paths.append(path)
        return ArtifactRef(bucket="b", key=f"inputs/{path.name}", size=path.stat().st_size)


def test_schema_is_valid_and_accepts_the_example() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(yaml.safe_load(EXAMPLE.read_text()), schema())


async def test_example_maps_onto_the_proto() -> None:
    recorder = Recorder()
    timeline = await load_timeline(EXAMPLE, recorder)
    assert len(timeline.scenes) == 6
    kinds = {s.WhichOneof("visual") for s in timeline.scenes}
    assert kinds == {"still", "clip"}
    assert timeline.scenes[0].transition.kind == pb.TRANSITION_KIND_CROSSFADE
    assert timeline.scenes[2].transition.kind == pb.TRANSITION_KIND_FADE_BLACK
    assert timeline.scenes[5].fit == pb.FIT_MODE_COVER
    assert timeline.output.aspect == pb.ASPECT_RATIO_16_9 and timeline.output.format == pb.CONTAINER_FORMAT_MP4
    assert timeline.scenes[0].narration.words[0].word == "Every"
    assert timeline.scenes[0].still.image.key == "inputs/astronaut_512x512.jpg"
    assert all(p.is_file() and p.is_relative_to(EXAMPLE.parent) for p in recorder.paths)
    assert len(recorder.paths) == len(set(recorder.paths))  # each file uploaded once


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scenes": []}, "scenes: \\[\\] should be non-empty"),
        ({"scenes": [{"still": {"image": "a.png"}}]}, "scenes\\[0\\].still: 'duration_seconds' is a required"),
        ({"scenes": [{"still": {"image": "a.png", "duration_seconds": -1}}]}, "duration_seconds"),
        ({"scenes": [{"name": "x"}]}, "scenes\\[0\\]"),
        ({"scenes": [{"clip": {"video": "a.mp4"}, "transition": {"kind": "spin"}}]}, "transition.kind: 'spin'"),
        ({"scenes": [{"clip": {"video": "a.mp4"}}], "output": {"aspect": "4:3"}}, "output.aspect"),
        ({"scenes": [{"clip": {"video": "a.mp4"}}], "extra": 1}, "'extra' was unexpected"),
        ("just a string", "is not of type 'object'"),
    ],
)
def test_schema_errors_name_the_field(tmp_path: Path, data: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_timeline(_write(tmp_path, data))


async def test_missing_file_names_the_scene(tmp_path: Path) -> None:
    path = _write(tmp_path, {"scenes": [{"name": "intro", "clip": {"video": "gone.mp4"}}]})
    with pytest.raises(InvalidInput, match=r"scene 1 \('intro'\) clip.video: gone.mp4: no such file"):
        await load_timeline(path, Recorder())


async def test_words_file_is_checked(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(b"RIFF")
    (tmp_path / "w.json").write_text(json.dumps([{"word": "hi", "start_seconds": -1, "end_seconds": 1}]))
    path = _write(
        tmp_path,
        {"scenes": [{"clip": {"video": "a.wav"}, "narration": {"audio": "a.wav", "words": "w.json"}}]},
    )
    with pytest.raises(InvalidInput, match=r"narration.words: \[0\].start_seconds"):
        await load_timeline(path, Recorder())


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("scenes: [unclosed")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        read_timeline(path)
    with pytest.raises(InvalidInput, match="no such timeline file"):
        read_timeline(tmp_path / "absent.yaml")


async def test_yaml_aliases_repeat_scenes(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"png")
    path = tmp_path / "t.yaml"
    path.write_text(
        "scenes:\n"
        "  - &still {still: {image: a.png, duration_seconds: 2}, transition: {kind: crossfade, duration_seconds: 1}}\n"
        "  - *still\n"
        "  - *still\n"
    )
    recorder = Recorder()
    timeline = await load_timeline(path, recorder)
    assert [s.still.image.key for s in timeline.scenes] == ["inputs/a.png"] * 3
    assert recorder.paths == [tmp_path / "a.png"]  # uploaded once


def test_yaml_alias_bombs_and_self_reference_are_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]  # 10^9 values
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join([*lines, "scenes: *a8"]))
    with pytest.raises(InvalidInput, match="expands to over 1000000 values"):
        read_timeline(bomb)
    loop = tmp_path / "loop.yaml"
    loop.write_text("scenes: &s [*s]\n")
    with pytest.raises(InvalidInput, match=r"nested too deeply \(or refers to itself\)"):
        read_timeline(loop)
