"""The dashboard kept live by the tenant event stream: jobs made elsewhere appear and move without a
reload, "Cancel everything pending" settles the queue, and a failed job is retried as a new one."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.web.test_studio import DONE


def submit(base_url: str, api_key: str, prompt: str) -> str:
    """A job started outside the page (another tab, the CLI, n8n): only the stream can tell the page."""
    response = httpx.post(
        f"{base_url}/api/v1/image/generate", json={"prompt": prompt}, headers={"Authorization": f"Bearer {api_key}"}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def test_the_dashboard_follows_the_stream_and_cancels_everything_pending(
    signed_in: Page, base_url: str, api_key: str
) -> None:
    page = signed_in
    page.goto(base_url + "/")
    expect(page.get_by_text("live", exact=True)).to_be_visible(timeout=DONE)
    expect(page.get_by_text("Nothing is queued or running.")).to_be_visible()
    held = [submit(base_url, api_key, f"[hold] fox number {n}") for n in (1, 2)]

    queue = page.get_by_role("list", name="Jobs in the queue")
    for job_id in held:
        row = queue.locator(f"[data-job-id='{job_id}']")
        expect(row).to_have_attribute("data-status", "running", timeout=DONE)
    expect(queue.get_by_role("progressbar")).to_have_count(2)

    page.get_by_role("button", name="Cancel everything pending").click()
    expect(page.get_by_text("Nothing is queued or running.")).to_be_visible(timeout=DONE)
    recent = page.get_by_role("list", name="Recent jobs")
    for job_id in held:
        expect(recent.locator(f"[data-job-id='{job_id}']")).to_have_attribute("data-status", "cancelled")
    expect(recent.get_by_role("progressbar")).to_have_count(0)


def test_retry_a_failed_job_from_the_dashboard(signed_in: Page, base_url: str, api_key: str) -> None:
    page = signed_in
    page.goto(base_url + "/")
    failed = submit(base_url, api_key, "[fail] a fox that trips")
    recent = page.get_by_role("list", name="Recent jobs")
    row = recent.locator(f"[data-job-id='{failed}']")
    expect(row).to_have_attribute("data-status", "failed", timeout=DONE)
    expect(row).to_contain_text("the fake backend refuses requests marked [fail]")

    row.get_by_role("button", name="Retry [fail] a fox that trips").click()
    attempts = recent.get_by_test_id("job-row").filter(has_text="[fail] a fox that trips")
    expect(attempts).to_have_count(2, timeout=DONE)
    expect(attempts.and_(page.locator("[data-status=failed]"))).to_have_count(2, timeout=DONE)
