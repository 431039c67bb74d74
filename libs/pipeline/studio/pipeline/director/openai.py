"""OpenAI-compatible chat completions (OpenAI, Ollama, vLLM, LM Studio)."""

from __future__ import annotations

from typing import Any

import httpx

from studio.core.errors import Unavailable
from studio.pipeline.director.briefing import Briefing
from studio.pipeline.director.llm import ChatMessage, direct_with_model, post_json
from studio.pipeline.director.settings import DirectorSettings
from studio.pipeline.screenplay import Screenplay


async def openai_screenplay(briefing: Briefing, settings: DirectorSettings) -> Screenplay:
    url = f"{settings.base_url()}/chat/completions"
    headers = {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"} if settings.api_key else {}
    async with httpx.AsyncClient(timeout=settings.timeout) as client:

        async def chat(system: str, conversation: list[ChatMessage]) -> str:
            body: dict[str, Any] = {
                "model": settings.model_name(),
                "messages": [{"role": "system", "content": system}]
                + [{"role": m.role, "content": m.content} for m in conversation],
                "temperature": settings.temperature,
                "max_tokens": settings.max_tokens,
            }
            if settings.json_mode:
                body["response_format"] = {"type": "json_object"}
            data: Any = await post_json(client, url, body, headers)
            try:
                return str(data["choices"][0]["message"]["content"] or "")
            except (KeyError, IndexError, TypeError):
                raise Unavailable(f"director model at {url} answered without choices[0].message.content") from None

        return await direct_with_model(chat, briefing)
