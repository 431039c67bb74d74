"""The director: offline screenplays, and LLM backends under structured output against local fake servers."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from studio.core.errors import ConfigError, InvalidInput, StudioError, Unavailable
from studio.pipeline.director import Briefing, DirectorSettings, write_screenplay
from studio.pipeline.director.briefing import guess_language
from studio.pipeline.director.llm import extract_json
from studio.pipeline.director.schema import director_schema
from tests.studio.fake_llm import anthropic_reply, fake_llm_server, openai_reply

LUNA = "Luna, uma menina de 8 anos, encontra Pip, uma raposinha magica que muda de cor conforme suas emocoes"
VALID = {
    "title": "Luna e Pip",
    "style": "watercolour",
    "language": "pt-br",
    "characters": [{"name": "Luna", "description": "menina"}],
    "scenes": [
        {"duration": 5, "prompt": "uma floresta", "narration": "Era uma vez."},
        {"duration": 3, "speaker": "Luna", "narration": "Oi!"},
    ],
}


async def test_offline_director_builds_the_briefs_film() -> None:
    screenplay = await write_screenplay(Briefing(LUNA), DirectorSettings(backend="offline"))
    assert screenplay.language == "pt-br"
    assert len(screenplay.scenes) == 6
    assert [c.name for c in screenplay.characters] == ["Luna", "Pip"]
    assert screenplay.characters[1].description.startswith("uma raposinha")
    speakers = [s.speaker for s in screenplay.scenes if s.speaker]
    assert speakers == ["Luna"]
    assert screenplay.scenes[0].narration.startswith("Luna, uma menina")
    assert screenplay.music is not None and "music box" in screenplay.music.mood  # "magica" sets the mood
    assert all(s.prompt or s.speaker for s in screenplay.scenes) and "watercolour" in screenplay.style
    assert 28 <= screenplay.planned_duration() <= 32


async def test_offline_director_groups_long_stories_into_scenes() -> None:
    story = " ".join(f"Sentence number {i} tells the story of Mara on the island." for i in range(20))
    screenplay = await write_screenplay(Briefing(story, duration=20, language="en"), DirectorSettings())
    assert len(screenplay.scenes) == 4
    narrated = " ".join(s.narration for s in screenplay.scenes if not s.speaker)
    assert narrated.count("Sentence number") == 20  # every sentence is told, in order
    assert screenplay.language == "en"


def test_briefing_limits_and_language_guess() -> None:
    with pytest.raises(InvalidInput, match="briefing: empty"):
        Briefing("   ")
    with pytest.raises(InvalidInput, match="at most 4000"):
        Briefing("x" * 4001)
    with pytest.raises(InvalidInput, match="duration"):
        Briefing("a story", duration=2)
    assert guess_language(LUNA) == "pt-br"
    assert guess_language("A girl meets a fox who changes colour with her mood.") == "en"


async def test_openai_backend_asks_for_strict_schema_output() -> None:
    answer = json.dumps({**VALID, "music": None, "characters": [{"name": "Luna", "key": None, "description": "menina",
                                                                "portrait": None}]})  # fmt: skip
    with fake_llm_server([(200, openai_reply(answer))]) as llm:
        settings = DirectorSettings(
            backend="openai", url=f"{llm.url}/v1", model="gpt-test", api_key=SecretStr("sk-test")
        )
        screenplay = await write_screenplay(Briefing(LUNA), settings)
    assert screenplay.title == "Luna e Pip" and screenplay.music is None  # nulls mean "not given"
    (request,) = llm.requests  # one request: nothing to repair under a schema
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["model"] == "gpt-test"
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True and response_format["json_schema"]["name"] == "screenplay"
    assert response_format["json_schema"]["schema"] == director_schema()
    assert '"scenes"' not in request.body["messages"][0]["content"]  # the schema travels as the format, not prose
    assert LUNA in request.body["messages"][1]["content"]


async def test_anthropic_backend_asks_for_json_schema_output() -> None:
    with fake_llm_server([(200, anthropic_reply(json.dumps(VALID)))]) as llm:
        settings = DirectorSettings(backend="anthropic", url=llm.url, model="claude-test", api_key=SecretStr("ak-test"))
        screenplay = await write_screenplay(Briefing(LUNA), settings)
    assert screenplay.scenes[1].speaker == "Luna"
    (request,) = llm.requests
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "ak-test" and request.headers["anthropic-version"] == "2023-06-01"
    assert request.body["model"] == "claude-test"
    assert request.body["output_config"] == {"format": {"type": "json_schema", "schema": director_schema()}}
    assert request.body["messages"] == [{"role": "user", "content": request.body["messages"][0]["content"]}]


def test_the_model_schema_is_strict_and_leaves_out_what_people_decide() -> None:
    schema = director_schema()

    def objects(node: object) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                found.append(node)
            for value in node.values():
                found += objects(value)
        elif isinstance(node, list):
            for value in node:
                found += objects(value)
        return found

    for obj in objects(schema):
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])  # type: ignore[call-overload]
    text = json.dumps(schema)
    for keyword in ('"default"', '"minLength"', '"maxLength"', '"minimum"', '"maximum"', '"pattern"'):
        assert keyword not in text
    assert "at most 2000 characters" in text  # dropped constraints stay as words
    assert set(schema["properties"]) == {"title", "style", "language", "characters", "scenes", "music"}
    assert (
        "image" not in schema["$defs"]["Scene"]["properties"]
        and "voice" not in schema["$defs"]["Character"]["properties"]
    )


async def test_an_invalid_answer_is_an_error_not_a_second_request() -> None:
    invalid = {**VALID, "scenes": [{"duration": -2, "prompt": "x"}]}
    with fake_llm_server([(200, anthropic_reply(json.dumps(invalid)))] * 2) as llm:
        settings = DirectorSettings(backend="anthropic", url=llm.url, api_key=SecretStr("k"))
        with pytest.raises(StudioError, match=r"invalid screenplay: .*scenes\[0\]\.duration"):
            await write_screenplay(Briefing(LUNA), settings)
    assert len(llm.requests) == 1


async def test_a_refusal_is_reported() -> None:
    refusal = {"choices": [{"index": 0, "message": {"role": "assistant", "content": None, "refusal": "I can't."}}]}
    with fake_llm_server([(200, refusal)]) as llm, pytest.raises(InvalidInput, match="refused the briefing: I can't"):
        await write_screenplay(Briefing(LUNA), DirectorSettings(backend="openai", url=llm.url))


async def test_servers_without_structured_output_get_the_schema_in_the_prompt() -> None:
    with fake_llm_server([(200, openai_reply(f"```json\n{json.dumps(VALID)}\n```"))]) as llm:
        await write_screenplay(Briefing(LUNA), DirectorSettings(backend="openai", url=llm.url, json_mode=False))
    (request,) = llm.requests
    assert "response_format" not in request.body
    assert '"scenes"' in request.body["messages"][0]["content"]


async def test_a_model_may_not_name_local_files() -> None:
    sneaky = {**VALID, "characters": [{"name": "Luna", "portrait": {"image": "/home/me/.ssh/id_rsa.png"}}]}
    with (
        fake_llm_server([(200, openai_reply(json.dumps(sneaky)))]) as llm,
        pytest.raises(StudioError, match=r"portrait\.image: files and registered voices are not allowed"),
    ):
        await write_screenplay(Briefing(LUNA), DirectorSettings(backend="openai", url=llm.url))


@pytest.mark.parametrize(
    ("status", "error", "match"),
    [(401, ConfigError, "refused the key"), (503, Unavailable, "answered 503"), (400, StudioError, "answered 400")],
)
async def test_http_failures_become_clear_errors(status: int, error: type[Exception], match: str) -> None:
    with fake_llm_server([(status, {"error": "nope"})]) as llm, pytest.raises(error, match=match):
        await write_screenplay(Briefing(LUNA), DirectorSettings(backend="openai", url=llm.url))


async def test_unreachable_model_server() -> None:
    settings = DirectorSettings(backend="openai", url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(Unavailable, match="unreachable"):
        await write_screenplay(Briefing(LUNA), settings)


def test_json_extraction() -> None:
    assert extract_json('Sure!\n```json\n{"a": 1}\n```\nEnjoy.') == {"a": 1}
    assert extract_json('prefix {"a": {"b": 2}} suffix') == {"a": {"b": 2}}
    with pytest.raises(InvalidInput, match="not valid JSON"):
        extract_json("{'a': 1}")
