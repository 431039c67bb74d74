"""Audio service settings (STUDIO_AUDIO_*), read once through `load_settings(AudioSettings)`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from studio.core.settings import StudioSettings

#: Output sample rates a request or the configuration may ask for.
SAMPLE_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)


class AudioSettings(StudioSettings):
    """Speech, voice and music defaults; shared values (models dir, device) keep their STUDIO_* names."""

    model_config = SettingsConfigDict(env_prefix="STUDIO_AUDIO_", extra="ignore", frozen=True)

    #: Speech backend used when a request names none.
    speech_backend: str = "espeak"
    #: Music backend used when a request names none.
    music_backend: str = "synth"
    #: Backends loaded (and warmed) at start-up besides the two defaults, comma-separated.
    preload: str = ""
    #: Speech output sample rate (Hz) when a request gives none.
    sample_rate: int = Field(default=24000, ge=8000, le=48000)
    #: Music output sample rate (Hz) when a request gives none.
    music_sample_rate: int = Field(default=44100, ge=8000, le=48000)
    #: Language used when neither the request nor the voice profile names one.
    language: str = "en"

    # Voice samples
    #: Shortest accepted reference after silence trimming, in seconds (15 s or more clones best).
    min_sample_seconds: float = Field(default=10.0, ge=1.0, le=300.0)
    #: Longest accepted reference, in seconds.
    max_sample_seconds: float = Field(default=300.0, ge=5.0, le=3600.0)
    #: Largest accepted sample upload, in bytes.
    max_sample_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    # Limits
    #: Longest text one Synthesize request may carry, in characters.
    max_text_chars: int = Field(default=20000, ge=100)
    #: Longest music track, in seconds.
    max_music_seconds: float = Field(default=600.0, ge=1.0)

    # Model backends
    #: Characters per chatterbox generation; longer text is split at sentence boundaries.
    chatterbox_chunk_chars: int = Field(default=300, ge=50, le=1000)
    #: Voices whose chatterbox conditioning is kept in memory.
    chatterbox_voice_cache: int = Field(default=16, ge=1)
    #: MusicGen checkpoint (a name from studio.audio.models.CATALOG).
    musicgen_model: str = "musicgen-small"
    #: MusicGen's precision: float32 (default; TF32 products on GPUs) or a half dtype for the text encoder and
    #: decoder (EnCodec always stays float32). bfloat16 was 4x slower on an H200 (see docs/audio.md).
    musicgen_dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    #: Decode MusicGen with a static KV cache of one fixed length: on GPUs transformers then compiles the
    #: decoder step (CUDA graphs), warmed at load before SERVING.
    musicgen_static_cache: bool = False
    #: Chatterbox checkpoint (a name from studio.audio.models.CATALOG).
    chatterbox_model: str = "chatterbox"

    # Hosted backends (keys: STUDIO_ELEVENLABS_KEY, STUDIO_REPLICATE_KEY; see docs/providers.md)
    #: ElevenLabs voice for lite-backend presets with a female variant ("pt-br+f3") and for no voice at all.
    elevenlabs_female_voice: str = "EXAVITQu4vr4xnAvTxp6"
    #: ElevenLabs voice for other lite-backend presets ("pt-br", "en-us+m3").
    elevenlabs_male_voice: str = "JBFqnCBsd6RMkjVDRZzb"

    @field_validator("sample_rate", "music_sample_rate")
    @classmethod
    def _known_rate(cls, rate: int) -> int:
        if rate not in SAMPLE_RATES:
            raise ValueError(f"must be one of {', '.join(str(r) for r in SAMPLE_RATES)}")
        return rate
