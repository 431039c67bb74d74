"""A tiny service whose behaviour is scripted by the request text, for transport tests.

Each call leaves a marker file in `calls_dir`, so calls made in other
processes (a worker killed with SIGKILL) are counted too.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

from studio.core.errors import InvalidInput
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.v1.audio_pb2 import SynthesizeRequest, SynthesizeResponse, SynthesizeResult


def calls(calls_dir: Path, text: str) -> int:
    return len(list(calls_dir.glob(f"{text.replace(':', '_')}.*")))


def build_fake_service(calls_dir: Path) -> ServiceDefinition:
    calls_dir.mkdir(parents=True, exist_ok=True)

    async def synthesize(request: SynthesizeRequest, ctx: OperationContext) -> SynthesizeResult:
        text = request.text
        previous = calls(calls_dir, text)
        (calls_dir / f"{text.replace(':', '_')}.{uuid.uuid4().hex}").touch()
        if text == "invalid":
            raise InvalidInput("text: 'invalid' is not accepted; send any other text")
        if text == "crash":
            raise RuntimeError("backend exploded")
        if text == "flaky" and previous == 0:
            raise RuntimeError("transient glitch")
        if text.startswith("sleep:"):
            seconds = float(text.split(":", 1)[1])
            steps = max(1, int(seconds * 4))
            for step in range(steps):
                await asyncio.sleep(seconds / steps)
                await ctx.progress((step + 1) / steps, "sleeping", force=True)
        if text.startswith("output-then-sleep:"):  # writes its output, then takes its time to finish
            audio = await ctx.artifacts.put_bytes(ctx.output_key("out.bin"), os.urandom(4096), "audio/wav")
            await asyncio.sleep(float(text.split(":", 1)[1]))
            return SynthesizeResult(backend=f"fake:{text}", duration_seconds=1.0, audio=audio)
        if text.startswith("output"):  # fresh random bytes per run: a second run's output differs
            audio = await ctx.artifacts.put_bytes(ctx.output_key("out.bin"), os.urandom(4096), "audio/wav")
            return SynthesizeResult(backend=f"fake:{text}", duration_seconds=1.0, audio=audio)
        return SynthesizeResult(backend=f"fake:{text}", duration_seconds=1.0)

    return ServiceDefinition(
        name="fake",
        grpc_service="studio.v1.AudioService",
        operations=[Operation("Synthesize", SynthesizeRequest, SynthesizeResponse, synthesize)],
    )
