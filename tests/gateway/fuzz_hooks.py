"""schemathesis hooks for the fuzzing tier (tests/gateway/test_schemathesis.py), loaded by the CLI.

A webhook URL must name a host that resolves when it is registered (and, in production, a public
one): no JSON Schema can say that, so a generated URL of the right shape (`^https?://host`) is
pointed at a loopback port instead. URLs of the wrong shape (negative cases) are left as generated.
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis

SINK = "http://127.0.0.1:9/fuzz-webhook"
_SHAPED = re.compile(r"^https?://[^/?#@\s]+")


def _pointed(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: SINK if key == "url" and isinstance(item, str) and _SHAPED.match(item) else _pointed(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_pointed(item) for item in value]
    return value


@schemathesis.hook
def map_body(context: schemathesis.HookContext, body: Any) -> Any:
    return _pointed(body)
