"""The service's backends: which exist, which are loaded, and loading each exactly once.

Default and preloaded backends load at start-up (health turns SERVING after); a request
naming another known backend loads it on first use, from the local models dir only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf.message import Message

from studio.audio.backends.base import HostedMusicBackend, HostedSpeechBackend, MusicBackend, SpeechBackend
from studio.audio.models import CATALOG
from studio.audio.settings import AudioSettings
from studio.core.costs import estimated_gpu, total
from studio.core.errors import ConfigError, InvalidInput
from studio.core.providers.settings import ProviderSettings
from studio.core.residency import holding
from studio.core.settings import load_settings
from studio.v1.audio_pb2 import GenerateMusicRequest, SynthesizeRequest
from studio.v1.common_pb2 import Cost, ModelInfo

log = logging.getLogger(__name__)
B = TypeVar("B")
#: Rough speeds for estimates (the actual cost of local GPU work is measured while it runs).
CHARACTERS_PER_SECOND = 14.0
GPU_SECONDS_PER_SPEECH_SECOND = 0.5
GPU_SECONDS_PER_MUSIC_SECOND = 1.5


SpeechBackends = SpeechBackend | HostedSpeechBackend
MusicBackends = MusicBackend | HostedMusicBackend


def _speech_factories(settings: AudioSettings, providers: ProviderSettings) -> dict[str, Callable[[], SpeechBackends]]:
    def espeak() -> SpeechBackend:
        from studio.audio.backends.espeak import EspeakBackend

        return EspeakBackend()

    def chatterbox() -> SpeechBackend:
        from studio.audio.backends.chatterbox import ChatterboxBackend

        return ChatterboxBackend(
            settings.models_dir,
            settings.chatterbox_model,
            settings.device,
            chunk_chars=settings.chatterbox_chunk_chars,
            cache_size=settings.chatterbox_voice_cache,
        )

    def elevenlabs() -> HostedSpeechBackend:
        from studio.audio.backends.elevenlabs import ElevenLabsBackend

        return ElevenLabsBackend(providers, settings.elevenlabs_female_voice, settings.elevenlabs_male_voice)

    return {"espeak": espeak, "chatterbox": chatterbox, "elevenlabs": elevenlabs}


def _music_factories(settings: AudioSettings, providers: ProviderSettings) -> dict[str, Callable[[], MusicBackends]]:
    def synth() -> MusicBackend:
        from studio.audio.backends.synth import SynthMusicBackend

        return SynthMusicBackend()

    def musicgen() -> MusicBackend:
        from studio.audio.backends.musicgen import MusicgenBackend

        return MusicgenBackend(
            settings.models_dir,
            settings.musicgen_model,
            settings.device,
            dtype=settings.musicgen_dtype,
            static_cache=settings.musicgen_static_cache,
        )

    def replicate() -> HostedMusicBackend:
        from studio.audio.backends.replicate_music import ReplicateMusicBackend

        return ReplicateMusicBackend(providers)

    return {"synth": synth, "musicgen": musicgen, "replicate": replicate}


class _Pool:
    """Backends of one kind: built and loaded lazily, once, under a per-name lock."""

    def __init__(self, kind: str, factories: dict[str, Callable[[], Any]], instances: dict[str, Any]) -> None:
        self.kind = kind
        self.factories = dict(factories)
        self.instances = dict(instances)
        self.loaded: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def names(self) -> list[str]:
        return sorted({*self.factories, *self.instances})

    def known(self, name: str) -> str:
        if name not in self.factories and name not in self.instances:
            raise InvalidInput(f"backend: unknown {self.kind} backend {name!r}; choose one of: {', '.join(self.names)}")
        return name

    async def get(self, name: str) -> Any:
        if name in self.loaded:
            return self.loaded[name]
        self.known(name)
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            if name not in self.loaded:
                backend = self.instances.get(name) or self.factories[name]()
                await asyncio.to_thread(backend.load)
                async with holding(backend):  # GPU weights load through residency (and stay while idle)
                    pass
                self.loaded[name] = backend
                log.info("loaded %s backend %s", self.kind, name)
        return self.loaded[name]


class AudioRuntime:
    def __init__(
        self,
        settings: AudioSettings,
        *,
        speech: dict[str, SpeechBackend] | None = None,
        music: dict[str, MusicBackend] | None = None,
        providers: ProviderSettings | None = None,
    ) -> None:
        self.settings = settings
        self.providers = providers or load_settings(ProviderSettings)
        self.speech = _Pool("speech", _speech_factories(settings, self.providers), speech or {})
        self.music = _Pool("music", _music_factories(settings, self.providers), music or {})

    def startup_backends(self) -> list[tuple[_Pool, str]]:
        """The default backends and STUDIO_AUDIO_PRELOAD, validated."""
        wanted = [(self.speech, self.settings.speech_backend), (self.music, self.settings.music_backend)]
        for name in filter(None, (n.strip() for n in self.settings.preload.split(","))):
            pool = self.speech if name in self.speech.names else self.music if name in self.music.names else None
            if pool is None:
                known = ", ".join([*self.speech.names, *self.music.names])
                raise ConfigError(f"STUDIO_AUDIO_PRELOAD: unknown backend {name!r}; known: {known}")
            wanted.append((pool, name))
        for pool, name in wanted:
            if name not in pool.names:
                raise ConfigError(f"unknown {pool.kind} backend {name!r}; choose one of: {', '.join(pool.names)}")
        return wanted

    async def load(self) -> None:
        for pool, name in self.startup_backends():
            await pool.get(name)

    async def speech_backend(self, name: str) -> SpeechBackends:
        backend: SpeechBackends = await self.speech.get(name or self.settings.speech_backend)
        return backend

    async def music_backend(self, name: str) -> MusicBackends:
        backend: MusicBackends = await self.music.get(name or self.settings.music_backend)
        return backend

    def estimate(self, rpc: str, request: Message) -> Cost:
        """What a request would cost on the backend it names (or the default), without loading anything."""
        if rpc == "Synthesize":
            assert isinstance(request, SynthesizeRequest)
            name = self.speech.known(request.backend.strip() or self.settings.speech_backend)
            if name == "elevenlabs":
                return total(self.speech.factories[name]().estimate(len(request.text)))
            if name == "chatterbox":
                seconds = GPU_SECONDS_PER_SPEECH_SECOND * len(request.text) / CHARACTERS_PER_SECOND
                return total([estimated_gpu(self.settings.chatterbox_model, seconds, self.settings)])
        elif rpc == "GenerateMusic":
            assert isinstance(request, GenerateMusicRequest)
            name = self.music.known(request.backend.strip() or self.settings.music_backend)
            if name == "replicate":
                return total(self.music.factories[name]().estimate(request.duration_seconds))
            if name == "musicgen":
                seconds = GPU_SECONDS_PER_MUSIC_SECOND * request.duration_seconds
                return total([estimated_gpu(self.settings.musicgen_model, seconds, self.settings)])
        return total([])

    def models(self) -> list[ModelInfo]:
        """Lite backends and every catalogue model, installed or not (nothing is loaded to answer)."""
        from studio.audio.backends.elevenlabs import ElevenLabsBackend
        from studio.audio.backends.espeak import EspeakBackend
        from studio.audio.backends.replicate_music import ReplicateMusicBackend
        from studio.audio.backends.synth import SynthMusicBackend

        infos = [*EspeakBackend().models(), *SynthMusicBackend().models()]
        infos += [spec.info(self.settings.models_dir) for spec in CATALOG]
        infos += [*ElevenLabsBackend(self.providers).models(), *ReplicateMusicBackend(self.providers).models()]
        return infos
