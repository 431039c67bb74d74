"""One place that turns studio errors into a one-line message and an exit code."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

from studio.core.errors import ConfigError, StudioError

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Studio errors exit non-zero with one line on stderr, never a traceback."""
    try:
        yield
    except ConfigError as error:
        fail(error.message, 2)
    except StudioError as error:
        fail(error.message, 1)
    except KeyboardInterrupt:
        fail("interrupted", 130)


def run_async(coro: Coroutine[Any, Any, T], loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None) -> T:
    """Run `coro` (on a loop from `loop_factory` when given), reporting studio errors in one line."""
    with reported_errors(), asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(coro)
    raise AssertionError("unreachable")
