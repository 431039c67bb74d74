"""Anthropic's Messages API with its JSON-schema output format (`output_config.format`)."""

from __future__ import annotations

from typing import Any

import httpx

from studio.core.errors import InvalidInput, Unavailable
from studio.pipeline.director.briefing import Briefing
from studio.pipeline.director.llm import direct_with_model, post_json
from studio.pipeline.director.schema import director_schema
from studio.pipeline.director.settings import DirectorSettings
from studio.pipeline.screenplay import Screenplay

API_VERSION = "2023-06-01"


async def anthropic_screenplay(briefing: Briefing, settings: DirectorSettings) -> Screenplay:
    url = f"{settings.base_url()}/v1/messages"
    headers = {"x-api-key": settings.api_key.get_secret_value(), "anthropic-version": API_VERSION}
    async with httpx.AsyncClient(timeout=settings.timeout) as client:

        async def chat(system: str, user: str) -> str:
            body: dict[str, Any] = {
                "model": settings.model_name(),
                "system": system,
                "messages": [{"role": "user", "content": user}],
                "max_tokens": settings.max_tokens,
                "temperature": min(settings.temperature, 1.0),
                "output_config": {"format": {"type": "json_schema", "schema": director_schema()}},
            }
            data: Any = await post_json(client, url, body, headers)
            if isinstance(data, dict) and data.get("stop_reason") == "refusal":
                raise InvalidInput("the director model refused the briefing")
            try:
                blocks = data["content"]
                return "".join(block.get("text", "") for block in blocks if block.get("type") == "text")
            except (KeyError, TypeError, AttributeError):
                raise Unavailable(f"director model at {url} answered without text content blocks") from None

        return await direct_with_model(chat, briefing)
