"""The example workflows of integrations/n8n/README.md, as the tests import them."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.n8n.toolchain import PACKAGE

#: n8n names nodes loaded through N8N_CUSTOM_EXTENSIONS "CUSTOM.<name>".
PUBLISHED_PREFIX = "n8n-nodes-media-studio."
CUSTOM_PREFIX = "CUSTOM."


def readme_example(name: str, replacements: dict[str, str]) -> dict[str, Any]:
    """The README's `<!-- example: name -->` workflow, with placeholders replaced and the
    node types those of a locally built package."""
    text = (PACKAGE / "README.md").read_text()
    match = re.search(rf"<!-- example: {re.escape(name)} -->\n```json\n(.*?)\n```", text, re.S)
    assert match, f"README.md has no example {name!r}"
    body = match.group(1).replace(f'"{PUBLISHED_PREFIX}', f'"{CUSTOM_PREFIX}')
    for placeholder, value in replacements.items():
        assert placeholder in body, f"example {name!r} no longer contains {placeholder!r}"
        body = body.replace(placeholder, value)
    workflow: dict[str, Any] = json.loads(body)
    return workflow
