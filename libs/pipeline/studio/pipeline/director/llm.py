"""Screenplays from a language model: the prompt, the schema its answer is held to, and validation.

The model answers under structured output (OpenAI's strict `json_schema`,
Anthropic's JSON-schema output format): the API constrains its answer to the
screenplay schema (`director.schema`), so there is nothing to repair. The answer
is still validated by the screenplay models, which enforce every constraint the
structured-output subset cannot express; an answer that fails is an error. For
OpenAI-compatible servers without structured output (STUDIO_DIRECTOR_JSON_MODE=false)
the schema goes into the prompt instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

import httpx

from studio.core.errors import ConfigError, FailedPrecondition, InvalidInput, StudioError, Unavailable
from studio.pipeline.director.briefing import Briefing
from studio.pipeline.director.schema import director_schema, without_nulls
from studio.pipeline.media import media_uses, voice_uses
from studio.pipeline.screenplay import Screenplay, load_screenplay

#: Sends the system prompt and the user message; returns the model's text answer.
Chat = Callable[[str, str], Awaitable[str]]


def system_prompt(*, schema_in_prompt: bool = False) -> str:
    schema = (
        "The object must validate against this JSON Schema:\n"
        + json.dumps(director_schema(), separators=(",", ":"), ensure_ascii=False)
        + "\n"
        if schema_in_prompt
        else ""
    )
    return (
        "You are the director of a small animation studio. You turn a client's briefing into a screenplay "
        "that the studio renders automatically. Answer with one JSON object and nothing else.\n"
        f"{schema}"
        "Rules: write prompts as concrete picture descriptions (who, where, what, light) without the style, "
        "which the studio appends; keep each narration short enough to be spoken within its scene "
        "(about 2.5 words per second); give at least one scene a `speaker` (a character saying a line on "
        "screen, in `narration`); use null for anything you leave to the studio."
    )


def user_prompt(briefing: Briefing) -> str:
    language = briefing.language or "the briefing's own language"
    return (
        f"Briefing: {briefing.text.strip()}\n"
        f"Film length: {briefing.duration:g} seconds in {briefing.scene_count} scenes.\n"
        f"Visual style (for `style`): {briefing.style}\n"
        f"Narration language: {language} (set `language` to its tag, e.g. pt-br, en)."
    )


def extract_json(text: str) -> object:
    """The JSON object in a model's answer (tolerating markdown fences and chatter around it)."""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    candidate = fenced.group(1) if fenced else text
    start, end = candidate.find("{"), candidate.rfind("}")
    if start < 0 or end <= start:
        raise InvalidInput("the answer holds no JSON object")
    try:
        return json.loads(candidate[start : end + 1])
    except json.JSONDecodeError as error:
        raise InvalidInput(f"the answer is not valid JSON: {error}") from None


def screenplay_from_answer(text: str) -> Screenplay:
    data = without_nulls(extract_json(text))
    if not isinstance(data, dict):
        raise InvalidInput("the answer must be a JSON object")
    screenplay = load_screenplay(data)
    # A model must not make the renderer read files: only people name files.
    named = [use.field for use in media_uses(screenplay)] + [use.field for use in voice_uses(screenplay)]
    if named:
        raise InvalidInput(f"{', '.join(named)}: files and registered voices are not allowed; use prompts")
    return screenplay


async def direct_with_model(chat: Chat, briefing: Briefing, *, schema_in_prompt: bool = False) -> Screenplay:
    """Ask once, under the screenplay schema; an answer that is not a valid screenplay is an error."""
    answer = await chat(system_prompt(schema_in_prompt=schema_in_prompt), user_prompt(briefing))
    try:
        return screenplay_from_answer(answer)
    except InvalidInput as error:
        raise StudioError(f"the director model wrote an invalid screenplay: {error.message}") from None


async def post_json(client: httpx.AsyncClient, url: str, body: dict[str, object], headers: dict[str, str]) -> object:
    """POST and decode JSON, turning transport and HTTP failures into studio errors naming the server."""
    try:
        response = await client.post(url, json=body, headers=headers)
    except httpx.TimeoutException:
        raise Unavailable(f"director model at {url} did not answer in time (STUDIO_DIRECTOR_TIMEOUT)") from None
    except httpx.HTTPError as error:
        raise Unavailable(f"director model at {url} is unreachable: {error}") from None
    if response.status_code in (401, 403):
        raise ConfigError(f"director model at {url} refused the key (STUDIO_DIRECTOR_API_KEY): {response.status_code}")
    if response.status_code == 429 or response.status_code >= 500:
        raise Unavailable(f"director model at {url} answered {response.status_code}; try again later")
    if response.status_code >= 400:
        raise FailedPrecondition(f"director model at {url} answered {response.status_code}: {response.text[:300]}")
    try:
        return response.json()
    except ValueError:
        raise Unavailable(f"director model at {url} answered with something that is not JSON") from None
