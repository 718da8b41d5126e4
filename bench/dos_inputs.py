"""The worst inputs of issue 21 (findings 1 and 2), shared by the benchmark
and the bounded-time tests."""

from __future__ import annotations

import random

WORDS = ("the", "motor", "torque", "overheats", "a", "of", "fan", "X200", "is", "and")


def short_lines(seed: int = 1, lines: int = 8000) -> tuple[str, str]:
    """Two versions of a ~16 KB file of 8,000 one-character lines that
    differ almost everywhere: many equal lines, little in common."""
    rng = random.Random(seed)
    old = "".join(rng.choice("abc") + "\n" for _ in range(lines))
    new = "".join(rng.choice("abc") + "\n" for _ in range(lines))
    return old, new


def one_paragraph(seed: int = 2, size: int = 56_000) -> tuple[str, str]:
    """A ~56 KB single paragraph and the same with one word changed."""
    rng = random.Random(seed)
    words: list[str] = []
    length = 0
    while length < size:
        words.append(rng.choice(WORDS))
        length += len(words[-1]) + 1
    old = " ".join(words)
    words[len(words) // 2] = "changed"
    return old, " ".join(words)


def scattered_words(seed: int = 3, size: int = 56_000) -> tuple[str, str]:
    """A ~56 KB paragraph with a word changed every ~40 words: many small
    changes in one line (the token level does the work)."""
    rng = random.Random(seed)
    words = [rng.choice(WORDS) for _ in range(size // 5)]
    new = list(words)
    for index in range(0, len(new), 40):
        new[index] = rng.choice(WORDS) + "x"
    return " ".join(words), " ".join(new)


def markdown_worst(limit: int) -> dict[str, str]:
    """Markdown inputs quadratic for backtracking parsers, at ``limit`` characters."""
    return {
        "brackets": "[" * limit,
        "images": "![" * (limit // 2),
        "links": "[](" * (limit // 3),
        "emphasis": "*_" * (limit // 2),
        "angles": "<" * limit,
        "quotes": ">" * limit,
        "entities": "&" * limit,
    }
