"""OpenAI-compatible chat completions (OpenAI, Ollama, vLLM, LM Studio) with strict JSON-schema output."""

from __future__ import annotations

from typing import Any

import httpx

from studio.core.errors import InvalidInput, Unavailable
from studio.pipeline.director.briefing import Briefing
from studio.pipeline.director.llm import direct_with_model, post_json
from studio.pipeline.director.schema import director_schema
from studio.pipeline.director.settings import DirectorSettings
from studio.pipeline.screenplay import Screenplay


async def openai_screenplay(briefing: Briefing, settings: DirectorSettings) -> Screenplay:
    url = f"{settings.base_url()}/chat/completions"
    headers = {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"} if settings.api_key else {}
    async with httpx.AsyncClient(timeout=settings.timeout) as client:

        async def chat(system: str, user: str) -> str:
            body: dict[str, Any] = {
                "model": settings.model_name(),
                "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
                "temperature": settings.temperature,
                "max_tokens": settings.max_tokens,
            }
            if settings.json_mode:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {
                        "name": "screenplay",
                        "description": "A film the studio renders: characters, scenes, music.",
                        "schema": director_schema(),
                        "strict": True,
                    },
                }
            data: Any = await post_json(client, url, body, headers)
            try:
                message = data["choices"][0]["message"]
            except (KeyError, IndexError, TypeError):
                raise Unavailable(f"director model at {url} answered without choices[0].message") from None
            if message.get("refusal"):
                raise InvalidInput(f"the director model refused the briefing: {message['refusal']}")
            return str(message.get("content") or "")

        return await direct_with_model(chat, briefing, schema_in_prompt=not settings.json_mode)
