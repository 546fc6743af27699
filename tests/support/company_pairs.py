"""Labelled company-name pairs for the account matcher: generated variants of real-looking names.

A base name is one or two invented stems and often an industry word ("Northwind Logistics",
"Brightwater Analytics"). A positive pair is a base name and one of its variants as people and
systems write it: case, legal suffix added, changed or spelt out ("Inc." / "Incorporated" /
none), punctuation, accents added or folded, "&" for "and", a leading "The", a missing space or
one typo in a long name. A negative pair is two different companies, half of them hard: the same
stem with another industry word, or another stem with the same industry word and suffix.
Deterministic for a seed, so the benchmark and the tests see the same list.
"""

import random
from dataclasses import dataclass

STEMS = (
    "Northwind", "Brightwater", "Silverline", "Bluefield", "Redstone", "Greenleaf", "Ironbridge", "Oakridge",
    "Stonegate", "Clearview", "Riverbend", "Highpoint", "Evergreen", "Summit", "Lakeshore", "Fairhaven",
    "Goldcrest", "Westbrook", "Eastwood", "Kingsley", "Ashford", "Blackwell", "Crestline", "Daybreak",
    "Foxglove", "Granite", "Harbor", "Juniper", "Keystone", "Lighthouse", "Meridian", "Nimbus", "Orchid",
    "Pinecrest", "Quantum", "Rosewood", "Sapphire", "Tidewater", "Upland", "Vantage", "Willow", "Zenith",
    "Müller", "Lefèvre", "Zürich", "Søndergaard", "Castañeda", "Nowak", "Åkesson", "Dubois", "Kowalski",
    "Acme", "Globex", "Initech", "Hooli", "Vandelay", "Umbrella", "Wonka", "Cyberdyne", "Soylent", "Tyrell",
)
INDUSTRIES = (
    "Logistics", "Analytics", "Software", "Foods", "Energy", "Robotics", "Health", "Capital", "Media",
    "Systems", "Labs", "Consulting", "Partners", "Pharma", "Networks", "Solar", "Textiles", "Motors",
)
SUFFIXES = ("Inc.", "Inc", "Corp.", "Corporation", "Ltd", "Limited", "LLC", "GmbH", "S.A.", "AG", "plc", "B.V.",
            "Co.", "")
SPELT = {"Inc.": "Incorporated", "Inc": "Incorporated", "Corp.": "Corporation", "Ltd": "Limited",
         "Co.": "Company", "LLC": "L.L.C.", "S.A.": "SA", "B.V.": "BV"}
ACCENTS = {"u": "ü", "e": "é", "a": "á", "o": "ö"}
FOLD = {"ü": "u", "è": "e", "é": "e", "ø": "o", "ñ": "n", "å": "a", "ö": "o", "á": "a"}


@dataclass(frozen=True)
class Pair:
    left: str
    right: str
    same: bool  # the label: one company, written two ways


def _base(rng: random.Random) -> tuple[str, str | None, str]:
    stem = rng.choice(STEMS)
    if rng.random() < 0.25:
        stem = f"{stem} {rng.choice([s for s in STEMS if s != stem])}"
    industry = rng.choice(INDUSTRIES) if rng.random() < 0.8 else None
    return stem, industry, rng.choice(SUFFIXES)


def _name(stem: str, industry: str | None, suffix: str, amp: bool = False) -> str:
    words = [stem] + ([industry] if industry else [])
    if amp and industry:
        words = [stem, "&", industry]
    text = " ".join(words)
    if suffix:
        text += ("," if suffix in ("Inc.", "Inc") and len(text) % 2 else "") + f" {suffix}"
    return text


def _typo(rng: random.Random, text: str) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 12:
        return text  # short names keep their letters: one typo in "Acme" is another company
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(3)
    if kind == 0 and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]  # swapped letters
    if kind == 1:
        return text[:i] + text[i + 1:]  # a dropped letter
    return text[:i] + text[i] + text[i:]  # a doubled letter


def _variant(rng: random.Random, stem: str, industry: str | None, suffix: str) -> str:
    """The same company as another system writes it: one to three changes."""
    the = False
    for _ in range(rng.randint(1, 3)):
        change = rng.randrange(8)
        if change == 0:
            suffix = SPELT.get(suffix, suffix)
        elif change == 1:
            suffix = rng.choice(SUFFIXES)
        elif change == 2:
            stem = "".join(FOLD.get(c, c) for c in stem) if any(c in FOLD for c in stem) else \
                "".join(ACCENTS.get(c, c) if rng.random() < 0.3 else c for c in stem)
        elif change == 3:
            the = True
        elif change == 4 and " " in stem:
            stem = stem.replace(" ", "", 1)
        elif change == 5:
            stem = _typo(rng, stem)
    text = _name(f"The {stem}" if the else stem, industry, suffix, amp=rng.random() < 0.15)
    case = rng.randrange(4)
    return text.upper() if case == 0 else text.lower() if case == 1 else text


def generate_pairs(n: int = 600, seed: int = 22) -> list[Pair]:
    """`n` labelled pairs, half of them one company written two ways."""
    rng = random.Random(seed)
    pairs: list[Pair] = []
    while len(pairs) < n:
        stem, industry, suffix = _base(rng)
        left = _name(stem, industry, suffix)
        if len(pairs) % 2 == 0:
            pairs.append(Pair(left, _variant(rng, stem, industry, suffix), True))
            continue
        hard = rng.random()
        if hard < 0.35 and industry:  # the same stem, another line of business
            other = _name(stem, rng.choice([i for i in INDUSTRIES if i != industry]), suffix)
        elif hard < 0.7:  # another stem, the same line of business and form
            other = _name(rng.choice([s for s in STEMS if s not in stem]), industry, suffix)
        else:
            other_stem, other_industry, other_suffix = _base(rng)
            if other_stem == stem:
                continue
            other = _name(other_stem, other_industry, other_suffix)
        pairs.append(Pair(left, other, False))
    return pairs
