"""Provider keys: which one a job uses, and keeping every key out of logs and messages.

A key is registered the moment it is read (from settings, a secret file or a
request's override). From then on every log record this process creates is
scrubbed of it (a log-record factory, so no handler or logger can forget), and
`redact` scrubs any text built from a provider's answer before it becomes an
error message, an event or a result.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from studio.core.errors import FailedPrecondition

REDACTED = "[redacted]"
#: Shorter strings are not treated as secrets (they would scrub ordinary words).
MIN_SECRET_CHARS = 8

_secrets: set[str] = set()
_lock = threading.Lock()
_factory_installed = False


def register_secret(value: str) -> None:
    """Scrub `value` from every log record and every `redact`ed text from now on."""
    global _factory_installed
    if len(value) < MIN_SECRET_CHARS:
        return
    with _lock:
        _secrets.add(value)
        if not _factory_installed:
            _install_record_factory()
            _factory_installed = True


def redact(text: str) -> str:
    """`text` with every registered secret replaced by "[redacted]"."""
    if not _secrets:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(factory)


def resolve_key(provider: str, title: str, configured: str, overrides: Mapping[str, SecretStr], variables: str) -> str:
    """The key a job uses: the request's override (a tenant's own key) first, else the deployment's."""
    override = overrides.get(provider)
    key = override.get_secret_value() if override is not None else configured
    if not key:
        raise FailedPrecondition(f"no {title} key is configured; set {variables}")
    register_secret(key)
    return key
