from __future__ import annotations

import pytest

from studio.composer.timing import TimingError, lay_out


def test_film_is_sum_of_durations_minus_overlaps() -> None:
    span = lay_out([5.0, 6.0, 5.5], [1.0, 0.0], fps=30)
    assert [s.start for s in span.scenes] == [0.0, 4.0, 10.0]
    assert span.duration == pytest.approx(5 + 6 + 5.5 - 1)
    assert span.frames == round(15.5 * 30)
    assert [s.overlap_in for s in span.scenes] == [0, 30, 0]
    assert [s.overlap_out for s in span.scenes] == [30, 0, 0]


def test_frame_rounding_does_not_accumulate() -> None:
    # 1/3 s scenes at 25 fps: each rounds, the film stays within half a frame of the exact length.
    durations = [1 / 3] * 30
    span = lay_out(durations, [0.0] * 29, fps=25)
    assert abs(span.rendered_duration - span.duration) <= 0.5 / 25
    assert sum(s.frames for s in span.scenes) == span.frames


def test_scene_shorter_than_a_frame_is_rejected() -> None:
    with pytest.raises(TimingError) as error:
        lay_out([2.0, 0.01], [0.0], fps=30)
    assert error.value.index == 1


def test_transitions_longer_than_the_scene_are_rejected() -> None:
    with pytest.raises(TimingError, match="overlap") as error:
        lay_out([3.0, 1.0, 3.0], [0.8, 0.8], fps=30)
    assert error.value.index == 1
