"""Estimates: what examples/luna.yaml costs on hosted providers and locally, per step and in total."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from studio.cli.main import app
from studio.core.costs import PRICES
from studio.core.settings import reset_settings_cache
from studio.pipeline.estimate import estimate_embedded
from studio.pipeline.screenplay import load_screenplay, with_backends
from studio.sdk.estimate import estimate

LUNA = Path(__file__).resolve().parents[2] / "examples" / "luna.yaml"
HOSTED = {"image": "fal", "speech": "elevenlabs", "animation": "kling", "music": "replicate"}


def test_luna_on_hosted_providers_is_priced_step_by_step() -> None:
    screenplay = load_screenplay(LUNA)
    result = estimate(LUNA, backends=HOSTED)
    by_provider: dict[str, float] = {}
    for item in result.cost.items:
        by_provider[item.provider] = by_provider.get(item.provider, 0.0) + item.usd
    # fal: Pip's portrait (768x768) and five 1280x720 frames, each billed as one whole megapixel.
    assert by_provider["fal"] == pytest.approx(6 * PRICES["fal:fal-ai/flux/schnell"].usd)
    # ElevenLabs: every narrated character.
    characters = sum(len(scene.narration.strip()) for scene in screenplay.scenes)
    assert by_provider["elevenlabs"] == pytest.approx(
        characters / 1000 * PRICES["elevenlabs:eleven_multilingual_v2"].usd
    )
    # Kling std: five 5 s clips (scenes up to 6.75 s play them slower), one unit each.
    assert by_provider["kling"] == pytest.approx(5 * PRICES["kling:unit"].usd)
    music = [item for item in result.cost.items if item.provider == "replicate"]
    assert len(music) == 1 and music[0].unit == "predict-second"
    assert music[0].quantity == 10 + 1.5 * math.ceil(screenplay.planned_duration() + 4)
    assert result.usd == pytest.approx(sum(by_provider.values()))
    assert result.cost.basis == "estimate"
    assert [s.rpc for s in result.steps if s.service == "video"] == ["CreateAvatarVideo"] + ["Animate"] * 5
    talk = next(s for s in result.steps if s.rpc == "CreateAvatarVideo")
    assert talk.cost.basis == "free"  # Luna's line is the local puppet talking head


def test_the_lite_defaults_cost_nothing() -> None:
    result = estimate_embedded(load_screenplay(LUNA))
    assert result.usd == 0 and {s.cost.basis for s in result.steps} == {"free"}


def test_prices_and_gpu_time_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_PRICES", '{"kling:unit": 0.1}')
    monkeypatch.setenv("STUDIO_GPU_USD_PER_HOUR", "3.6")
    reset_settings_cache()
    hosted = estimate(LUNA, backends=HOSTED)
    kling = [item for item in hosted.cost.items if item.provider == "kling"]
    assert {item.unit_usd for item in kling} == {0.1} and {item.price_date for item in kling} == {"override"}
    local = estimate(LUNA, backends={"music": "musicgen"})  # MusicGen on this machine's GPU
    (item,) = local.cost.items
    assert item.provider == "local" and item.unit == "gpu-second" and item.unit_usd == pytest.approx(0.001)
    assert item.usd > 0


def test_unknown_step_kinds_and_backends_are_clear_errors() -> None:
    from studio.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown step kind 'voice'; choose from image"):
        with_backends(load_screenplay(LUNA), {"voice": "elevenlabs"})
    with pytest.raises(InvalidInput, match="backend: unknown speech backend 'polly'"):
        estimate(LUNA, backends={"speech": "polly"})


def test_studio_render_estimate_prints_the_table_and_renders_nothing(tmp_path: Path) -> None:
    flags = [arg for kind, name in HOSTED.items() for arg in ("--backend", f"{kind}={name}")]
    out = tmp_path / "film.mp4"
    result = CliRunner().invoke(app, ["render", str(LUNA), "-o", str(out), "--estimate", *flags])
    assert result.exit_code == 0, result.output
    total = estimate(LUNA, backends=HOSTED).usd
    assert f"${total:.4f}" in result.stdout and "Scene 1: animation" in result.stdout and "kling" in result.stdout
    assert not out.exists()
    bad = CliRunner().invoke(app, ["render", str(LUNA), "--estimate", "--backend", "image"])
    assert bad.exit_code == 2 and "give KIND=NAME" in bad.stderr


def test_studio_providers_lists_keys_models_and_prices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_FAL_KEY", "a-configured-key-123")
    reset_settings_cache()
    result = CliRunner().invoke(app, ["providers"])
    assert result.exit_code == 0, result.output
    for title in ("fal.ai", "Replicate", "ElevenLabs", "Kling AI", "Runway", "Luma AI", "MiniMax"):
        assert title in result.stdout
    fal_row = next(line for line in result.stdout.splitlines() if "fal.ai" in line)
    assert "configured" in fal_row and "$0.003 / megapixel" in fal_row and "2026-12" in fal_row
    assert "a-configured-key-123" not in result.output
