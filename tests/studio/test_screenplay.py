"""The screenplay model: examples load, the JSON Schema is real and current, bad input is named."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from studio.core.errors import InvalidInput
from studio.pipeline.screenplay import (
    SCHEMA_PATH,
    json_schema,
    load_screenplay,
    parse_screenplay_text,
    render_json_schema,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MINIMAL = {"title": "t", "scenes": [{"duration": 3, "prompt": "a hill"}]}


def test_committed_schema_is_generated_from_the_model() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_json_schema(), (
        "screenplay.schema.json is stale: run python -m studio.pipeline.screenplay"
    )


@pytest.mark.parametrize("name", ["luna.yaml", "presenter.yaml"])
def test_examples_validate_against_model_and_schema(name: str) -> None:
    path = EXAMPLES / name
    screenplay = load_screenplay(path)
    jsonschema.Draft202012Validator(json_schema()).validate(yaml.safe_load(path.read_text()))
    assert screenplay.base_dir == path.parent
    assert any(scene.speaker for scene in screenplay.scenes), "the examples show a talking head"


def test_luna_is_the_briefs_story() -> None:
    luna = load_screenplay(EXAMPLES / "luna.yaml")
    assert luna.language == "pt-br" and len(luna.scenes) == 6
    assert {c.slug for c in luna.characters} == {"luna", "pip"}
    assert "watercolour" in luna.style
    assert any(luna.character(s.speaker).slug == "luna" for s in luna.scenes if s.speaker)  # type: ignore[union-attr]
    assert 25 <= luna.planned_duration() <= 35


def test_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    assert not validator.is_valid({"title": "t", "scenes": [{"duration": -1, "prompt": "x"}]})
    assert not validator.is_valid({"title": "t", "scenes": [{"duration": 1, "prompt": "x", "narattion": "x"}]})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"title": "t", "scenes": [{"duration": -1, "prompt": "x"}]}, "scenes[0].duration"),
        ({"title": "t", "scenes": [{"duration": 2, "prompt": "x", "narattion": "hi"}]}, "scenes[0].narattion: unknown"),
        ({"title": "t"}, "scenes: Field required"),
        ({"title": "t", "scenes": []}, "scenes"),
        ({"title": "t", "scenes": [{"duration": 2}]}, "needs a `prompt` or an `image`"),
        ({"title": "t", "scenes": [{"duration": 2, "speaker": "bob", "narration": "hi"}]}, "no character 'bob'"),
        ({"title": "t", "scenes": [{"duration": 2, "prompt": "x", "image": "a.png"}]}, "not both"),
        (
            {**MINIMAL, "characters": [{"name": "A", "portrait": {"prompt": "x", "image": "a.png"}}]},
            "characters[0].portrait: give exactly one",
        ),
        (
            {**MINIMAL, "characters": [{"name": "A", "voice": {"preset": "x", "sample": "a.wav"}}]},
            "characters[0].voice: give at most one",
        ),
        ({**MINIMAL, "characters": [{"name": "Ana"}, {"name": "ana"}]}, "share the key 'ana'"),
        ({**MINIMAL, "language": "../../etc"}, "language: use a language tag"),
        ({**MINIMAL, "output": {"width": 1281}}, "output.width"),
        ({**MINIMAL, "scenes": [{"duration": 3, "image": "x\u0000.png"}]}, "scenes[0].image"),
        ({"title": "t", "scenes": [{"duration": 100, "prompt": "x"}] * 20}, "at most 1800 seconds"),
    ],
)
def test_bad_screenplays_name_the_field(data: dict[str, object], expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_screenplay(data)
    assert expected in caught.value.message
    assert caught.value.message.startswith("invalid screenplay: ")


def test_bad_files_are_refused_before_parsing(tmp_path: Path) -> None:
    cases = {
        "screenplay.txt": (b"title: t", "a screenplay is a .yaml, .yml or .json file"),
        "binary.yaml": (b"\xff\xfe\x00garbage", "not UTF-8"),
        "big.yaml": (b"#" * (600 * 1024), "larger than"),
        "list.yaml": (b"- 1\n- 2\n", "expected a mapping"),
        "broken.json": (b'{"title": "t", "scenes": [', "not valid YAML or JSON"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(InvalidInput, match=expected.replace("(", r"\(")) as caught:
            load_screenplay(path)
        assert name in caught.value.message
    with pytest.raises(InvalidInput, match="no such screenplay file"):
        load_screenplay(tmp_path / "missing.yaml")


def test_yaml_alias_bombs_are_refused() -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\ntitle: t\nscenes: [{duration: 1, prompt: p}]\n'
    with pytest.raises(InvalidInput, match="aliases"):
        parse_screenplay_text(bomb)


def test_json_and_yaml_are_the_same_screenplay(tmp_path: Path) -> None:
    data = {**MINIMAL, "characters": [{"name": "Zoë Ana"}]}
    (tmp_path / "s.json").write_text(json.dumps(data))
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    from_json, from_yaml = load_screenplay(tmp_path / "s.json"), load_screenplay(tmp_path / "s.yaml")
    assert from_json == from_yaml
    assert from_json.characters[0].slug == "zoe-ana"
    assert load_screenplay(from_json.to_data()).to_data() == from_json.to_data()
