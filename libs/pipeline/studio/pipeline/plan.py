"""The production DAG of a screenplay: which steps, their stable ids, and how each request is built.

Character portraits → scene frames → narration per scene → talking heads for
on-screen lines → scene animation → music → compose. A node's request is built
from the screenplay and its dependencies' results only, when they are ready.
A node's id is `<name>@<digest>`: the digest covers the node's own inputs and
its dependencies' digests, so re-running an unchanged screenplay finds the same
ids (the resume key) and an edit changes exactly the ids downstream of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from studio.pipeline.media import ResolvedScreenplay
from studio.pipeline.screenplay import COMPOSER_MOTION, Character, Scene, Screenplay, Voice, transition_seconds
from studio.pipeline.timeline import build_part, build_timeline
from studio.pipeline.timing import scene_length
from studio.v1.audio_pb2 import (
    AUDIO_FORMAT_WAV,
    GenerateMusicRequest,
    RegisterVoiceRequest,
    SpeechParameters,
    SynthesizeRequest,
    VoiceSelection,
)
from studio.v1.common_pb2 import ArtifactRef
from studio.v1.composer_pb2 import ComposeRequest
from studio.v1.image_pb2 import IMAGE_FORMAT_PNG, GenerateRequest
from studio.v1.video_pb2 import AnimateRequest, CreateAvatarVideoRequest, FaceBox

#: Results of finished nodes, by node name ("narration:3").
Results = Mapping[str, Any]

PORTRAIT_SIZE = 768
#: Extra music beyond the planned film so scenes grown by narration stay covered (the composer trims).
MUSIC_MARGIN_SECONDS = 4.0
NARRATOR = "narrator"


@dataclass(frozen=True)
class Call:
    """A request for another RPC than the node's own, decided from its dependencies' results."""

    rpc: str
    request: Message


Build = Callable[[Results], "Message | Call"]


@dataclass(frozen=True)
class Node:
    #: Readable and unique within the plan: "portrait:luna", "narration:3".
    name: str
    #: `name@digest`: the resume key.
    id: str
    service: str
    rpc: str
    label: str
    #: Names of the nodes whose results `build` reads.
    depends_on: tuple[str, ...]
    build: Build


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _seed(base: int, name: str) -> int:
    return (base + int(_digest(name), 16)) % (2**31)


def _scene_seed(sp: Screenplay, index: int, name: str) -> int:
    """A scene's picture seed: its own when a re-render set one, else derived from the screenplay's (so the
    step ids of screenplays without scene seeds stay as they were)."""
    own = sp.scenes[index].seed
    return _seed(sp.seed, name) if own is None else _seed(own, name)


def _styled(prompt: str, style: str) -> str:
    return f"{prompt.strip().rstrip('.')}, {style.strip()}" if style.strip() else prompt.strip()


def _multiple_of_16(value: int) -> int:
    return max(64, (value + 8) // 16 * 16)


def _ref_json(ref: ArtifactRef) -> dict[str, Any]:
    return {"key": ref.key, "sha256": ref.sha256}


class Planner:
    """Builds the nodes of one resolved screenplay."""

    def __init__(self, resolved: ResolvedScreenplay) -> None:
        self.resolved = resolved
        self.sp: Screenplay = resolved.screenplay
        self.nodes: dict[str, Node] = {}

    def add(
        self,
        name: str,
        service: str,
        rpc: str,
        label: str,
        inputs: Any,
        depends_on: tuple[str, ...],
        build: Build,
    ) -> str:
        digest = _digest(name, rpc, inputs, [self.nodes[d].id for d in depends_on])
        self.nodes[name] = Node(name, f"{name}@{digest}", service, rpc, label, depends_on, build)
        return name

    # -- voices and portraits -------------------------------------------------------------

    def voice_node(self, owner: str, display: str, voice: Voice) -> str | None:
        """A RegisterVoice node for a voice given as a sample; None for presets and registered voices."""
        if voice.sample is None:
            return None
        sample = self.resolved.artifact(voice.sample)
        language = self.sp.language
        request = RegisterVoiceRequest(sample=sample, name=display, language=language)
        name = NARRATOR + "-voice" if owner == NARRATOR else f"voice:{owner}"
        return self.add(
            name, "audio", "RegisterVoice", f"Voice of {display}", [_ref_json(sample), language], (), lambda _: request
        )

    def portrait_node(self, character: Character) -> str | None:
        portrait = character.portrait
        if portrait is not None and portrait.image is not None:
            return None
        prompt = portrait.prompt if portrait is not None and portrait.prompt else _default_portrait(character)
        seed = portrait.seed if portrait is not None and portrait.seed is not None else None
        name = f"portrait:{character.slug}"
        request = GenerateRequest(
            prompt=_styled(prompt, self.sp.style),
            width=PORTRAIT_SIZE,
            height=PORTRAIT_SIZE,
            seed=seed if seed is not None else _seed(self.sp.seed, name),
            backend=self.sp.backends.image,
            model=self.sp.backends.image_model,
            format=IMAGE_FORMAT_PNG,
        )
        inputs = [request.prompt, request.seed, request.backend, request.model]
        return self.add(name, "image", "Generate", f"Portrait of {character.name}", inputs, (), lambda _: request)

    # -- scenes ---------------------------------------------------------------------------

    def frame_node(self, index: int) -> str | None:
        scene = self.sp.scenes[index]
        if scene.speaker is not None or scene.prompt is None:
            return None
        out = self.sp.output
        name = f"frame:{index + 1}"
        request = GenerateRequest(
            prompt=_styled(scene.prompt, self.sp.style),
            width=_multiple_of_16(out.width),
            height=_multiple_of_16(out.height),
            seed=_scene_seed(self.sp, index, name),
            backend=self.sp.backends.image,
            model=self.sp.backends.image_model,
            format=IMAGE_FORMAT_PNG,
        )
        inputs = [request.prompt, request.width, request.height, request.seed, request.backend, request.model]
        return self.add(name, "image", "Generate", f"Frame of scene {index + 1}", inputs, (), lambda _: request)

    def narration_node(self, index: int, voice_nodes: Mapping[str, str | None]) -> str | None:
        scene = self.sp.scenes[index]
        if not scene.narration.strip():
            return None
        speaker = self.sp.character(scene.speaker) if scene.speaker is not None else None
        owner = speaker.slug if speaker is not None else NARRATOR
        voice = speaker.voice if speaker is not None else self.sp.narrator
        voice_node = voice_nodes.get(owner)
        registered = self.resolved.voice_profile(voice.id) if voice.id is not None else None
        text, language, seed = scene.narration.strip(), self.sp.language, _seed(self.sp.seed, f"narration:{index + 1}")
        backend = voice.backend or self.sp.backends.speech

        def build(results: Results) -> Message:
            selection = VoiceSelection()
            if voice_node is not None:
                selection.profile.CopyFrom(results[voice_node].profile)
            elif registered is not None:
                selection.profile.CopyFrom(registered)
            elif voice.preset is not None:
                selection.preset = voice.preset
            parameters = SpeechParameters(seed=seed)
            if voice.speed is not None:
                parameters.speed = voice.speed
            return SynthesizeRequest(
                text=text,
                language=language,
                voice=selection,
                backend=backend,
                format=AUDIO_FORMAT_WAV,
                parameters=parameters,
            )

        who = speaker.name if speaker is not None else "narrator"
        inputs = [text, language, seed, voice.model_dump(mode="json"), _ref_json(registered) if registered else None]
        inputs += [backend] if backend != voice.backend else []  # ids of screenplays without `backends.speech` stay
        depends = (voice_node,) if voice_node is not None else ()
        return self.add(
            f"narration:{index + 1}", "audio", "Synthesize", f"Scene {index + 1}: {who} speaks", inputs, depends, build
        )

    def talk_node(self, index: int, narration: str, portrait_nodes: Mapping[str, str | None]) -> str:
        scene = self.sp.scenes[index]
        assert scene.speaker is not None
        speaker = self.sp.character(scene.speaker)
        assert speaker is not None
        portrait_node = portrait_nodes.get(speaker.slug)
        given = speaker.portrait.image if speaker.portrait is not None else None
        uploaded = self.resolved.artifact(given) if given is not None else None
        face = speaker.portrait.face if speaker.portrait is not None else None
        out, backend, sp = self.sp.output, self.sp.backends.talking_head, self.sp
        seed = _scene_seed(sp, index, f"talk:{index + 1}")

        def build(results: Results) -> Message | Call:
            speech = results[narration]
            portrait = results[portrait_node].images[0].image if portrait_node is not None else uploaded
            if portrait_node is not None and face is None and results[portrait_node].draft:
                # A procedural draft has no face to lip-sync: show the portrait, moving, while the line plays.
                still = AnimateRequest(
                    image=portrait,
                    motion="slow zoom in",
                    duration_seconds=scene_length(sp, index, speech.duration_seconds),
                    width=out.width,
                    height=out.height,
                    fps=out.fps,
                    seed=seed,
                    backend="" if sp.backends.animation == COMPOSER_MOTION else sp.backends.animation,
                )
                return Call("Animate", still)
            request = CreateAvatarVideoRequest(
                portrait=portrait,
                audio=speech.audio,
                phonemes=speech.phonemes,
                words=speech.words,
                width=out.width,
                height=out.height,
                fps=out.fps,
                backend=backend,
            )
            if face is not None:
                request.face.CopyFrom(FaceBox(x=face.x, y=face.y, width=face.width, height=face.height))
            return request

        inputs = [out.width, out.height, out.fps, backend, face.model_dump() if face else None, seed]
        inputs += [_ref_json(uploaded) if uploaded is not None else None, sp.backends.animation]
        depends = (narration, portrait_node) if portrait_node is not None else (narration,)
        return self.add(
            f"talk:{index + 1}", "video", "CreateAvatarVideo", f"Scene {index + 1}: {speaker.name} on screen",
            inputs, depends, build,
        )  # fmt: skip

    def animate_node(self, index: int, frame: str | None, narration: str | None) -> str:
        scene = self.sp.scenes[index]
        given = self.resolved.artifact(scene.image) if scene.image is not None else None
        out, sp = self.sp.output, self.sp
        name = f"animate:{index + 1}"
        seed = _scene_seed(sp, index, name)

        def build(results: Results) -> Message:
            image = results[frame].images[0].image if frame is not None else given
            speech = results[narration].duration_seconds if narration is not None else None
            return AnimateRequest(
                image=image,
                motion=scene.motion,
                duration_seconds=scene_length(sp, index, speech),
                width=out.width,
                height=out.height,
                fps=out.fps,
                seed=seed,
                backend=sp.backends.animation,
            )

        inputs = [scene.motion, scene.duration, out.width, out.height, out.fps, seed, sp.backends.animation]
        inputs += [_ref_json(given) if given is not None else None, scene.transition, scene.transition_duration]
        depends = tuple(n for n in (frame, narration) if n is not None)
        return self.add(name, "video", "Animate", f"Scene {index + 1}: animation", inputs, depends, build)

    def music_node(self) -> str | None:
        music = self.sp.music
        if music is None:
            return None
        request = GenerateMusicRequest(
            description=music.mood,
            duration_seconds=round(self.sp.planned_duration() + MUSIC_MARGIN_SECONDS, 3),
            backend=music.backend or self.sp.backends.music,
            format=AUDIO_FORMAT_WAV,
            seed=_seed(self.sp.seed, "music"),
        )
        inputs = [request.description, request.duration_seconds, request.backend, request.seed]
        return self.add("music", "audio", "GenerateMusic", "Music", inputs, (), lambda _: request)

    def pictures_node(self, index: int, visuals: Mapping[int, str], narrations: list[str | None]) -> str:
        """Scene `index`'s part of the film's pictures, rendered as soon as it and the next scene are ready."""
        sp, resolved = self.sp, self.resolved
        last = index == len(sp.scenes) - 1
        joined = not last and transition_seconds(sp.scenes[index]) > 0
        near = [index, index + 1] if joined else [index]
        if index > 0 and transition_seconds(sp.scenes[index - 1]) > 0:
            near.insert(0, index - 1)  # its length can shorten the incoming transition
        depends = tuple(visuals[i] for i in near if i >= index and i in visuals)
        depends += tuple(n for n in (narrations[i] for i in near) if n is not None)

        def build(results: Results) -> Message:
            timeline, stretch = build_part(resolved, {name: results[name] for name in depends}, index)
            return ComposeRequest(timeline=timeline, pictures_only=stretch)

        given = (sp.scenes[i].image for i in near)
        images = [_ref_json(resolved.artifact(image)) for image in given if image is not None]
        scenes = [_scene_inputs(sp.scenes[i]) for i in near]
        inputs = [sp.output.model_dump(mode="json"), scenes, images, sp.backends.animation]
        name, label = f"pictures:{index + 1}", f"Scene {index + 1}: pictures"
        return self.add(name, "composer", "Compose", label, inputs, depends, build)

    def sound_node(self, depends: tuple[str, ...]) -> str:
        """The film's sound track, made while the pictures' parts render."""
        resolved = self.resolved

        def build(results: Results) -> Message:
            return ComposeRequest(timeline=build_timeline(resolved, results), sound_only=True)

        return self.add("sound", "composer", "Compose", "Sound track", self._film_inputs(), depends, build)

    def _film_inputs(self) -> list[Any]:
        sp, resolved = self.sp, self.resolved
        scenes = [_scene_inputs(s) for s in sp.scenes]
        images = [_ref_json(resolved.artifact(s.image)) for s in sp.scenes if s.image is not None]
        inputs = [sp.title, sp.output.model_dump(mode="json"), sp.music.volume_db if sp.music else None, scenes, images]
        return [*inputs, sp.backends.animation]

    def compose_node(self, depends: tuple[str, ...], parts: tuple[str, ...], sound: str) -> str:
        resolved = self.resolved

        def build(results: Results) -> Message:
            pictures = [results[part].video for part in parts]
            timeline = build_timeline(resolved, results)
            return ComposeRequest(timeline=timeline, pictures=pictures, sound=results[sound].sound)

        return self.add(
            "compose", "composer", "Compose", "Final video", self._film_inputs(), (*depends, *parts, sound), build
        )


def _scene_inputs(scene: Scene) -> list[Any]:
    """What of a scene the composer's steps depend on, for their ids."""
    return [scene.transition, scene.transition_duration, scene.narration, scene.motion, scene.duration]


