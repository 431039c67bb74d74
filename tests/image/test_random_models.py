"""The random-weight builders reproduce the published architectures (checked on the meta device: no memory)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")


def billions(module: object) -> float:
    return round(sum(p.numel() for p in module.parameters()) / 1e9, 2)  # type: ignore[attr-defined]


def test_full_size_flux_and_sd35_large_match_their_parameter_counts() -> None:
    from studio.image.random_models import flux_components, sd3_components

    with torch.device("meta"):
        flux = flux_components("full")
        sd35 = sd3_components("full")
    assert billions(flux["transformer"]) == pytest.approx(11.9, abs=0.05)  # FLUX.1: 12B
    assert billions(flux["text_encoder_2"]) == pytest.approx(4.76, abs=0.05)  # T5 v1.1 XXL encoder
    assert billions(sd35["transformer"]) == pytest.approx(8.06, abs=0.05)  # SD 3.5 Large: 8B
    assert billions(sd35["text_encoder_2"]) == pytest.approx(0.69, abs=0.02)  # OpenCLIP bigG text tower


def test_tokenizers_are_built_offline_and_fit_the_text_encoders() -> None:
    from studio.image.random_models import clip_tokenizer, t5_tokenizer

    clip = clip_tokenizer()
    ids = clip("A Red Fox, 7!").input_ids
    assert ids[0] == 0 and ids[-1] == 1 and max(ids) < 1000
    t5 = t5_tokenizer()
    assert t5("a red fox").input_ids[-1] == t5.eos_token_id
    assert max(t5("watercolour forest 123").input_ids) < 1000
