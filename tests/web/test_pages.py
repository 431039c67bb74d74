"""Every page, light and dark, at desktop and phone widths: a screenshot of each (out/ui/), every
control named for a screen reader, nothing wider than a 390 px phone, and no console errors.
The tenant is given some work first (a voice, speech, images, a finished project) so the pages
show what a creator sees."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Request, ViewportSize, expect

from tests.gateway.fakes import wav_bytes
from tests.gateway.stack import Stack
from tests.web.conftest import KEY_STORAGE, Console, screenshot

PAGES = {
    "dashboard": "/",
    "projects": "/projects",
    "new-project": "/projects/new",
    "project": "/projects/{project}",
    "audio": "/audio",
    "image": "/image",
    "video": "/video",
    "history": "/history",
    "templates": "/templates",
    "settings": "/settings",
}
PHONE: ViewportSize = {"width": 390, "height": 844}

#: Controls a screen reader cannot name: no label, aria-label(ledby), text, title or alt.
UNNAMED_CONTROLS = """() => {
  const visible = (el) => { const s = getComputedStyle(el); return s.display !== 'none' && s.visibility !== 'hidden'; };
  const named = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const by = el.getAttribute('aria-labelledby');
    if (by && by.split(' ').some((id) => (document.getElementById(id)?.textContent || '').trim())) return true;
    if (el.labels && [...el.labels].some((label) => label.textContent.trim())) return true;
    const text = el.textContent.trim() || el.querySelector('img[alt]:not([alt=""])');
    if (['BUTTON', 'A'].includes(el.tagName) && text) return true;
    return Boolean((el.getAttribute('title') || '').trim());
  };
  return [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]')]
    .filter((el) => visible(el) && !named(el)).map((el) => el.outerHTML.slice(0, 160));
}"""


def wait_done(client: httpx.Client, path: str, done: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(path).json()
        status = body.get("status") or body.get("project", {}).get("status")
        if status in done:
            return dict(body)
        time.sleep(0.3)
    raise AssertionError(f"{path} did not finish")


@pytest.fixture(scope="module")
def project_id(web_stack: Stack, api_key: str) -> Iterator[str]:
    """Work the tenant has done, made through the API as any client could."""
    with httpx.Client(
        base_url=web_stack.base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
    ) as client:
        wait = {"Prefer": "wait=30"}
        client.post(
            "/api/v1/audio/clone-voice",
            files={"sample": ("voz.wav", wav_bytes(2.0), "audio/wav")},
            data={"name": "Narradora", "language": "pt-br"},
            headers=wait,
        ).raise_for_status()
        client.post("/api/v1/audio/generate-speech", json={"text": "Olá, mundo!"}, headers=wait).raise_for_status()
        client.post(
            "/api/v1/image/generate", json={"prompt": "a fox in the snow", "count": 3, "seed": 3}, headers=wait
        ).raise_for_status()
        project = client.post("/api/v1/studio/create-project", json={"name": "Raposa na neve"}).json()
        screenplay = {
            "title": "Raposa na neve",
            "scenes": [
                {"duration": 3, "prompt": "a fox in the snow", "narration": "Era uma vez uma raposa."},
                {"duration": 3, "prompt": "the fox asleep", "narration": "E ela dormiu."},
            ],
            "music": {"mood": "calm piano"},
        }
        client.post(
            "/api/v1/studio/generate-content", json={"project_id": project["id"], "screenplay": screenplay}
        ).raise_for_status()
        wait_done(client, f"/api/v1/studio/projects/{project['id']}", {"completed", "failed"})
        yield str(project["id"])


#: Requests that stay open as long as the page does (the dashboard's live event stream).
STREAMS = ("/api/v1/events",)


def open_page(page: Page, base_url: str, path: str, quiet_ms: int = 500, timeout_s: float = 30) -> None:
    """Open a page and wait until it has fetched everything (Playwright's "networkidle" less the streams)."""
    pending: set[Request] = set()

    def started(request: Request) -> None:
        if not urlsplit(request.url).path.endswith(STREAMS):
            pending.add(request)

    def ended(request: Request) -> None:
        pending.discard(request)

    handlers = {"request": started, "requestfinished": ended, "requestfailed": ended}
    for event, handler in handlers.items():
        page.on(event, handler)  # type: ignore[call-overload]
    try:
        page.goto(base_url + path)
        expect(page.locator("main h1")).to_be_visible()
        deadline = time.monotonic() + timeout_s
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < quiet_ms / 1000:
            assert time.monotonic() < deadline, f"{path} kept loading: {[r.url for r in pending]}"
            page.wait_for_timeout(100)
            if pending:
                quiet_since = time.monotonic()
    finally:
        for event, handler in handlers.items():
            page.remove_listener(event, handler)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_in_both_themes(
    context: BrowserContext, page: Page, console: Console, base_url: str, api_key: str, project_id: str, theme: str
) -> None:
    context.add_init_script(f"localStorage.setItem('studio.theme', {theme!r})")
    page.goto(base_url + "/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.evaluate("() => document.documentElement.classList.contains('dark')") == (theme == "dark")
    screenshot(page, f"sign-in-{theme}")
    assert page.evaluate(UNNAMED_CONTROLS) == []

    context.add_init_script(f"localStorage.setItem({KEY_STORAGE!r}, {api_key!r})")
    for name, path in PAGES.items():
        open_page(page, base_url, path.format(project=project_id))
        assert page.evaluate(UNNAMED_CONTROLS) == [], name
        screenshot(page, f"{name}-{theme}")


def test_every_page_fits_a_phone(
    context: BrowserContext, page: Page, console: Console, base_url: str, api_key: str, project_id: str
) -> None:
    context.add_init_script(f"localStorage.setItem({KEY_STORAGE!r}, {api_key!r})")
    page.set_viewport_size(PHONE)
    for name, path in PAGES.items():
        open_page(page, base_url, path.format(project=project_id))
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= PHONE["width"], f"{name} is {overflow} px wide on a {PHONE['width']} px phone"
        if name in ("dashboard", "audio", "project"):
            screenshot(page, f"{name}-phone")
    # the navigation folds into a menu on a phone, and opens from the keyboard
    menu = page.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Studio").get_by_role("link", name="History")).to_be_visible()


def test_sign_in_with_the_keyboard_alone(page: Page, console: Console, base_url: str, api_key: str) -> None:
    page.goto(base_url + "/")
    key = page.get_by_label("API key")
    for _ in range(5):  # Tab through the page until the key field has the focus
        page.keyboard.press("Tab")
        if key.evaluate("(el) => el === document.activeElement"):
            break
    expect(key).to_be_focused()
    page.keyboard.type(api_key)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.keyboard.press("Tab")  # the first stop is the skip link, then the navigation
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
