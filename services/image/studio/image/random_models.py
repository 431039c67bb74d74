"""Real diffusers architectures with random weights, built offline.

Tests and benchmarks need the exact code paths real weights take (the same
pipeline classes, `save_pretrained` layout and loader) without downloading
anything: these builders make FLUX, FLUX Kontext, SD 3.5 and SD x4 upscaler
pipelines from configs alone. `tiny` sizes run in seconds on a CPU; `full`
sizes match the published architectures (for GPU throughput benchmarks).
Tokenizers are built from a byte-level alphabet, so no vocabulary download
is needed either; their ids fit the text encoders' real vocabulary sizes.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

Size = Literal["tiny", "full"]
Family = Literal["flux", "flux-kontext", "sd3", "sd3-medium", "upscaler"]

FAMILIES: tuple[Family, ...] = ("flux", "flux-kontext", "sd3", "sd3-medium", "upscaler")


def clip_tokenizer(max_length: int = 77) -> Any:
    """A CLIP BPE tokenizer over single byte-level characters (no merges)."""
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTokenizer

    alphabet = sorted(ByteLevel.alphabet())
    vocab: dict[str, int] = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for piece in [*alphabet, *(c + "</w>" for c in alphabet)]:
        vocab.setdefault(piece, len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=max_length)


def t5_tokenizer() -> Any:
    """A T5 unigram tokenizer over letters, digits and punctuation."""
    from transformers import T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    pieces += [(c, -3.0) for c in string.ascii_lowercase + string.digits + string.punctuation]
    pieces += [("▁" + c, -3.5) for c in string.ascii_lowercase]
    return T5Tokenizer(vocab=pieces, extra_ids=0)


def _clip_config(size: Size, *, large: bool = False) -> Any:
    from transformers import CLIPTextConfig

    if size == "tiny":
        return CLIPTextConfig(
            hidden_size=32,
            intermediate_size=37,
            num_hidden_layers=2,
            num_attention_heads=4,
            projection_dim=32,
            vocab_size=1000,
            max_position_embeddings=77,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    if large:  # OpenCLIP bigG (SD3's second text encoder)
        return CLIPTextConfig(
            hidden_size=1280,
            intermediate_size=5120,
            num_hidden_layers=32,
            num_attention_heads=20,
            projection_dim=1280,
            hidden_act="gelu",
            vocab_size=49408,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    return CLIPTextConfig(  # CLIP ViT-L/14 text tower
        hidden_size=768,
        intermediate_size=3072,
        num_hidden_layers=12,
        num_attention_heads=12,
        projection_dim=768,
        hidden_act="quick_gelu",
        vocab_size=49408,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
    )


def _t5_config(size: Size, d_model: int) -> Any:
    from transformers import T5Config

    if size == "tiny":
        return T5Config(d_model=d_model, d_ff=37, d_kv=8, num_heads=4, num_layers=2, vocab_size=1000)
    return T5Config(  # T5 v1.1 XXL encoder
        d_model=4096,
        d_ff=10240,
        d_kv=64,
        num_heads=64,
        num_layers=24,
        vocab_size=32128,
        feed_forward_proj="gated-gelu",
    )


def _vae(size: Size, latent_channels: int, scaling: float, shift: float) -> Any:
    from diffusers import AutoencoderKL

    blocks: tuple[int, ...]
    if size == "tiny":
        blocks = (8, 16)
        groups = 4
    else:
        blocks = (128, 256, 512, 512)
        groups = 32
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * len(blocks),
        up_block_types=("UpDecoderBlock2D",) * len(blocks),
        block_out_channels=blocks,
        layers_per_block=1 if size == "tiny" else 2,
        latent_channels=latent_channels,
        norm_num_groups=groups,
        use_quant_conv=False,
        use_post_quant_conv=False,
        scaling_factor=scaling,
        shift_factor=shift,
    )


def flux_components(size: Size, *, guidance_embeds: bool = False) -> dict[str, Any]:
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxTransformer2DModel
    from transformers import CLIPTextModel, T5EncoderModel

    if size == "tiny":
        transformer = FluxTransformer2DModel(
            in_channels=16,
            num_layers=1,
            num_single_layers=1,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=32,
            pooled_projection_dim=32,
            guidance_embeds=guidance_embeds,
            axes_dims_rope=(4, 6, 6),
        )
    else:
        transformer = FluxTransformer2DModel(guidance_embeds=guidance_embeds)  # the defaults are FLUX.1's
    return {
        "transformer": transformer,
        "vae": _vae(size, 4 if size == "tiny" else 16, 0.3611, 0.1159),
        "text_encoder": CLIPTextModel(_clip_config(size)),
        "tokenizer": clip_tokenizer(),
        "text_encoder_2": T5EncoderModel(_t5_config(size, 32)),
        "tokenizer_2": t5_tokenizer(),
        "scheduler": FlowMatchEulerDiscreteScheduler(
            shift=3.0,
            use_dynamic_shifting=True,
            base_shift=0.5,
            max_shift=1.15,
            base_image_seq_len=256,
            max_image_seq_len=4096,
        ),
    }


def sd3_components(size: Size, *, medium: bool = False) -> dict[str, Any]:
    from diffusers import FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel
    from transformers import CLIPTextModelWithProjection, T5EncoderModel

    if size == "tiny":
        transformer = SD3Transformer2DModel(
            sample_size=32,
            patch_size=1,
            in_channels=16,  # SD3's inpainting pipeline insists on 16 latent channels, as the real VAE has
            out_channels=16,
            num_layers=1,
            attention_head_dim=8,
            num_attention_heads=4,
            joint_attention_dim=64,
            caption_projection_dim=32,
            pooled_projection_dim=64,
            qk_norm="rms_norm",
            dual_attention_layers=(0,) if medium else (),
        )
    elif medium:
        transformer = SD3Transformer2DModel(
            num_layers=24,
            num_attention_heads=24,
            caption_projection_dim=1536,
            pos_embed_max_size=384,
            qk_norm="rms_norm",
            dual_attention_layers=tuple(range(13)),
        )
    else:
        transformer = SD3Transformer2DModel(
            num_layers=38,
            num_attention_heads=38,
            caption_projection_dim=2432,
            pos_embed_max_size=192,
            qk_norm="rms_norm",
        )
    return {
        "transformer": transformer,
        "vae": _vae(size, 16, 1.5305, 0.0609),
        "text_encoder": CLIPTextModelWithProjection(_clip_config(size)),
        "tokenizer": clip_tokenizer(),
        "text_encoder_2": CLIPTextModelWithProjection(_clip_config(size, large=True)),
        "tokenizer_2": clip_tokenizer(),
        "text_encoder_3": T5EncoderModel(_t5_config(size, 64)),
        "tokenizer_3": t5_tokenizer(),
        "scheduler": FlowMatchEulerDiscreteScheduler(shift=3.0),
    }


def upscaler_components(size: Size) -> dict[str, Any]:
    from diffusers import DDIMScheduler, DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel

    if size == "tiny":
        unet = UNet2DConditionModel(
            block_out_channels=(8, 16),
            layers_per_block=1,
            sample_size=32,
            in_channels=7,
            out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=32,
            attention_head_dim=4,
            norm_num_groups=4,
            num_class_embeds=100,
        )
        vae_blocks: tuple[int, ...] = (8, 16, 16)
        groups = 4
    else:  # stabilityai/stable-diffusion-x4-upscaler
        unet = UNet2DConditionModel(
            block_out_channels=(256, 512, 512, 1024),
            layers_per_block=2,
            sample_size=128,
            in_channels=7,
            out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=1024,
            attention_head_dim=8,
            num_class_embeds=1000,
            use_linear_projection=True,
            only_cross_attention=(True, True, True, False),
        )
        vae_blocks = (128, 256, 512)
        groups = 32
    from diffusers import AutoencoderKL

    vae = AutoencoderKL(
        block_out_channels=vae_blocks,
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * len(vae_blocks),
        up_block_types=("UpDecoderBlock2D",) * len(vae_blocks),
        latent_channels=4,
        layers_per_block=1 if size == "tiny" else 2,
        norm_num_groups=groups,
        scaling_factor=0.08333,
    )
    clip = _clip_config(size)
    if size == "full":  # OpenCLIP ViT-H text tower
        clip = type(clip)(
            hidden_size=1024,
            intermediate_size=4096,
            num_hidden_layers=23,
            num_attention_heads=16,
            projection_dim=512,
            hidden_act="gelu",
            vocab_size=49408,
        )
    return {
        "unet": unet,
        "vae": vae,
        "text_encoder": CLIPTextModel(clip),
        "tokenizer": clip_tokenizer(),
        "scheduler": DDIMScheduler(prediction_type="v_prediction"),
        "low_res_scheduler": DDPMScheduler(),
        "max_noise_level": 350,
    }


def build_pipeline(family: Family, size: Size = "tiny", *, seed: int = 0) -> Any:
    """A pipeline of `family` with random weights (seeded, so builds are reproducible)."""
    import torch
    from diffusers import (
        FluxKontextPipeline,
        FluxPipeline,
        StableDiffusion3Pipeline,
        StableDiffusionUpscalePipeline,
    )

    torch.manual_seed(seed)
    if family == "flux":
        return FluxPipeline(**flux_components(size))
    if family == "flux-kontext":
        return FluxKontextPipeline(**flux_components(size, guidance_embeds=True))
    if family in ("sd3", "sd3-medium"):
        return StableDiffusion3Pipeline(**sd3_components(size, medium=family == "sd3-medium"))
    if family == "upscaler":
        return StableDiffusionUpscalePipeline(**upscaler_components(size))
    raise ValueError(f"unknown family {family!r}; choose one of {', '.join(FAMILIES)}")


def save_random_pipeline(family: Family, dest: Path, size: Size = "tiny", *, seed: int = 0) -> Path:
    """Build a random-weight pipeline and write it in diffusers' `save_pretrained` layout."""
    pipeline = build_pipeline(family, size, seed=seed)
    pipeline.save_pretrained(str(dest))
    return dest
