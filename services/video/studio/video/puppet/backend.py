"""The `puppet` talking-head backend (default; CPU; no downloaded weights)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from studio.video.backends import AvatarJob
from studio.video.lipsync.tracks import MouthTrack, from_energy, from_phonemes
from studio.video.puppet.renderer import PuppetRenderer, perform, poses


def mouth_track(job: AvatarJob) -> MouthTrack:
    """Visemes from the phoneme timings when given, the energy envelope otherwise."""
    samples, rate = job.speech.samples, job.speech.rate
    if job.phonemes:
        return from_phonemes(job.phonemes, samples, rate, job.fps, job.frames)
    return from_energy(samples, rate, job.fps, job.frames)


class PuppetBackend:
    name = "puppet"

    def __init__(self, *, blinks: bool = True, sway: bool = True) -> None:
        self.blinks = blinks
        self.sway = sway

    def driver(self, job: AvatarJob) -> str:
        return "phonemes" if job.phonemes else "energy"

    def frames(self, job: AvatarJob) -> Iterator[np.ndarray]:
        renderer = PuppetRenderer(job.canvas, job.layout)
        track = mouth_track(job)
        performance = poses(track, job.fps, renderer.geometry.unit, job.seed, blinks=self.blinks, sway=self.sway)
        return perform(renderer, performance)
