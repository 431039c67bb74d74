"""schemathesis hooks for the fuzzing tier (tests/gateway/test_schemathesis.py), loaded by the CLI.

A webhook URL must name a host that resolves when it is registered (and, in production, a public
one): no JSON Schema can say that, so a generated URL that the schema accepts (its pattern and length)
is pointed at a loopback port instead. Any other URL (a negative case) is left as generated.
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis

from studio.gateway.requests import WEBHOOK_URL_PATTERN

SINK = "http://127.0.0.1:9/fuzz-webhook"
_VALID = re.compile(WEBHOOK_URL_PATTERN)


def _valid_url(value: Any) -> bool:
    return isinstance(value, str) and 8 <= len(value) <= 2000 and _VALID.search(value) is not None


def _pointed(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: SINK if key == "url" and _valid_url(item) else _pointed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_pointed(item) for item in value]
    return value


@schemathesis.hook
def map_body(context: schemathesis.HookContext, body: Any) -> Any:
    return _pointed(body)
