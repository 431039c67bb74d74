"""The procedural draft: an illustration of the prompt made without any model."""

from studio.image.draft.render import render_draft

__all__ = ["render_draft"]
