"""The director: offline screenplays, and LLM backends against local fake servers (validation, one repair)."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from studio.core.errors import ConfigError, InvalidInput, StudioError, Unavailable
from studio.pipeline.director import Briefing, DirectorSettings, write_screenplay
from studio.pipeline.director.briefing import guess_language
from studio.pipeline.director.llm import extract_json
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


async def test_openai_compatible_backend_repairs_an_invalid_answer_once() -> None:
    invalid = {**VALID, "scenes": [{"duration": -2, "prompt": "x"}]}
    replies = [(200, openai_reply(json.dumps(invalid))), (200, openai_reply(f"```json\n{json.dumps(VALID)}\n```"))]
    with fake_llm_server(replies) as llm:
        settings = DirectorSettings(
            backend="openai", url=f"{llm.url}/v1", model="llama3.1", api_key=SecretStr("sk-test")
        )
        screenplay = await write_screenplay(Briefing(LUNA), settings)
    assert screenplay.title == "Luna e Pip"
    first, repair = llm.requests
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == "Bearer sk-test"
    assert first.body["model"] == "llama3.1" and first.body["response_format"] == {"type": "json_object"}
    assert first.body["messages"][0]["role"] == "system" and '"scenes"' in first.body["messages"][0]["content"]
    assert LUNA in first.body["messages"][1]["content"]
    assert [m["role"] for m in repair.body["messages"]] == ["system", "user", "assistant", "user"]
    assert "scenes[0].duration" in repair.body["messages"][-1]["content"]


async def test_anthropic_backend_and_a_model_that_fails_twice() -> None:
    with fake_llm_server([(200, anthropic_reply("Here you go: " + json.dumps(VALID)))]) as llm:
        settings = DirectorSettings(backend="anthropic", url=llm.url, model="claude-test", api_key=SecretStr("ak-test"))
        screenplay = await write_screenplay(Briefing(LUNA), settings)
    assert screenplay.scenes[1].speaker == "Luna"
    request = llm.requests[0]
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "ak-test" and request.headers["anthropic-version"] == "2023-06-01"
    assert request.body["model"] == "claude-test" and "scenes" in request.body["system"]
    assert request.body["messages"] == [{"role": "user", "content": request.body["messages"][0]["content"]}]

    with fake_llm_server([(200, anthropic_reply("no json at all"))] * 2) as llm:
        settings = DirectorSettings(backend="anthropic", url=llm.url, api_key=SecretStr("k"))
        with pytest.raises(StudioError, match="invalid screenplay twice: the answer holds no JSON object"):
            await write_screenplay(Briefing(LUNA), settings)
    assert len(llm.requests) == 2


async def test_a_model_may_not_name_local_files() -> None:
    sneaky = {**VALID, "characters": [{"name": "Luna", "portrait": {"image": "/home/me/.ssh/id_rsa.png"}}]}
    replies = [(200, openai_reply(json.dumps(sneaky))), (200, openai_reply(json.dumps(VALID)))]
    with fake_llm_server(replies) as llm:
        await write_screenplay(Briefing(LUNA), DirectorSettings(backend="openai", url=llm.url))
    assert (
        "characters[0].portrait.image: files and registered voices are not allowed"
        in (llm.requests[1].body["messages"][-1]["content"])
    )


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
