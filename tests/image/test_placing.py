"""Placements applied to a real (tiny) FLUX pipeline on the CPU: the same pipeline code paths as on a GPU.

Streaming without a CUDA stream still installs diffusers' group-offload hooks, so the images must
not change; float8 storage and float8 matmuls round the weights, so the images stay close.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from studio.core.placement import PartPlacement, Placement, Where
from studio.core.placing import place
from studio.image.speedups import Fp8Linear, use_fp8_matmuls


def load(tiny_models_dir: Path) -> Any:
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(str(tiny_models_dir / "image" / "tiny-flux"), local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def render(pipe: Any) -> np.ndarray:
    generator = torch.Generator("cpu").manual_seed(3)
    image = pipe("a red fox", height=64, width=64, num_inference_steps=2, generator=generator, output_type="np").images[
        0
    ]
    return np.asarray(image, dtype=np.float32)


def placement(**parts: PartPlacement) -> Placement:
    return Placement(tuple(parts.items()))


@pytest.fixture(scope="module")
def reference(tiny_models_dir: Path) -> np.ndarray:
    return render(load(tiny_models_dir))


def test_streamed_parts_give_the_same_image(tiny_models_dir: Path, reference: np.ndarray) -> None:
    from diffusers.hooks.group_offloading import _is_group_offload_enabled

    pipe = load(tiny_models_dir)
    streamed = PartPlacement(Where.STREAM)
    place(pipe, placement(transformer=streamed, text_encoder_2=streamed), "cpu", torch.float32)
    assert _is_group_offload_enabled(pipe.transformer) and _is_group_offload_enabled(pipe.text_encoder_2)
    assert not _is_group_offload_enabled(pipe.vae)
    assert np.array_equal(render(pipe), reference)


def test_float8_storage_halves_the_transformer_and_keeps_the_picture(
    tiny_models_dir: Path, reference: np.ndarray
) -> None:
    pipe = load(tiny_models_dir)
    place(
        pipe,
        placement(transformer=PartPlacement(Where.STREAM, fp8=True), vae=PartPlacement(tiled=True)),
        "cpu",
        torch.float32,
    )
    linear = pipe.transformer.transformer_blocks[0].attn.to_q
    assert linear.weight.dtype == torch.float8_e4m3fn  # stored as float8 between calls
    assert pipe.vae.use_tiling
    image = render(pipe)
    assert not np.array_equal(image, reference)  # the weights were rounded...
    assert np.abs(image - reference).mean() < 0.05  # ...but it is the same picture


def test_fp8_linear_is_close_to_the_layer_it_replaces() -> None:
    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 32)
    x = torch.randn(3, 7, 64)
    fp8 = Fp8Linear(linear)
    assert fp8.weight_fp8.dtype == torch.float8_e4m3fn and fp8(x).shape == (3, 7, 32)
    error = (fp8(x) - linear(x)).abs().max() / linear(x).abs().max()
    assert 0 < error < 0.1


def test_fp8_matmuls_replace_the_block_linears(tiny_models_dir: Path, reference: np.ndarray) -> None:
    pipe = load(tiny_models_dir)
    swapped = use_fp8_matmuls(pipe.transformer)
    blocks = [*pipe.transformer.transformer_blocks, *pipe.transformer.single_transformer_blocks]
    in_blocks = [m for b in blocks for m in b.modules() if isinstance(m, torch.nn.Linear | Fp8Linear)]
    assert swapped > 0 and swapped == sum(isinstance(m, Fp8Linear) for m in in_blocks)
    assert isinstance(pipe.transformer.proj_out, torch.nn.Linear)  # outside the repeated blocks: untouched
    image = render(pipe)
    assert np.abs(image - reference).mean() < 0.05
