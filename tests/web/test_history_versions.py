"""History and versions in the browser: re-render a scene and see version 2, compare and restore;
search the history by prompt and delete a job; export an image as WebP; download a project's zip.

One project, produced once through the API for the whole module, serves every test that needs one.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Console

DONE = 20_000  # ms

SCREENPLAY = {
    "title": "Versões",
    "language": "pt-br",
    "narrator": {"preset": "pt"},
    "scenes": [
        {"duration": 2, "prompt": "a lighthouse on a cliff", "narration": "Era uma vez um farol."},
        {"duration": 2, "prompt": "a boat at sea", "narration": "E um barco no mar."},
    ],
    "output": {"width": 320, "height": 240},
}


@pytest.fixture(scope="module")
def api(base_url: str, api_key: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def project(api: httpx.Client) -> dict:
    """A produced project (version 1) of this module's tenant."""
    started = api.post("/api/v1/studio/projects", json={"name": "Farol", "screenplay": SCREENPLAY})
    assert started.status_code == 202, started.text
    project_id = started.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        detail: dict = api.get(f"/api/v1/studio/projects/{project_id}").json()
        if detail["project"]["status"] != "running":
            assert detail["project"]["status"] == "completed", detail["project"]
            return detail
        time.sleep(0.2)
    raise AssertionError("the module's project was not produced in time")


def image_job(api: httpx.Client, prompt: str) -> dict:
    response = api.post("/api/v1/image/generate", json={"prompt": prompt}, headers={"Prefer": "wait=30"})
    assert response.status_code == 200 and response.json()["status"] == "completed", response.text
    job: dict = response.json()
    return job


def test_rerender_a_scene_see_version_2_compare_and_restore(signed_in: Page, base_url: str, project: dict) -> None:
    page = signed_in
    page.goto(f"{base_url}/projects/{project['project']['id']}")
    rows = page.get_by_test_id("version-row")
    expect(rows).to_have_count(1, timeout=DONE)

    page.get_by_role("button", name="Re-render scene 1").click()
    expect(rows).to_have_count(2, timeout=DONE)
    newest = rows.first
    expect(newest).to_contain_text("Version 2")
    expect(newest).to_contain_text("scenes 1")
    expect(newest).to_contain_text("current", timeout=DONE)
    expect(page.get_by_test_id("step-row").and_(page.locator(":not([data-status=completed])"))).to_have_count(0)
    # scene 1's steps were made by version 2, scene 2's recalled from version 1
    expect(page.locator("[data-step='frame:1']").get_by_test_id("step-version")).to_have_text("Version 2")
    expect(page.locator("[data-step='frame:2']").get_by_test_id("step-version")).to_have_count(0)

    page.get_by_label("Version 1").check()
    page.get_by_label("Version 2").check()
    comparison = page.get_by_label("Side-by-side comparison")
    expect(comparison.locator("video")).to_have_count(2, timeout=DONE)
    # players stream each version's own film from a signed, expiring URL (POST /api/v1/assets/{id}/url)
    signed = re.compile(r"(X-Amz-Signature=|[?&]signature=)")
    expect(comparison.locator("video").first).to_have_attribute("src", signed)
    expect(comparison.locator("video").last).to_have_attribute("src", signed)
    sources = [video.get_attribute("src") for video in comparison.locator("video").all()]
    assert sources[0] != sources[1], "the two versions play different films"

    rows.last.get_by_role("button", name="Restore").click()
    expect(rows.last).to_contain_text("current", timeout=DONE)
    expect(rows.first).not_to_contain_text("current")


def test_search_history_by_prompt_and_delete_a_job(signed_in: Page, base_url: str, api: httpx.Client) -> None:
    page = signed_in
    image_job(api, "a quiet heron at dawn")
    image_job(api, "a noisy parrot at noon")
    page.goto(base_url + "/history")
    page.get_by_label("Search").fill("HERON")
    jobs = page.get_by_role("list", name="Jobs").get_by_test_id("job-row")
    expect(jobs).to_have_count(1, timeout=DONE)
    expect(jobs).to_contain_text("a quiet heron at dawn")
    expect(page.get_by_text("Page 1 of 1")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    jobs.get_by_role("button", name="Delete job").click()
    expect(page.get_by_text("Nothing matches.")).to_be_visible(timeout=DONE)
    page.reload()
    page.get_by_label("Search").fill("heron")
    expect(page.get_by_text("Nothing matches.")).to_be_visible(timeout=DONE)
    page.get_by_label("Search").fill("parrot")
    expect(jobs).to_have_count(1, timeout=DONE)


def test_export_an_image_as_webp(
    signed_in: Page, base_url: str, api: httpx.Client, console: Console, tmp_path: Path
) -> None:
    page = signed_in
    job = image_job(api, "an owl to export")
    page.goto(base_url + "/history")
    page.get_by_label("Search").fill("owl to export")
    row = page.get_by_role("list", name="Jobs").get_by_test_id("job-row")
    expect(row).to_have_count(1, timeout=DONE)
    expect(row.locator("img")).to_have_attribute("src", re.compile(r"^blob:"), timeout=DONE)
    row.get_by_label("Export as…").select_option("webp")
    with page.expect_download() as download:
        row.get_by_role("button", name="Export", exact=True).click()
    saved = tmp_path / "owl.webp"
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert download.value.suggested_filename == f"{job['assets'][0]['id']}.webp"


def test_download_a_project_zip(signed_in: Page, base_url: str, project: dict, tmp_path: Path) -> None:
    page = signed_in
    page.goto(f"{base_url}/projects/{project['project']['id']}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Everything as a zip").click()
    saved = tmp_path / "project.zip"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "Farol.zip"
    names = set(zipfile.ZipFile(io.BytesIO(saved.read_bytes())).namelist())
    expected = {"film.mp4", "film.srt", "film.vtt", "stills/scene-01.png", "stills/scene-02.png"}
    assert expected | {"narration/scene-01.wav", "narration/scene-02.wav", "screenplay.yaml"} <= names
