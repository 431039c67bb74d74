"""The sound half: narration and clip audio placed on the film's clock, music looped, faded and ducked.

This graph renders the mix (before loudness normalisation) to a float WAV in the
measuring pass; the picture pass then only applies the measured gain.
"""

from __future__ import annotations

from studio.composer.plan import Music, PlacedAudio, Plan

RATE = 48000
_FORMAT = f"aresample={RATE},aformat=sample_fmts=fltp:sample_rates={RATE}:channel_layouts=stereo"
#: Ducking: music drops by up to ~12 dB while narration is above -30 dBFS, recovering over 0.4 s.
DUCK = "sidechaincompress=threshold=0.03:ratio=8:attack=20:release=400:makeup=1:knee=4"


def _voice(index: int, label: str, voice: PlacedAudio) -> str:
    steps = [_FORMAT, f"atrim=end={voice.length:.6f}", "asetpts=PTS-STARTPTS"]
    if voice.fade_in > 0:
        steps.append(f"afade=t=in:d={voice.fade_in:.6f}")
    if voice.fade_out > 0:
        steps.append(f"afade=t=out:st={max(0.0, voice.length - voice.fade_out):.6f}:d={voice.fade_out:.6f}")
    delay = round(voice.at * 1000)
    if delay > 0:
        steps.append(f"adelay=delays={delay}:all=1")
    return f"[{index}:a]" + ",".join(steps) + f"[{label}]"


def _music(index: int, music: Music, duration: float) -> str:
    steps = [_FORMAT, f"atrim=end={duration:.6f}", "asetpts=PTS-STARTPTS", f"volume={music.volume_db:g}dB"]
    if music.fade_in > 0:
        steps.append(f"afade=t=in:d={min(music.fade_in, duration):.6f}")
    if music.fade_out > 0:
        fade = min(music.fade_out, duration)
        steps.append(f"afade=t=out:st={duration - fade:.6f}:d={fade:.6f}")
    return f"[{index}:a]" + ",".join(steps) + "[music]"


def music_needs_loop(plan: Plan) -> bool:
    return plan.music is not None and plan.music.info.audio_duration < plan.duration


def has_sound(plan: Plan) -> bool:
    return bool(plan.voices) or plan.music is not None


def mix_graph(plan: Plan, first_input: int = 0) -> list[str]:
    """Filter graph lines ending in [mix], the film's full-length stereo mix at 48 kHz.

    Inputs are numbered from `first_input`: one per voice, in order, then the music.
    """
    duration = plan.duration
    pad = f"apad=whole_dur={duration:.6f},atrim=end={duration:.6f}"
    lines = [_voice(first_input + k, f"a{k}", voice) for k, voice in enumerate(plan.voices)]
    voices = "".join(f"[a{k}]" for k in range(len(plan.voices)))
    if len(plan.voices) > 1:
        lines.append(f"{voices}amix=inputs={len(plan.voices)}:duration=longest:normalize=0,{pad}[voice]")
    elif plan.voices:
        lines.append(f"{voices}{pad}[voice]")
    if plan.music is None:
        lines.append("[voice]anull[mix]" if plan.voices else f"anullsrc=r={RATE}:cl=stereo,{pad}[mix]")
        return lines
    lines.append(_music(first_input + len(plan.voices), plan.music, duration))
    if not plan.voices:
        lines.append(f"[music]{pad}[mix]")
        return lines
    if plan.music.duck:
        lines.append("[voice]asplit=2[voice_mix][voice_key]")
        lines.append(f"[music][voice_key]{DUCK}[bed]")
        voice = "voice_mix"
    else:
        lines.append("[music]anull[bed]")
        voice = "voice"
    lines.append(f"[{voice}][bed]amix=inputs=2:duration=first:normalize=0,{pad}[mix]")
    return lines
