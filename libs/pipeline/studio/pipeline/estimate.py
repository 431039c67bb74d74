"""What a production would cost, per step and in total, before anything runs.

The production's steps are planned exactly as `produce` plans them; each
step's request is built by the same code, from stand-in results of the steps
before it (speech of the length its text takes to say, images of the size
asked for), and priced by the service that would run it
(`ServiceDefinition.estimate`: provider unit prices, estimated GPU time for
local models, nothing for CPU lite backends). Composing is CPU work: free.
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.message import Message

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.costs import total
from studio.core.operations import ServiceDefinition
from studio.core.registry import service_spec
from studio.pipeline.media import ResolvedScreenplay, media_uses, voice_uses
from studio.pipeline.plan import Call, Node, plan_production
from studio.pipeline.screenplay import Screenplay
from studio.v1.audio_pb2 import GenerateMusicResult, RegisterVoiceResult, SynthesizeRequest, SynthesizeResult
from studio.v1.common_pb2 import ArtifactRef, Cost
from studio.v1.image_pb2 import GeneratedImage, GenerateRequest, GenerateResult
from studio.v1.video_pb2 import AnimateRequest, AnimateResult, CreateAvatarVideoResult

#: How fast narration is spoken, for the length of speech before it exists (about 2.5 words a second).
CHARACTERS_PER_SECOND = 14.0


@dataclass(frozen=True)
class StepCost:
    id: str
    name: str
    label: str
    service: str
    rpc: str
    #: The backend the request names ("" = the service's default).
    backend: str
    cost: Cost


@dataclass(frozen=True)
class Estimate:
    steps: tuple[StepCost, ...]
    cost: Cost

    @property
    def usd(self) -> float:
        return self.cost.usd


def speech_seconds(text: str) -> float:
    return round(len(text) / CHARACTERS_PER_SECOND, 3)


def _stand_in(rpc: str, request: Message) -> Message:
    """A result shaped like the real one, for the requests of the steps that read it."""
    ref = ArtifactRef(key="estimate/stand-in")
    if isinstance(request, SynthesizeRequest):
        return SynthesizeResult(audio=ref, duration_seconds=speech_seconds(request.text))
    if isinstance(request, GenerateRequest):
        image = GeneratedImage(image=ref, width=request.width, height=request.height)
        return GenerateResult(images=[image] * max(1, request.count))
    if isinstance(request, AnimateRequest):
        return AnimateResult(video=ref, duration_seconds=request.duration_seconds)
    if rpc == "CreateAvatarVideo":
        return CreateAvatarVideoResult(video=ref)
    if rpc == "RegisterVoice":
        return RegisterVoiceResult(profile=ref, reference=ref)
    return GenerateMusicResult(audio=ref)


def _stood_in(screenplay: Screenplay | ResolvedScreenplay) -> ResolvedScreenplay:
    """The screenplay with stand-ins for its media and voices: an estimate reads and uploads nothing."""
    if isinstance(screenplay, ResolvedScreenplay):
        return screenplay
    media = {use.reference: ArtifactRef(key=f"estimate/media/{i}") for i, use in enumerate(media_uses(screenplay))}
    voices = {use.voice_id: ArtifactRef(key=f"estimate/voice/{i}") for i, use in enumerate(voice_uses(screenplay))}
    return ResolvedScreenplay(screenplay, media, voices)


#: Prices one step's request: (service, rpc, request) -> Cost, as the service that would run it does.
Pricer = Callable[[str, str, Message], Awaitable[Cost]]
_Walk = Generator[tuple[str, str, Message], Cost, Estimate]


def _walk(screenplay: Screenplay | ResolvedScreenplay) -> _Walk:
    """Plans the production and builds each step's request; yields (service, rpc, request) and is sent its price.

    One walk for both pricers (in-process services and the gateway's gRPC calls), so they cannot drift.
    """
    nodes: list[Node] = plan_production(_stood_in(screenplay))
    results: dict[str, Any] = {}
    steps: list[StepCost] = []
    for node in nodes:
        if node.service == "composer":
            steps.append(StepCost(node.id, node.name, node.label, node.service, node.rpc, "", total([])))
            continue
        built = node.build(results)
        rpc, request = (built.rpc, built.request) if isinstance(built, Call) else (node.rpc, built)
        cost = yield node.service, rpc, request
        backend = str(getattr(request, "backend", ""))
        steps.append(StepCost(node.id, node.name, node.label, node.service, rpc, backend, cost))
        results[node.name] = _stand_in(rpc, request)
    items = [item for step in steps for item in step.cost.items]
    return Estimate(tuple(steps), total(items))


def estimate_steps(screenplay: Screenplay | ResolvedScreenplay, services: Mapping[str, ServiceDefinition]) -> Estimate:
    """Price every step of the production with the services that would run it (in this process)."""
    walk = _walk(screenplay)
    try:
        service, rpc, request = next(walk)
        while True:
            service, rpc, request = walk.send(services[service].estimated_cost(rpc, request))
    except StopIteration as done:
        estimate: Estimate = done.value
        return estimate


async def estimate_steps_async(screenplay: Screenplay | ResolvedScreenplay, price: Pricer) -> Estimate:
    """Price every step with `price` (the gateway asks each model server over gRPC: its backends, its prices)."""
    walk = _walk(screenplay)
    try:
        service, rpc, request = next(walk)
        while True:
            service, rpc, request = walk.send(await price(service, rpc, request))
    except StopIteration as done:
        estimate: Estimate = done.value
        return estimate


def estimate_embedded(screenplay: Screenplay) -> Estimate:
    """The estimate with the services as this machine's settings configure them (built, never loaded)."""
    with tempfile.TemporaryDirectory(prefix="studio-estimate-") as tmp:
        store = LocalArtifactStore(Path(tmp))
        services = {name: service_spec(name).load_factory()(store) for name in ("image", "audio", "video")}
        return estimate_steps(screenplay, services)
