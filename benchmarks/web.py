"""The web studio's first page: bundle size and time to interactive on loopback.

Sizes: what the first page loads (web/dist/index.html's entry script, its preloaded chunks
and the stylesheet), raw and gzipped (level 9, as a server or proxy would send it), beside the
lazily loaded studio pages. Goal: the first page under 500 kB gzipped.

Time: the real gateway serving web/dist (with instant model servers, over a fresh Postgres
database and NATS, as the tests start it) and Debian's chromium via Playwright. Each run opens
a fresh browser context (a cold cache) or reuses one (a warm cache) and measures, from the
navigation's start, when the sign-in form's key field is rendered and enabled (React has
mounted and its handlers are attached) and, signed in, when the dashboard's heading shows.
Goal: interactive in under one second.

    .venv/bin/python -m benchmarks.web [--runs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import uuid
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.conftest import NATS_URL, REPO_ROOT
from tests.gateway.conftest import TEST_OVERRIDES, _create_database, _drop_database, new_key
from tests.gateway.fakes import FAKE_SERVICES
from tests.gateway.stack import Stack
from tests.web.conftest import CHROMIUM, run_async

DIST = REPO_ROOT / "web" / "dist"
#: performance.now() of the moment the element appeared, measured inside the page.
SHOWN_AT = """(selector) => new Promise((resolve) => {
  const look = () => {
    const element = document.querySelector(selector);
    if (element && !element.disabled && element.offsetParent !== null) resolve(performance.now());
    else requestAnimationFrame(look);
  };
  look();
})"""


def first_page_files() -> list[Path]:
    html = (DIST / "index.html").read_text()
    names = re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', html)
    return [DIST / name for name in names]


def sizes() -> None:
    first = first_page_files()
    lazy = [path for path in (DIST / "assets").glob("*.js") if path not in first]

    def report(label: str, files: list[Path]) -> None:
        raw = sum(path.stat().st_size for path in files)
        packed = sum(len(gzip.compress(path.read_bytes(), 9)) for path in files)
        print(f"{label:<28} {len(files):>5} {raw / 1024:>10.1f} {packed / 1024:>10.1f}")

    print(f"{'bundle':<28} {'files':>5} {'raw kB':>10} {'gzip kB':>10}")
    report("first page (js + css)", first)
    report("lazy studio pages (js)", lazy)
    fonts = list((DIST / "assets").glob("inter-latin-wght*.woff2"))
    print(f"{'font (latin, woff2)':<28} {len(fonts):>5} {sum(p.stat().st_size for p in fonts) / 1024:>10.1f}")


def time_to(page: Page, url: str, selector: str) -> float:
    page.goto(url, wait_until="commit")
    return float(page.evaluate(SHOWN_AT, selector))


def timings(runs: int) -> None:
    database = f"studio_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_database(database))
    stack = Stack(
        database_url=f"postgresql://postgres@127.0.0.1:5432/{database}",
        nats_url=NATS_URL,
        artifacts_dir=REPO_ROOT / "out" / "bench-web",
        services=dict(FAKE_SERVICES),
        gateway_overrides=TEST_OVERRIDES,
    ).start()
    try:
        key = str(asyncio.run(new_key(stack, "bench")))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            cold, warm, dashboard = [], [], []
            for _ in range(runs):
                context = browser.new_context()
                page = context.new_page()
                cold.append(time_to(page, stack.base_url + "/", "#root input[type=password]"))
                warm.append(time_to(page, stack.base_url + "/", "#root input[type=password]"))
                context.close()
                signed = browser.new_context()
                signed.add_init_script(f"localStorage.setItem('studio.key', {key!r})")
                dashboard.append(time_to(signed.new_page(), stack.base_url + "/", "main h1"))
                signed.close()
            browser.close()
    finally:
        stack.stop()
        run_async(_drop_database(database))

    print(f"\n{'first page, loopback':<34} {'runs':>5} {'median ms':>10} {'max ms':>8}")
    for label, values in (
        ("sign-in usable, cold cache", cold),
        ("sign-in usable, warm cache", warm),
        ("dashboard shown, signed in", dashboard),
    ):
        print(f"{label:<34} {len(values):>5} {statistics.median(values):>10.0f} {max(values):>8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if not (DIST / "index.html").exists():
        raise SystemExit("web/dist is missing: run `make install`")
    sizes()
    timings(args.runs)


if __name__ == "__main__":
    main()
