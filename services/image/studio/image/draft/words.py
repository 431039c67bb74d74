"""What a prompt's words say about a draft: style, scene, subject and colours.

English and Portuguese keywords (the brief is Portuguese); unmatched words
leave choices to the seeded random generator, so every prompt still gets a
distinct, stable picture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RGB = tuple[float, float, float]


def _hex(value: str) -> RGB:
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)


COLOURS: dict[str, RGB] = {
    name: _hex(code)
    for names, code in (
        (("red", "vermelho", "vermelha", "crimson", "scarlet"), "c0392b"),
        (("orange", "laranja", "amber"), "e67e22"),
        (("yellow", "amarelo", "amarela"), "f1c40f"),
        (("gold", "golden", "dourado", "dourada"), "d4a017"),
        (("green", "verde", "emerald"), "2e8b57"),
        (("teal", "turquoise", "turquesa"), "16a085"),
        (("blue", "azul", "navy"), "2e5fa8"),
        (("purple", "roxo", "roxa", "violet", "violeta", "lilac"), "7d3c98"),
        (("pink", "rosa", "magenta"), "e87ea1"),
        (("brown", "marrom", "chocolate"), "7b4a2a"),
        (("black", "preto", "preta", "dark", "escuro"), "1c1c24"),
        (("white", "branco", "branca"), "f4f1ea"),
        (("grey", "gray", "cinza", "silver", "prata"), "8f959c"),
    )
    for name in names
}

STYLES: dict[str, str] = {
    **dict.fromkeys(("watercolor", "watercolour", "aquarela", "aquarelle", "wash"), "watercolour"),
    **dict.fromkeys(("sketch", "pencil", "ink", "charcoal", "desenho", "lapis", "lápis", "line"), "sketch"),
    **dict.fromkeys(("neon", "cyberpunk", "synthwave", "glow"), "neon"),
    **dict.fromkeys(("noir", "monochrome", "grayscale", "greyscale"), "noir"),
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PORTRAIT_WORDS = _words(
    "portrait face headshot character person man woman girl boy child kid lady gentleman hero heroine "
    "detective warrior knight wizard witch king queen princess prince astronaut doctor scientist teacher "
    "narrator avatar selfie bust people soldier pirate chef singer presenter host "
    "retrato rosto personagem pessoa homem mulher menina menino garota garoto criança herói heroína "
    "detetive guerreiro cavaleiro mago bruxa rei rainha princesa príncipe apresentador apresentadora"
)
LANDSCAPE_WORDS = _words(
    "landscape forest woods mountain mountains hill hills valley field meadow desert beach sea ocean lake "
    "river sky sunset sunrise dawn dusk city town village street skyline island countryside jungle snow "
    "paisagem floresta bosque montanha montanhas colina vale campo deserto praia mar oceano lago rio céu "
    "pôr-do-sol amanhecer cidade vila rua ilha selva neve"
)
FOREST_WORDS = _words("forest woods jungle trees tree pine floresta bosque selva árvore árvores pinheiro")
CITY_WORDS = _words("city town skyline street village buildings cidade vila rua prédios")
WATER_WORDS = _words("sea ocean lake river beach water bay mar oceano lago rio praia água baía")
NIGHT_WORDS = _words("night midnight moon stars starry noite lua estrelas")
SUNSET_WORDS = _words("sunset sunrise dawn dusk evening pôr-do-sol amanhecer entardecer crepúsculo")
SNOW_WORDS = _words("snow winter ice frozen neve inverno gelo")
AUTUMN_WORDS = _words("autumn fall outono")

ANIMALS: dict[str, tuple[str, str]] = {
    # word: (shape, default colour)
    **{w: ("quadruped", "d35400") for w in ("fox", "raposa")},
    **{w: ("quadruped", "6e6e73") for w in ("wolf", "lobo", "cat", "gato", "gata")},
    **{w: ("quadruped", "8a5a2b") for w in ("dog", "cachorro", "cão", "horse", "cavalo", "deer", "cervo")},
    **{w: ("quadruped", "5a3a22") for w in ("bear", "urso")},
    **{w: ("quadruped", "c8a165") for w in ("lion", "leão", "tiger", "tigre", "rabbit", "coelho")},
    **{w: ("bird", "3d3d4a") for w in ("bird", "pássaro", "ave", "owl", "coruja", "eagle", "águia", "crow", "corvo")},
}


@dataclass(frozen=True)
class Reading:
    """A prompt, interpreted."""

    words: tuple[str, ...]
    style: str = "flat"
    scene: str = "abstract"
    colours: tuple[RGB, ...] = ()
    animal: str = ""
    animal_shape: str = ""
    animal_colour: RGB | None = None
    mood: frozenset[str] = field(default_factory=frozenset)


def read_prompt(prompt: str) -> Reading:
    words = tuple(re.findall(r"[\wÀ-ÿ-]+", prompt.lower()))
    vocabulary = set(words)
    style = next((STYLES[w] for w in words if w in STYLES), "flat")
    colours = tuple(COLOURS[w] for w in words if w in COLOURS)
    animal = next((w for w in words if w in ANIMALS), "")
    animal_shape, animal_colour = "", None
    if animal:
        animal_shape, default = ANIMALS[animal]
        before = words[: words.index(animal)]
        named = [COLOURS[w] for w in before[-2:] if w in COLOURS]
        animal_colour = named[-1] if named else _hex(default)
    if vocabulary & PORTRAIT_WORDS:
        scene = "portrait"
    elif vocabulary & LANDSCAPE_WORDS or animal:
        scene = "landscape"
    else:
        scene = "abstract"
    mood = set()
    for name, group in (
        ("forest", FOREST_WORDS),
        ("city", CITY_WORDS),
        ("water", WATER_WORDS),
        ("night", NIGHT_WORDS),
        ("sunset", SUNSET_WORDS),
        ("snow", SNOW_WORDS),
        ("autumn", AUTUMN_WORDS),
    ):
        if vocabulary & group:
            mood.add(name)
    return Reading(words, style, scene, colours, animal, animal_shape, animal_colour, frozenset(mood))
