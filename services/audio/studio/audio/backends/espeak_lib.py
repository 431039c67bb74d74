"""A ctypes binding to libespeak-ng: audio plus espeak's own word and phoneme events.

The command-line tool reports no durations for its own voices (only for mbrola ones),
but the library's synchronous mode delivers every WORD and PHONEME event with its
position in the generated audio, which is exactly what lip-sync and subtitles need.
libespeak-ng keeps global state, so one synthesis runs at a time per process (a lock).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from dataclasses import dataclass, field

import numpy as np

from studio.core.errors import ConfigError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000

EVENT_WORD = 1
EVENT_SENTENCE = 2
EVENT_END = 5
EVENT_MSG_TERMINATED = 6
EVENT_PHONEME = 7

PARAM_RATE = 1
PARAM_VOLUME = 2
PARAM_PITCH = 3
PARAM_RANGE = 4
PARAM_PUNCTUATION = 5
PARAM_CAPITALS = 6
PARAM_WORDGAP = 7


class _EventId(ctypes.Union):
    _fields_ = (("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8))


class _Event(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    )


class _Voice(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class Event:
    """One espeak event: `kind` (EVENT_*), character position (1-based) and length in the text, time in ms."""

    kind: int
    text_position: int
    length: int
    ms: int
    phoneme: str = ""


@dataclass
class Rendering:
    """What one synthesis produced: 16-bit mono samples at `sample_rate` and the event list."""

    samples: np.ndarray
    sample_rate: int
    events: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    identifier: str
    languages: tuple[str, ...]
    gender: int


@dataclass(frozen=True)
class SynthesisSettings:
    voice: str
    rate: int = 175
    pitch: int = 50
    pitch_range: int = 50
    word_gap: int = 0


class EspeakLibrary:
    """The process-wide libespeak-ng handle (initialise once; one synthesis at a time)."""

    _instance: EspeakLibrary | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        path = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self._lib = ctypes.CDLL(path)
        except OSError:
            raise ConfigError(
                "libespeak-ng is not installed (apt install espeak-ng); the espeak backend needs it"
            ) from None
        self._lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        self._lib.espeak_ListVoices.argtypes = (ctypes.c_void_p,)
        self._lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
        self._lib.espeak_Synth.argtypes = (
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        )
        options = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA | _INITIALIZE_DONT_EXIT
        self.sample_rate = int(self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, options))
        if self.sample_rate <= 0:
            raise ConfigError("libespeak-ng failed to initialise (is espeak-ng-data installed?)")
        self._lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        self._events: list[Event] = []
        self._callback = _Callback(self._on_audio)  # keep a reference: ctypes must not free it
        self._lib.espeak_SetSynthCallback(self._callback)
        self.voices = self._list_voices()

    @classmethod
    def get(cls) -> EspeakLibrary:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _list_voices(self) -> tuple[VoiceInfo, ...]:
        found: list[VoiceInfo] = []
        array = self._lib.espeak_ListVoices(None)
        index = 0
        while array[index]:
            voice = array[index].contents
            found.append(
                VoiceInfo(
                    name=(voice.name or b"").decode(errors="replace"),
                    identifier=(voice.identifier or b"").decode(errors="replace"),
                    languages=_languages(voice.languages),
                    gender=int(voice.gender),
                )
            )
            index += 1
        return tuple(found)

    def _on_audio(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]) -> int:
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        index = 0
        while events[index].type != 0:
            event = events[index]
            phoneme = ""
            if event.type == EVENT_PHONEME:
                phoneme = bytes(event.id.string).split(b"\0", 1)[0].decode("utf-8", errors="replace")
            self._events.append(Event(event.type, event.text_position, event.length, event.audio_position, phoneme))
            index += 1
        return 0

    def has_voice(self, name: str) -> bool:
        """Whether espeak can load voice `name` (a language, an identifier, optionally "+variant")."""
        with self._lock:
            return bool(self._lib.espeak_SetVoiceByName(name.encode()) == 0)

    def synthesize(self, text: str, settings: SynthesisSettings) -> Rendering:
        """Speak `text` (plain UTF-8, no SSML) with `settings`; thread-safe, serialised."""
        data = text.encode("utf-8") + b"\0"
        with self._lock:
            if self._lib.espeak_SetVoiceByName(settings.voice.encode()) != 0:
                raise ConfigError(f"espeak-ng has no voice {settings.voice!r}")
            for parameter, value in (
                (PARAM_RATE, settings.rate),
                (PARAM_PITCH, settings.pitch),
                (PARAM_RANGE, settings.pitch_range),
                (PARAM_WORDGAP, settings.word_gap),
                (PARAM_VOLUME, 100),
                (PARAM_PUNCTUATION, 0),
                (PARAM_CAPITALS, 0),
            ):
                self._lib.espeak_SetParameter(parameter, int(value), 0)
            self._chunks, self._events = [], []
            status = self._lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None)
            chunks, events = self._chunks, self._events
            self._chunks, self._events = [], []
        if status != 0:
            raise RuntimeError(f"espeak_Synth failed with status {status}")
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return Rendering(samples=samples, sample_rate=self.sample_rate, events=events)


def _languages(address: int | None) -> tuple[str, ...]:
    """espeak's language list: (priority byte, name, NUL) repeated, ended by a zero priority byte."""
    names: list[str] = []
    while address:
        priority = ctypes.string_at(address, 1)
        if priority == b"\0":
            break
        name = ctypes.string_at(address + 1)
        names.append(name.decode(errors="replace"))
        address += len(name) + 2
    return tuple(names)
