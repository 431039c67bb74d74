"""Audio service speed: real-time factor of the lite backends on one core, and throughput under concurrency.

Real-time factor (RTF) = processing time / audio duration (below 1 = faster than real time).
Measured twice: the backend alone, and the whole Synthesize / GenerateMusic operation
(validation, resampling, encoding, storing). CPU seconds are shown too because this
machine is shared; on a loaded host compare CPU, not wall, time.

Throughput sends N Synthesize requests through the embedded service with 1 and with 4
in flight at once (all cores allowed) and reports requests and audio seconds per second.

    .venv/bin/python -m benchmarks.audio [--rounds N] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.audio.backends.base import SpeechJob, SpeechParams
from studio.audio.backends.espeak import EspeakBackend
from studio.audio.backends.synth import SynthMusicBackend
from studio.audio.service import build_service
from studio.audio.settings import AudioSettings
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.v1 import audio_pb2 as pb

NARRATION = (
    "Olá! Eu sou a Luna, sua assistente de inteligência artificial. Hoje vamos conhecer o estúdio de mídia: "
    "ele escreve o roteiro, escolhe as vozes, cria as imagens e monta o vídeo final com música e legendas. "
    "Tudo roda no seu próprio computador, sem depender de serviços externos, e cada etapa pode ser repetida "
    "quantas vezes for preciso até o resultado ficar do jeito que você imaginou."
)


def timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def best(rounds: int, work: Callable[[], Any]) -> tuple[Any, float, float]:
    runs = [timed(work) for _ in range(rounds)]
    return min(runs, key=lambda run: run[1])


def row(name: str, audio_seconds: float, wall: float, cpu: float) -> None:
    print(
        f"{name:<34} {audio_seconds:8.2f} s audio  RTF wall {wall / audio_seconds:7.4f}  cpu {cpu / audio_seconds:7.4f}"
    )


def service(root: Path, espeak: EspeakBackend) -> EmbeddedClient:
    store = LocalArtifactStore(root / "artifacts")
    definition = build_service(
        store,
        settings=AudioSettings(models_dir=root / "models"),
        speech_backends={"espeak": espeak},
    )
    return EmbeddedClient(definition, store)


async def throughput(client: EmbeddedClient, requests: int, concurrency: int) -> tuple[float, float]:
    """Requests per second and audio seconds per second with `concurrency` requests in flight."""
    gate = asyncio.Semaphore(concurrency)
    audio = 0.0

    async def one(index: int) -> None:
        nonlocal audio
        async with gate:
            result = await client.call("Synthesize", pb.SynthesizeRequest(text=NARRATION, language="pt-br"))
            audio += result.duration_seconds

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(requests)))
    elapsed = time.perf_counter() - started
    return requests / elapsed, audio / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="repetitions per one-core measurement (best kept)")
    parser.add_argument("--requests", type=int, default=16, help="Synthesize requests per throughput run")
    args = parser.parse_args()

    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    print(f"one core (cpu {min(cores)}), best of {args.rounds}; machine load {os.getloadavg()[0]:.1f}")
    espeak = EspeakBackend()
    espeak.load()
    job = SpeechJob("pt-br", SpeechParams())
    espeak.synthesize("aquecimento", job)
    speech, wall, cpu = best(args.rounds, lambda: espeak.synthesize(NARRATION, job))
    row("espeak backend (pt-br)", speech.duration, wall, cpu)

    music = SynthMusicBackend()
    track, wall, cpu = best(args.rounds, lambda: music.generate("calm warm piano", 30.0, 44100, 1, lambda _: None))
    row("synth backend (30 s, 44.1 kHz st.)", len(track) / 44100, wall, cpu)

    with tempfile.TemporaryDirectory(prefix="studio-bench-") as tmp:
        client = service(Path(tmp), espeak)
        request = pb.SynthesizeRequest(text=NARRATION, language="pt-br")
        result, wall, cpu = best(args.rounds, lambda: asyncio.run(client.call("Synthesize", request)))
        row("Synthesize operation (wav 24 kHz)", result.duration_seconds, wall, cpu)
        music_request = pb.GenerateMusicRequest(description="calm warm piano", duration_seconds=30, seed=1)
        result, wall, cpu = best(args.rounds, lambda: asyncio.run(client.call("GenerateMusic", music_request)))
        row("GenerateMusic operation (wav)", result.duration_seconds, wall, cpu)

        os.sched_setaffinity(0, cores)
        print(
            f"\nthroughput, {args.requests} Synthesize requests (~{speech.duration:.0f} s of speech each), "
            f"{len(cores)} cores"
        )
        for concurrency in (1, 4):
            per_second, audio_rate = asyncio.run(throughput(client, args.requests, concurrency))
            print(f"concurrency {concurrency}: {per_second:6.2f} requests/s  {audio_rate:8.1f} audio s/s")


if __name__ == "__main__":
    main()
