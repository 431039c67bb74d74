"""The director: briefing → screenplay, with a language model when one is configured, offline otherwise."""

from __future__ import annotations

from studio.core.settings import load_settings
from studio.pipeline.director.briefing import Briefing
from studio.pipeline.director.settings import DirectorSettings
from studio.pipeline.screenplay import Screenplay

__all__ = ["Briefing", "DirectorSettings", "write_screenplay"]


async def write_screenplay(briefing: Briefing, settings: DirectorSettings | None = None) -> Screenplay:
    """A validated screenplay for the briefing from the configured backend (STUDIO_DIRECTOR_BACKEND)."""
    settings = settings or load_settings(DirectorSettings)
    if settings.backend == "openai":
        from studio.pipeline.director.openai import openai_screenplay

        return await openai_screenplay(briefing, settings)
    if settings.backend == "anthropic":
        from studio.pipeline.director.anthropic import anthropic_screenplay

        return await anthropic_screenplay(briefing, settings)
    from studio.pipeline.director.offline import offline_screenplay

    return offline_screenplay(briefing)
