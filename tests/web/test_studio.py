"""The issue's scenarios, as a creator goes through them in the browser."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import asyncpg
from playwright.sync_api import Page, expect

from studio.gateway.auth.keys import hash_key
from tests.gateway.conftest import new_key
from tests.gateway.fakes import png_bytes, wav_bytes
from tests.gateway.stack import Stack
from tests.gateway.test_webhooks import Receiver
from tests.web.conftest import Console, run_async

DONE = 15_000  # ms: instant model servers finish within seconds
#: Players stream from a signed URL (POST /api/v1/assets/{id}/url; presigned, as S3 serves the tests).
SIGNED_MEDIA = re.compile(r"^https?://.*[Ss]ignature=")


def drop_file(page: Page, target: str, name: str, data: bytes, mime: str) -> None:
    """Drag a file from the desktop and drop it on `target`, as a person does."""
    transfer = page.evaluate_handle(
        """([b64, name, mime]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: mime }));
            return transfer;
        }""",
        [base64.b64encode(data).decode(), name, mime],
    )
    zone = page.locator(target)
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def test_sign_in_with_a_key_and_a_wrong_key_says_so(page: Page, console: Console, base_url: str, api_key: str) -> None:
    console.allow(401)
    page.goto(base_url + "/")
    key = page.get_by_label("API key")
    key.fill("sk_studio_not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("This API key was not accepted")
    assert "sk_studio" not in page.url

    key.fill(api_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert api_key not in page.url
    # the default keeps only a short-lived token, in this tab
    stored = page.evaluate("() => [localStorage.getItem('studio.key'), sessionStorage.getItem('studio.token')]")
    assert stored[0] is None and stored[1] is not None and api_key not in stored[1]

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_a_revoked_key_returns_to_sign_in_with_the_reason(
    page: Page, console: Console, base_url: str, web_stack: Stack
) -> None:
    console.allow(401)
    key = run_async(new_key(web_stack, "to-revoke"))
    page.goto(base_url + "/")
    page.get_by_label("API key").fill(key)
    page.get_by_label("Stay signed in on this browser").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    async def revoke() -> None:
        assert web_stack.settings is not None
        conn = await asyncpg.connect(web_stack.settings.database_url)
        try:
            await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", hash_key(key))
        finally:
            await conn.close()

    run_async(revoke())
    page.wait_for_timeout(600)  # the gateway trusts a checked key for auth_cache_seconds (0.5 s here)
    page.get_by_role("link", name="History").click()  # the next calls are refused
    expect(page.get_by_text("The server no longer accepts your credential")).to_be_visible(timeout=DONE)
    assert page.evaluate("() => localStorage.getItem('studio.key')") is None


def test_drop_a_voice_sample_then_speak_and_play(signed_in: Page, base_url: str) -> None:
    page = signed_in
    page.goto(base_url + "/audio")
    dropzone = "[data-testid=dropzone]"
    drop_file(page, dropzone, "notes.txt", b"not audio at all", "text/plain")
    expect(page.get_by_role("alert")).to_contain_text("notes.txt is not a supported file")

    drop_file(page, dropzone, "minha-voz.wav", wav_bytes(2.0), "audio/wav")
    expect(page.get_by_test_id("picked-file")).to_contain_text("duration 2.0 s")
    page.get_by_label("Voice name").fill("Minha voz")
    page.get_by_role("button", name="Clone voice").click()
    voice = page.get_by_test_id("voice-row").filter(has_text="Minha voz")
    expect(voice).to_contain_text("ready", timeout=DONE)

    page.get_by_label("Text", exact=True).fill("Olá mundo bonito")
    page.get_by_label("Voice", exact=True).select_option(label="Minha voz")
    expect(page.get_by_label("CFG weight", exact=True).first).to_have_value("0.65")
    page.get_by_role("button", name="Generate speech").click()
    words = page.get_by_test_id("spoken-words")
    expect(words).to_contain_text("Olá mundo bonito", timeout=DONE)
    page.get_by_role("button", name="Play", exact=True).click()
    expect(words.locator("[data-active]")).to_have_count(1, timeout=DONE)


def test_a_too_short_sample_is_refused_before_uploading(signed_in: Page, base_url: str) -> None:
    page = signed_in
    page.goto(base_url + "/audio")
    drop_file(page, "[data-testid=dropzone]", "short.wav", wav_bytes(0.2), "audio/wav")
    expect(page.get_by_test_id("picked-file")).to_contain_text("duration 0.2 s")
    page.get_by_label("Voice name").fill("Curta")
    # The server's own limit (GET /api/v1/limits; 0.5 s in the tests), said before any upload.
    expect(page.get_by_role("alert")).to_have_text("short.wav lasts 0.2 s; a voice sample must last at least 0.5 s.")
    expect(page.get_by_role("button", name="Clone voice")).to_be_disabled()


def test_generate_an_image_find_it_in_the_gallery_and_reuse_its_settings(signed_in: Page, base_url: str) -> None:
    page = signed_in
    page.goto(base_url + "/image")
    page.get_by_label("Prompt", exact=True).fill("a red fox in a watercolour forest")
    page.get_by_label("1:1").check()
    page.get_by_role("spinbutton", name="Seed").fill("7")
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_test_id("job-progress")).to_have_attribute("data-status", "completed", timeout=DONE)
    tile = page.get_by_role("button", name="Image 1, seed 7")
    expect(tile).to_be_visible(timeout=DONE)
    expect(tile.locator("img")).to_have_attribute("src", re.compile(r"^blob:"))

    tile.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("image-seed")).to_have_text("7")
    expect(dialog.get_by_test_id("image-parameters")).to_contain_text("a red fox in a watercolour forest")
    page.get_by_role("button", name="Use these settings").click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("a red fox in a watercolour forest")
    expect(page.get_by_role("spinbutton", name="Seed")).to_have_value("7")


def test_cancel_a_running_job_and_see_it_settle(signed_in: Page, base_url: str) -> None:
    page = signed_in
    page.goto(base_url + "/image")
    page.get_by_label("Prompt", exact=True).fill("[hold] a fox that takes its time")
    page.get_by_role("button", name="Generate", exact=True).click()
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "running", timeout=DONE)
    progress.get_by_role("button", name="Cancel").click()
    expect(progress).to_have_attribute("data-status", "cancelled", timeout=DONE)
    expect(progress.get_by_role("progressbar")).to_have_count(0)

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_text("Nothing is queued or running.")).to_be_visible(timeout=DONE)
    cancelled = page.get_by_role("list", name="Recent jobs").get_by_test_id("job-row").filter(has_text="[hold]")
    expect(cancelled).to_have_attribute("data-status", "cancelled")


def test_a_screenplay_error_shows_at_its_line(signed_in: Page, base_url: str) -> None:
    page = signed_in
    page.goto(base_url + "/projects/new")
    page.get_by_role("tab", name="Screenplay").click()
    page.get_by_label("Screenplay (YAML or JSON)").fill(
        "title: Broken\nscenes:\n  - prompt: a fox\n    duration: soon\n    narration: Hello\n"
    )
    errors = page.get_by_test_id("screenplay-errors")
    expect(errors).to_contain_text("Line 4:")
    expect(errors).to_contain_text("scenes[0].duration")
    expect(page.get_by_role("button", name="Create and produce")).to_be_disabled()


def test_a_project_from_a_template_runs_every_step_then_plays_and_downloads(
    signed_in: Page, base_url: str, tmp_path: Path
) -> None:
    page = signed_in
    page.goto(base_url + "/templates")
    page.get_by_role("button", name="Use Children's story, 30 s, watercolour").click()
    expect(page.get_by_text("The screenplay is valid.")).to_be_visible()
    page.get_by_role("button", name="Create and produce").click()

    expect(page.get_by_role("heading", name="Luna e a raposa")).to_be_visible(timeout=DONE)
    steps = page.get_by_test_id("step-row")
    expect(page.get_by_test_id("project-progress")).to_contain_text("of 15 steps", timeout=DONE)
    expect(steps.and_(page.locator(":not([data-status=completed])"))).to_have_count(0, timeout=60_000)
    for group in ("Frames", "Narration", "Music", "Picture parts", "Sound", "Final cut"):
        expect(page.get_by_role("heading", name=group, exact=True)).to_be_visible()

    video = page.locator("video")
    expect(video).to_have_attribute("src", SIGNED_MEDIA, timeout=DONE)  # streamed with Range, not fetched whole
    expect(video.locator("track")).to_have_count(1)
    assert page.evaluate("() => document.querySelector('video').play().then(() => true)")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0", timeout=DONE)

    with page.expect_download() as download:
        page.get_by_role("button", name="MP4").click()
    saved = tmp_path / "film.mp4"
    download.value.save_as(saved)
    assert saved.read_bytes()[4:8] == b"ftyp" and download.value.suggested_filename == "Luna-e-a-raposa.mp4"
    with page.expect_download() as subtitles:
        page.get_by_role("button", name="VTT subtitles").click()
    assert Path(subtitles.value.path()).read_text().startswith("WEBVTT")

    # The first production is version 1, current (tests/web/test_history_versions.py re-renders).
    version = page.get_by_test_id("version-row")
    expect(version).to_have_count(1)
    expect(version).to_contain_text("Version 1")
    expect(version).to_contain_text("current")


def test_switch_to_portuguese_and_dark_mode(signed_in: Page, base_url: str) -> None:
    page = signed_in
    page.goto(base_url + "/settings")
    page.get_by_role("radio", name="Dark").check()
    page.get_by_label("Language", exact=True).last.select_option("pt-BR")
    expect(page.get_by_role("heading", name="Configurações")).to_be_visible()
    assert page.evaluate(
        "() => [document.documentElement.classList.contains('dark'), document.documentElement.lang]"
    ) == [
        True,
        "pt-BR",
    ]
    page.reload()
    expect(page.get_by_role("link", name="Painel")).to_be_visible()
    assert page.evaluate("() => document.documentElement.classList.contains('dark')")
    page.get_by_role("link", name="Estúdio de imagem").click()
    expect(page.get_by_role("button", name="Gerar", exact=True)).to_be_visible()


def test_upload_a_portrait_and_animate_it(signed_in: Page, base_url: str) -> None:
    page = signed_in
    page.goto(base_url + "/video")
    animate = page.locator("section", has=page.get_by_role("heading", name="Animate an image"))
    drop_file(
        page, "section:has(h2:text('Animate an image')) [data-testid=dropzone]", "still.png", png_bytes(64), "image/png"
    )
    expect(animate.get_by_test_id("picked-file")).to_contain_text("still.png")
    animate.get_by_role("button", name="Animate", exact=True).click()
    expect(animate.locator("video")).to_have_attribute("src", SIGNED_MEDIA, timeout=DONE)


def test_a_project_from_a_briefing_is_written_then_produced_to_done(signed_in: Page, base_url: str) -> None:
    page = signed_in
    page.goto(base_url + "/projects/new")
    page.get_by_label("Project name").fill("A girl and the moon")
    page.get_by_role("tab", name="Briefing").click()
    page.get_by_role("textbox", name="Briefing").fill(
        "Luna, a girl in a yellow raincoat, talks to the moon. The moon changes shape as they talk."
    )
    page.get_by_label("Visual style").fill("ink drawing")
    page.get_by_role("button", name="Create and produce").click()

    expect(page.get_by_role("heading", name="A girl and the moon")).to_be_visible(timeout=DONE)
    expect(page.locator("[data-step=screenplay]")).to_have_attribute("data-status", "completed", timeout=DONE)
    steps = page.get_by_test_id("step-row")
    expect(steps.and_(page.locator(":not([data-status=completed])"))).to_have_count(0, timeout=60_000)
    expect(page.get_by_role("heading", name="Final cut", exact=True)).to_be_visible()
    expect(page.locator("video")).to_have_attribute("src", SIGNED_MEDIA, timeout=DONE)


def test_a_webhook_gets_a_test_event_and_its_log_shows_it_delivered(signed_in: Page, base_url: str) -> None:
    receiver = Receiver()
    try:
        page = signed_in
        page.goto(base_url + "/settings")
        page.get_by_label("URL", exact=True).fill(receiver.url)
        page.get_by_label("project.completed").check()
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_text("Its signing secret, shown only now:")).to_be_visible()
        row = page.get_by_test_id("webhook-row").filter(has_text=receiver.url)
        expect(row).to_contain_text("project.completed")
        expect(row).to_contain_text("No deliveries yet.")

        row.get_by_role("button", name="Send a test event").click()
        log = row.get_by_role("list", name="Recent deliveries")
        expect(log.get_by_role("listitem")).to_have_count(1, timeout=DONE)
        expect(log).to_contain_text("webhook.test")
        expect(log).to_contain_text("delivered", timeout=DONE)  # the log refreshes every 5 s
        expect(log).to_contain_text("204")
        assert receiver.events() == ["webhook.test"]
    finally:
        receiver.server.shutdown()
