"""A scene's own seed (set by a re-render) changes exactly that scene's picture steps and what
depends on them; screenplays without one keep the step ids they always had."""

from __future__ import annotations

import copy
from typing import Any

from studio.pipeline.media import require_resolved
from studio.pipeline.plan import _seed, plan_production
from studio.pipeline.production import plan_steps
from studio.pipeline.screenplay import load_screenplay
from studio.v1.image_pb2 import GenerateRequest

DATA: dict[str, Any] = {
    "title": "Seeds",
    "narrator": {"preset": "en"},
    "characters": [{"name": "Ana"}],
    "scenes": [
        {"duration": 2, "prompt": "a forest", "narration": "One."},
        {"duration": 2, "prompt": "a river", "narration": "Two."},
        {"duration": 2, "speaker": "Ana", "narration": "Three."},
    ],
    "music": {"mood": "calm"},
}


def ids(data: dict) -> dict[str, str]:
    return {step.name: step.id for step in plan_steps(load_screenplay(data))}


def test_a_scene_seed_changes_only_its_pictures_and_what_depends_on_them() -> None:
    before = ids(DATA)
    reseeded = copy.deepcopy(DATA)
    reseeded["scenes"][0]["seed"] = 12345
    after = ids(reseeded)
    changed = {name for name in before if before[name] != after[name]}
    assert {"frame:1", "compose", "sound"} <= changed
    assert {name for name in changed if name.startswith("pictures:")} == {"pictures:1"}
    unchanged = {"frame:2", "narration:1", "narration:2", "narration:3", "talk:3", "portrait:ana", "music"}
    assert unchanged.isdisjoint(changed)

    speaker = copy.deepcopy(DATA)
    speaker["scenes"][2]["seed"] = 7
    assert {name for name, step in ids(speaker).items() if step != before[name]} >= {"talk:3", "pictures:3"}
    assert ids(speaker)["narration:3"] == before["narration:3"]


def test_without_scene_seeds_the_pictures_keep_the_screenplays_seeds() -> None:
    """The frame and animation seeds (inputs of their ids) are derived as before scene seeds existed."""
    sp = load_screenplay({**DATA, "backends": {"animation": "fake"}})
    nodes = {node.name: node for node in plan_production(require_resolved(sp))}
    request = nodes["frame:1"].build({})
    assert isinstance(request, GenerateRequest) and request.seed == _seed(sp.seed, "frame:1")
    assert "seed" not in sp.to_data()["scenes"][0]
    reseeded = load_screenplay({**DATA, "scenes": [{**DATA["scenes"][0], "seed": 99}, *DATA["scenes"][1:]]})
    frame = {node.name: node for node in plan_production(require_resolved(reseeded))}["frame:1"]
    request = frame.build({})
    assert isinstance(request, GenerateRequest) and request.seed == _seed(99, "frame:1")
