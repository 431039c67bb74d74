"""The web studio in a real browser: Debian's chromium driven by Playwright (never a downloaded
browser), against the real gateway serving the built app, with instant model servers and
artifacts in S3 (moto's server), over Postgres and NATS on loopback.

Screenshots of every page, light and dark, land in out/ui/ (docs/ui.md shows some).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

from tests.conftest import NATS_URL, REPO_ROOT
from tests.core.test_artifacts_s3 import start_moto
from tests.gateway.conftest import TEST_OVERRIDES, _create_database, _drop_database, new_key
from tests.gateway.fakes import FAKE_SERVICES
from tests.gateway.stack import Stack

CHROMIUM = Path("/usr/bin/chromium")
WEB_BUILD = REPO_ROOT / "web" / "dist" / "index.html"
SCREENSHOTS = REPO_ROOT / "out" / "ui"
#: The app stores the API key here when "stay signed in" is chosen (web/src/auth/session.ts).
KEY_STORAGE = "studio.key"
#: Chromium's own line for an HTTP error answer; allowed only where a test expects that answer.
FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is not installed; run `make install` (scripts/bootstrap-system.sh installs it)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--autoplay-policy=no-user-gesture-required",
        ],
    }


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to completion from a sync test (Playwright's sync API holds this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def web_stack() -> Iterator[Stack]:
    """The gateway with the built app, instant model servers, artifacts in S3 on loopback."""
    if not WEB_BUILD.exists():
        pytest.fail(f"{WEB_BUILD} is missing: build the app with `make install`")
    database = f"studio_test_{uuid.uuid4().hex[:12]}"
    run_async(_create_database(database))
    moto, s3_url = start_moto()
    overrides = {**TEST_OVERRIDES, "rate_limits": {}}
    stack = Stack(
        database_url=f"postgresql://postgres@127.0.0.1:5432/{database}",
        nats_url=NATS_URL,
        artifacts_dir=REPO_ROOT / "out" / "unused",
        services=dict(FAKE_SERVICES),
        gateway_overrides=overrides,
        s3_endpoint=s3_url,
    ).start()
    try:
        yield stack
    finally:
        stack.stop()
        moto.terminate()
        moto.wait(10)
        run_async(_drop_database(database))


@pytest.fixture(scope="module")
def api_key(web_stack: Stack) -> str:
    """One tenant per test module: what one test makes, the next sees (as a user's work piles up)."""
    return str(run_async(new_key(web_stack, "web")))


@pytest.fixture(scope="session")
def base_url(web_stack: Stack) -> str:
    return web_stack.base_url


class Console:
    """Errors the page logs; a test that expects an HTTP error answer allows its status."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed_statuses: set[int] = set()

    def record(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def allow(self, *statuses: int) -> None:
        self.allowed_statuses.update(statuses)

    def unexpected(self) -> list[str]:
        def allowed(text: str) -> bool:
            match = FAILED_LOAD.match(text)
            return match is not None and int(match.group(1)) in self.allowed_statuses

        return [text for text in self.errors if not allowed(text)]


@pytest.fixture
def console(page: Page) -> Iterator[Console]:
    """Fails the test if the page logged an error or threw one it did not expect."""
    seen = Console()
    page.on("console", seen.record)
    page.on("pageerror", lambda error: seen.errors.append(f"uncaught: {error}"))
    yield seen
    assert seen.unexpected() == [], f"console errors: {seen.unexpected()}"


@pytest.fixture
def signed_in(context: BrowserContext, page: Page, api_key: str, console: Console) -> Page:
    """A page whose browser already keeps the API key (as after "stay signed in")."""
    context.add_init_script(f"localStorage.setItem({KEY_STORAGE!r}, {api_key!r})")
    return page


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
