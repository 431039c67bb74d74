"""The account in the browser: API keys made, used elsewhere and revoked; presets kept on the server."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.web.conftest import Console

DONE = 15_000  # ms


def test_a_key_made_here_signs_in_elsewhere_until_it_is_revoked(
    signed_in: Page, browser: Browser, base_url: str
) -> None:
    page = signed_in  # keeps its API key: only a key can make keys
    page.goto(base_url + "/settings")
    page.get_by_label("Name", exact=True).fill("tablet")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_test_id("new-key").inner_text().strip()
    assert key.startswith("sk_studio_")
    row = page.get_by_test_id("key-row").filter(has_text="tablet")
    expect(row).to_contain_text("never used")

    elsewhere = browser.new_context(base_url=base_url)
    try:
        other = elsewhere.new_page()
        seen = Console()
        other.on("console", seen.record)
        seen.allow(401)
        other.goto("/")
        other.get_by_label("API key").fill(key)
        other.get_by_role("button", name="Sign in").click()
        expect(other.get_by_role("heading", name="Dashboard")).to_be_visible()

        page.reload()
        expect(row).to_contain_text("last used")

        def accept(dialog: Dialog) -> None:
            assert "tablet" in dialog.message
            dialog.accept()

        page.once("dialog", accept)
        row.get_by_role("button", name="Revoke tablet").click()
        expect(row).to_contain_text("revoked")

        # the other browser's next call is refused (the dashboard polls), and it is told why
        expect(other.get_by_role("alert")).to_contain_text("its API key was revoked", timeout=DONE)
        expect(other.get_by_role("button", name="Sign in")).to_be_visible()
        assert seen.unexpected() == []
    finally:
        elsewhere.close()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()  # this key still works


def test_save_a_preset_from_the_image_form_and_use_it_from_templates(
    signed_in: Page, base_url: str, api_key: str
) -> None:
    page = signed_in
    page.goto(base_url + "/image")
    page.get_by_label("Prompt", exact=True).fill("a lighthouse in gouache at dusk")
    page.get_by_label("9:16").check()
    page.get_by_role("spinbutton", name="Seed").fill("42")
    page.get_by_role("button", name="Save as preset").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("every key and every browser of the account")
    dialog.get_by_label("Preset name").fill("Farol")
    dialog.get_by_label("Tags").fill("gouache, farol")
    dialog.get_by_role("button", name="Save preset").click()
    expect(dialog).to_have_count(0)

    saved = httpx.get(f"{base_url}/api/v1/presets", headers={"Authorization": f"Bearer {api_key}"}).json()
    farol = next(preset for preset in saved if preset["name"] == "Farol")
    assert farol["kind"] == "image" and farol["tags"] == ["gouache", "farol"]
    assert farol["values"]["prompt"] == "a lighthouse in gouache at dusk" and farol["values"]["seed"] == 42

    page.get_by_role("link", name="Templates").click()
    page.get_by_label("Tag").select_option("farol")
    card = page.get_by_test_id("template-card").filter(has_text="Farol")
    expect(card).to_contain_text("yours")
    card.get_by_role("button", name="Use Farol").click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("a lighthouse in gouache at dusk")
    expect(page.get_by_role("spinbutton", name="Seed")).to_have_value("42")
    expect(page.get_by_label("9:16")).to_be_checked()
