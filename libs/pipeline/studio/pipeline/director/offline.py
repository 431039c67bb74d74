"""The offline director: a sensible screenplay from the briefing alone, without a model.

Scenes come from the story's sentences (merged or padded to about five seconds
each), narration is the sentences themselves, prompts carry the style, the
characters are the story's capitalised names, and the first of them says a
line on screen.
"""

from __future__ import annotations

import itertools
import re

from studio.pipeline.director.briefing import Briefing
from studio.pipeline.screenplay import Screenplay, load_screenplay

MAX_CHARACTERS = 3
MOTIONS = ("slow zoom in", "pan right", "slow zoom out", "pan left")
#: Capitalised words that start sentences but are not names.
_NOT_NAMES = {
    "a", "o", "as", "os", "um", "uma", "era", "no", "na", "em", "ele", "ela", "eles", "elas", "e", "mas", "quando",
    "depois", "então", "certo", "dia", "de", "the", "an", "once", "in", "on", "he", "she", "they", "it", "then",
    "when", "and", "but", "one", "day", "el", "la", "los", "las", "una", "un", "y", "pero", "cuando",
}  # fmt: skip
_LINES = {
    "pt": ("Olá! Meu nome é {name}.", "E essa foi só a primeira de muitas aventuras.", "Fim.", " e "),
    "es": ("¡Hola! Me llamo {name}.", "Y esa fue solo la primera de muchas aventuras.", "Fin.", " y "),
    "en": ("Hi! My name is {name}.", "And that was only the first of many adventures.", "The end.", " and "),
}
_MOODS = (
    (("magic", "mágic", "magica", "fairy", "fada", "encant"), "whimsical gentle music box with soft strings"),
    (("advent", "aventur", "journey", "viagem", "explor"), "playful adventurous orchestral"),
    (("sad", "trist", "lonely", "sozinh", "perd"), "calm melancholic piano"),
    (("product", "produto", "company", "empresa", "launch", "lançamento"), "upbeat corporate pop"),
)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?…])\s+", " ".join(text.split()))
    return [p.strip() if p.strip()[-1:] in ".!?…" else p.strip() + "." for p in parts if p.strip(" .")]


def _names(text: str) -> list[str]:
    """Capitalised words used as names: mid-sentence, or opening a sentence with an apposition ("Luna, ...")."""
    seen: list[str] = []
    for sentence in _sentences(text):
        for match in re.finditer(r"\b[A-ZÀ-Ý][a-zà-ÿ]{1,20}\b", sentence):
            word = match.group(0)
            opening = match.start() == 0
            if opening and not sentence[match.end() :].startswith(","):
                continue
            if word.lower() not in _NOT_NAMES and word not in seen:
                seen.append(word)
    return seen[:MAX_CHARACTERS]


def _description(name: str, text: str) -> str:
    """The appositive after a name ("Pip, a magic fox who ..."), if the briefing has one."""
    match = re.search(rf"\b{re.escape(name)}\s*,\s*([^,.;!?]+)", text)
    return match.group(1).strip() if match else ""


def _mood(text: str) -> str:
    lowered = text.lower()
    for keys, mood in _MOODS:
        if any(key in lowered for key in keys):
            return mood
    return "gentle warm acoustic"


def _group(sentences: list[str], count: int) -> list[str]:
    """Merge neighbouring sentences into `count` narrations, keeping their order."""
    groups = [[s] for s in sentences]
    while len(groups) > count:
        sizes = [len(" ".join(a + b)) for a, b in itertools.pairwise(groups)]
        i = sizes.index(min(sizes))
        groups[i : i + 2] = [groups[i] + groups[i + 1]]
    return [" ".join(g) for g in groups]


def offline_screenplay(briefing: Briefing) -> Screenplay:
    text = " ".join(briefing.text.split())
    language = briefing.narration_language()
    greeting, outro, the_end, joiner = _LINES.get(language.split("-")[0], _LINES["en"])
    names = _names(text)
    count = briefing.scene_count
    greets = bool(names) and count >= 2
    story = _group(_sentences(text), count - 1 if greets else count)
    scenes: list[dict[str, object]] = [{"prompt": s, "narration": s} for s in story]
    if greets:
        scenes.insert(1, {"speaker": names[0], "narration": greeting.format(name=names[0])})
    # Short stories are padded: a look at each character, then the closing lines.
    for name in names:
        if len(scenes) >= count - 1:
            break
        about = _description(name, text)
        scenes.append({"prompt": f"{name}, {about}" if about else name, "narration": ""})
    ending = joiner.join(names) if names else story[-1]
    while len(scenes) < count:
        last = len(scenes) == count - 1
        prompt = f"{ending}, farewell, the end" if last else f"{ending}, together, wide shot at sunset"
        scenes.append({"prompt": prompt, "narration": the_end if last else outro})
    transition = 0.5
    length = round((briefing.duration + transition * (len(scenes) - 1)) / len(scenes), 2)
    for index, scene in enumerate(scenes):
        scene["duration"] = length
        scene["motion"] = MOTIONS[index % len(MOTIONS)]
        scene["transition_duration"] = transition
    characters = [{"name": name, "description": _description(name, text)} for name in names]
    title = joiner.join(names[:2]).strip() if len(names) > 1 else " ".join(story[0].split()[:6]).rstrip(".,;:!?")
    return load_screenplay(
        {
            "title": title,
            "style": briefing.style,
            "language": language,
            "characters": characters,
            "scenes": scenes,
            "music": {"mood": _mood(text)},
        }
    )
