"""MusicGen with random weights, built offline from configs (tests, and benchmarks at full published size).

`tiny` runs in seconds on a CPU; `full` is facebook/musicgen-small's architecture (T5-base text
encoder, a 24-layer 1024-wide decoder over 4 codebooks of 2048, the 32 kHz EnCodec), so speed
measured on it is the real model's. Saved with save_pretrained, loaded by the backend's own loader.
The tokenizer is a small unigram vocabulary: no download needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

Size = Literal["tiny", "full"]
WORDS = ["calm", "warm", "piano", "playful", "adventurous", "epic", "music", "with", "a", "the"]


def _configs(size: Size, vocab: int) -> tuple[Any, Any, Any]:
    from transformers import EncodecConfig, MusicgenDecoderConfig, T5Config

    if size == "tiny":
        text = T5Config(vocab_size=vocab, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2)
        codec = EncodecConfig(
            sampling_rate=32000,
            audio_channels=1,
            num_filters=4,
            hidden_size=8,
            upsampling_ratios=[8, 5, 4, 4],  # 640-sample hop: 50 frames per second, like the real model
            codebook_size=16,
            codebook_dim=8,
            num_residual_layers=1,
            num_lstm_layers=1,
            target_bandwidths=[1.0],
            kernel_size=3,
            last_kernel_size=3,
            residual_kernel_size=3,
        )
        decoder = MusicgenDecoderConfig(
            vocab_size=16, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, ffn_dim=32
        )
    else:  # facebook/musicgen-small
        text = T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12)
        codec = EncodecConfig(
            sampling_rate=32000,
            audio_channels=1,
            num_filters=64,
            hidden_size=128,
            upsampling_ratios=[8, 5, 4, 4],
            codebook_size=2048,
            codebook_dim=128,
            num_residual_layers=1,
            num_lstm_layers=2,
            target_bandwidths=[2.2],
            kernel_size=7,
            last_kernel_size=7,
            residual_kernel_size=3,
            norm_type="weight_norm",
            pad_mode="reflect",
            use_causal_conv=False,
            compress=2,
            trim_right_ratio=1.0,
        )
        decoder = MusicgenDecoderConfig(
            vocab_size=2048, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, ffn_dim=4096
        )
    return text, codec, decoder


def save_random_musicgen(dest: Path, size: Size = "tiny", *, seed: int = 0) -> Path:
    """A random MusicGen in `dest`, in the layout `studio models download musicgen-small` produces."""
    import torch
    from transformers import (
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
        T5Tokenizer,
    )

    torch.manual_seed(seed)
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), *[(f"\u2581{w}", -1.0) for w in WORDS]]
    text, codec, decoder = _configs(size, len(vocab))
    text.pad_token_id, text.eos_token_id = 0, 1
    pad = decoder.vocab_size
    decoder.num_codebooks = codec.num_quantizers
    decoder.max_position_embeddings = 2048
    decoder.pad_token_id = decoder.bos_token_id = pad
    config = MusicgenConfig(text_encoder=text.to_dict(), audio_encoder=codec.to_dict(), decoder=decoder.to_dict())
    model = MusicgenForConditionalGeneration(config)
    model.generation_config.decoder_start_token_id = pad
    model.generation_config.pad_token_id = pad
    model.generation_config.max_length = 4096
    model.save_pretrained(dest)
    processor = MusicgenProcessor(
        EncodecFeatureExtractor(feature_size=1, sampling_rate=32000), T5Tokenizer(vocab=vocab, extra_ids=0)
    )
    processor.save_pretrained(dest)
    return dest
