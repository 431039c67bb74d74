"""The production DAG on stand-in executors: order, concurrency, stable ids, failures and resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.pipeline.events import ProductionEvent
from studio.pipeline.journal import JournalExecutor
from studio.pipeline.production import plan_steps, produce
from studio.pipeline.screenplay import Screenplay, load_screenplay
from studio.pipeline.steps import SerialExecutor
from studio.pipeline.timing import HOLD_SECONDS, LEAD_SECONDS, TAIL_SECONDS, frames_down, frames_up
from studio.v1.composer_pb2 import TRANSITION_KIND_CROSSFADE
from tests.studio.fakes import SECONDS_PER_CHAR, FakeExecutor, fake_result

STORY: dict[str, Any] = {
    "title": "Luna e Pip",
    "style": "watercolour",
    "language": "pt-br",
    "characters": [
        {"name": "Luna", "description": "menina"},
        {"name": "Pip", "description": "raposa"},
    ],
    "scenes": [
        {"duration": 5, "prompt": "floresta", "narration": "Era uma vez uma menina."},
        {"duration": 4, "speaker": "Luna", "narration": "Oi, Pip!"},
        {"duration": 3, "prompt": "arco-íris", "transition": "cut"},
        {"duration": 2, "prompt": "fim", "narration": "E viveram felizes para sempre, muito felizes."},
    ],
    "music": {"mood": "calm"},
}


def story(**changes: Any) -> Screenplay:
    return load_screenplay({**STORY, **changes})


def ids_by_name(screenplay: Screenplay) -> dict[str, str]:
    return {step.name: step.id for step in plan_steps(screenplay)}


def test_plan_covers_the_pipeline_in_order() -> None:
    steps = plan_steps(story())
    names = [s.name for s in steps]
    assert names == [
        "portrait:luna", "portrait:pip", "frame:1", "frame:3", "frame:4",
        "narration:1", "narration:2", "narration:4",
        "talk:2", "animate:1", "animate:3", "animate:4",
        "pictures:1", "pictures:2", "pictures:3", "pictures:4", "music", "sound", "compose",
    ]  # fmt: skip
    by_id = {s.id: s for s in steps}
    needs = {s.name: {by_id[d].name for d in s.depends_on} for s in steps}
    assert needs["talk:2"] == {"narration:2", "portrait:luna"}
    # A part waits for its scene, the next one when a transition joins them, and the narration that sets
    # their lengths; scene 3 is joined to scene 4 by a cut.
    assert needs["pictures:1"] == {"animate:1", "talk:2", "narration:1", "narration:2"}
    assert needs["pictures:2"] == {"talk:2", "animate:3", "narration:1", "narration:2"}
    assert needs["pictures:3"] == {"animate:3", "narration:2"}
    assert needs["pictures:4"] == {"animate:4", "narration:4"}
    film = {"talk:2", "animate:1", "animate:3", "animate:4", "narration:1", "narration:2", "narration:4", "music"}
    assert needs["sound"] == film
    assert needs["compose"] == film | {"pictures:1", "pictures:2", "pictures:3", "pictures:4", "sound"}


def test_step_ids_are_stable_and_change_only_downstream_of_an_edit() -> None:
    before = ids_by_name(story())
    assert ids_by_name(story()) == before
    scenes = [dict(s) for s in STORY["scenes"]]
    scenes[3]["narration"] = "Fim."
    after = ids_by_name(story(scenes=scenes))
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"narration:4", "animate:4", "pictures:4", "sound", "compose"}


async def test_every_step_starts_after_its_dependencies_finish() -> None:
    events: list[ProductionEvent] = []
    executor = FakeExecutor(delay=0.01)
    result = await produce(story(), executor, events.append)
    finished: set[str] = set()
    for event in events[1:]:
        assert event.step is not None
        if event.kind == "started":
            assert set(event.step.depends_on) <= finished, event.step.name
        elif event.kind == "finished":
            finished.add(event.step.id)
    assert events[0].kind == "planned" and len(events[0].steps) == len(finished) == len(executor.ran)
    assert any(e.kind == "progress" and e.fraction == 0.5 for e in events)
    assert result.video.key.endswith("film.mp4")


async def test_independent_steps_run_concurrently_and_serial_runs_one_at_a_time() -> None:
    parallel = FakeExecutor(delay=0.02)
    await produce(story(), parallel)
    assert parallel.max_in_flight >= 5  # portraits, frames, narrations and music start together
    serial = FakeExecutor(delay=0.0)
    await produce(story(), SerialExecutor(serial))
    assert serial.max_in_flight == 1
    assert [s.id for s in serial.ran] and sorted(s.id for s in serial.ran) == sorted(s.id for s in parallel.ran)


async def test_concurrency_cap_is_honoured() -> None:
    executor = FakeExecutor(delay=0.01)
    await produce(story(), executor, concurrency=2)
    assert executor.max_in_flight <= 2


async def test_timeline_timing_follows_the_narration() -> None:
    executor = FakeExecutor()
    result = await produce(story(), executor)
    compose: Any = next(s.request for s in executor.ran if s.id.startswith("compose@"))
    scenes = compose.timeline.scenes
    first, talk, still, last = scenes
    assert first.narration.offset_seconds == pytest.approx(LEAD_SECONDS)
    assert first.clip.duration_seconds == pytest.approx(5)  # the narration fits its 5 s
    line = len("Oi, Pip!") * SECONDS_PER_CHAR + SECONDS_PER_CHAR  # the fake's pace
    assert talk.narration.offset_seconds == 0  # lips move from the talking head's first frame
    # Lengths are whole frames (25 fps), so a sample of jitter in the speech changes nothing.
    assert talk.clip.duration_seconds == frames_up(line + max(HOLD_SECONDS, 0.5), 25)
    assert (talk.clip.duration_seconds * 25) == pytest.approx(round(talk.clip.duration_seconds * 25))
    # A transition takes at most a third of the shorter scene it joins (whole frames, rounded down).
    assert first.transition.duration_seconds == frames_down(min(0.5, talk.clip.duration_seconds / 3), 25)
    assert not talk.clip.use_audio and talk.narration.words[0].word == "Oi,"
    assert still.transition.duration_seconds == 0 and not still.HasField("narration")
    long_line = "E viveram felizes para sempre, muito felizes."
    grown = LEAD_SECONDS + len(long_line) * SECONDS_PER_CHAR + SECONDS_PER_CHAR + TAIL_SECONDS
    assert last.clip.duration_seconds == frames_up(grown, 25) and grown > 2  # grown to fit
    assert compose.timeline.music.audio.key.endswith("music.wav")
    assert compose.timeline.output.width == 1280
    overlaps = sum(s.transition.duration_seconds for s in scenes[:-1])
    assert result.duration_seconds == pytest.approx(sum(s.clip.duration_seconds for s in scenes) - overlaps)
    # The last scene's transition is how the film ends: the composer fades it out, without shortening it.
    assert last.transition.kind == TRANSITION_KIND_CROSSFADE and last.transition.duration_seconds == frames_down(
        0.5, 25
    )


async def test_a_draft_portrait_has_no_face_to_lip_sync_so_it_is_shown_moving() -> None:
    drafts = FakeExecutor(draft=True)
    await produce(story(), drafts)
    talk = next(s for s in drafts.ran if s.id.startswith("talk:2"))
    assert talk.rpc == "Animate" and talk.service == "video"
    assert talk.request.image.key.startswith("runs/portrait-luna")  # type: ignore[attr-defined]
    models = FakeExecutor(draft=False)
    await produce(story(), models)
    assert next(s for s in models.ran if s.id.startswith("talk:2")).rpc == "CreateAvatarVideo"
    faced = story(
        characters=[
            {"name": "Luna", "portrait": {"prompt": "a girl", "face": {"x": 1, "y": 2, "width": 40, "height": 40}}}
        ]
    )
    with_box = FakeExecutor(draft=True)
    await produce(faced, with_box)
    talk = next(s for s in with_box.ran if s.id.startswith("talk:2"))
    assert talk.rpc == "CreateAvatarVideo" and talk.request.face.width == 40  # type: ignore[attr-defined]


@pytest.mark.parametrize(("animation", "cut_after_talk"), [("", False), ("composer", False), ("composer", True)])
async def test_parts_tile_the_film_and_are_joined_in_order(animation: str, cut_after_talk: bool) -> None:
    """Each part is built from its neighbours' narration only, yet agrees with the whole film's timeline."""
    executor = FakeExecutor(delay=0.002, draft=True)
    scenes = [dict(s) for s in STORY["scenes"]]
    if cut_after_talk:  # the part after it then needs nothing of the talking head's scene
        scenes[1]["transition"] = "cut"
    result = await produce(story(backends={"animation": animation}, scenes=scenes), executor)
    steps = {s.id.split("@")[0]: s for s in executor.ran}
    film: Any = steps["compose"].request
    parts: list[Any] = [steps[f"pictures:{i + 1}"].request for i in range(len(film.timeline.scenes))]
    assert list(film.pictures) == [fake_result(steps[f"pictures:{i + 1}"]).video for i in range(4)]
    sound: Any = steps["sound"].request
    assert film.sound == fake_result(steps["sound"]).sound and sound.sound_only and sound.timeline == film.timeline
    lengths = [p.pictures_only.end_seconds - p.pictures_only.start_seconds for p in parts]
    assert sum(lengths) == pytest.approx(result.duration_seconds)
    for index, part in enumerate(parts):
        scenes = film.timeline.scenes
        own = part.timeline.scenes[0]
        assert own.WhichOneof("visual") == scenes[index].WhichOneof("visual")
        assert own.transition == scenes[index].transition and own.narration == scenes[index].narration
        assert part.pictures_only.end_seconds == pytest.approx(getattr(own, own.WhichOneof("visual")).duration_seconds)
        before = scenes[index - 1].transition.duration_seconds if index else 0.0
        assert part.pictures_only.start_seconds == pytest.approx(before)
        if own.transition.duration_seconds > 0 and index + 1 < len(parts):  # the next scene's head is in this part
            head = part.timeline.scenes[1]
            assert head.narration == scenes[index + 1].narration
            assert getattr(head, head.WhichOneof("visual")) == getattr(scenes[index + 1], head.WhichOneof("visual"))
        else:
            assert len(part.timeline.scenes) == 1
        assert not part.timeline.HasField("music") and part.timeline.output == film.timeline.output


async def test_composer_motion_moves_stills_without_animation_steps() -> None:
    screenplay = story(backends={"animation": "composer"})
    assert not any(s.name.startswith("animate:") for s in plan_steps(screenplay))
    executor = FakeExecutor(draft=True)
    await produce(screenplay, executor)
    compose: Any = next(s.request for s in executor.ran if s.id.startswith("compose@"))
    first, talk, third, last = compose.timeline.scenes
    assert third.still.motion == "slow zoom in" and third.still.duration_seconds == pytest.approx(3)
    assert first.still.motion == "slow zoom in" and first.still.image.key.startswith("runs/frame-1")
    assert first.still.duration_seconds == pytest.approx(5) and last.still.duration_seconds > 2
    assert talk.HasField("clip")  # the speaker's scene is still a clip
    fallback: Any = next(s.request for s in executor.ran if s.id.startswith("talk:2"))
    assert fallback.backend == ""  # the draft fallback asks the video service's own default


async def test_a_failing_step_stops_production_and_names_itself() -> None:
    events: list[ProductionEvent] = []
    executor = FakeExecutor(fail_on="talk:2", error=FailedPrecondition("no face found in portrait"))
    with pytest.raises(FailedPrecondition, match=r"^Scene 2: Luna on screen: no face found in portrait$"):
        await produce(story(), executor, events.append)
    assert not any(s.id.startswith("compose@") for s in executor.ran)
    failed = [e for e in events if e.kind == "failed"]
    assert [e.step.name for e in failed if e.step] == ["talk:2"]


async def test_unresolved_media_is_refused_before_any_step(tmp_path: Path) -> None:
    characters = [{"name": "Luna", "portrait": {"image": "luna.png"}}]
    executor = FakeExecutor()
    with pytest.raises(InvalidInput, match=r"characters\[0\]\.portrait\.image: 'luna.png' was not uploaded"):
        await produce(story(characters=characters), executor)
    with pytest.raises(InvalidInput, match="voice 'v1' was not resolved"):
        await produce(story(narrator={"id": "v1"}), executor)
    assert executor.ran == []


async def test_rerun_after_a_failure_redoes_no_finished_step(tmp_path: Path) -> None:
    """Pipeline side of resume: a persisting executor recalls finished steps; none runs twice."""
    journal = tmp_path / "journal"
    first = FakeExecutor(delay=0.005, fail_on="animate:4", error=FailedPrecondition("worker died"))
    with pytest.raises(FailedPrecondition):
        await produce(story(), JournalExecutor(first, journal))
    done_before = {s.id for s in first.ran}
    assert done_before and not any(i.startswith("compose") for i in done_before)

    second = FakeExecutor()
    rerun = JournalExecutor(second, journal)
    await produce(story(), rerun)
    ran_again = {s.id for s in second.ran}
    assert ran_again.isdisjoint(done_before), f"ran twice: {sorted(ran_again & done_before)}"
    assert set(rerun.recalled) == done_before
    assert {s.id for s in plan_steps(story())} == done_before | ran_again

    third = FakeExecutor()
    await produce(story(), JournalExecutor(third, journal))
    assert third.ran == []  # a finished production is recalled whole