def _default_portrait(character: Character) -> str:
    about = f", {character.description.strip()}" if character.description.strip() else ""
    return f"portrait of {character.name}{about}, head and shoulders, facing the viewer"


def plan_production(resolved: ResolvedScreenplay) -> list[Node]:
    """The nodes of the production DAG, dependencies before dependents."""
    planner = Planner(resolved)
    sp = resolved.screenplay
    voices: dict[str, str | None] = {NARRATOR: planner.voice_node(NARRATOR, "narrator", sp.narrator)}
    for character in sp.characters:
        voices[character.slug] = planner.voice_node(character.slug, character.name, character.voice)
    # Every character gets a portrait, on screen or not: it is the project's character sheet.
    portraits = {c.slug: planner.portrait_node(c) for c in sp.characters}
    frames = [planner.frame_node(i) for i in range(len(sp.scenes))]
    narrations = [planner.narration_node(i, voices) for i in range(len(sp.scenes))]
    talks = {
        i: planner.talk_node(i, narration, portraits)
        for i, narration in enumerate(narrations)
        if sp.scenes[i].speaker is not None and narration is not None
    }
    if sp.backends.animation == COMPOSER_MOTION:  # the composer moves the stills itself
        animations = {i: frame for i, frame in enumerate(frames) if i not in talks and frame is not None}
    else:
        animations = {
            i: planner.animate_node(i, frames[i], narrations[i]) for i in range(len(sp.scenes)) if i not in talks
        }
    visuals = {**talks, **{i: node for i, node in animations.items() if node is not None}}
    parts = tuple(planner.pictures_node(i, visuals, narrations) for i in range(len(sp.scenes)))
    music = planner.music_node()
    final = (*visuals.values(), *(n for n in narrations if n is not None), *([music] if music else []))
    planner.compose_node(final, parts, planner.sound_node(final))
    return list(planner.nodes.values())
