"""Realistic lecture decks of any size, the same on every run (seeded).

Questions, answers and analogies are drawn word by word from the shipped lecture, so their
lengths and characters follow its statistics: questions of 5 to 16 words ending in "?",
answers of 2 to 4 sentences, an analogy on four cards in five. One answer in twenty carries
code-like text (``keras.layers.Dense()``, ``x_1 * y``) and one in fifty a line break.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

SEED_SOURCE = Path(__file__).resolve().parent.parent / "sources" / "deep-learning-lecture-06.txt"
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_CODE = ["keras.layers.Dense()", "x_1 * y_2", "`tf.data`", "model.fit(x, y)", "a <mask> token"]


def _vocabulary() -> list[str]:
    return _WORD.findall(SEED_SOURCE.read_text(encoding="utf-8"))


def _sentence(rng: random.Random, words: list[str], low: int, high: int) -> str:
    chosen = [rng.choice(words) for _ in range(rng.randint(low, high))]
    return " ".join(chosen).capitalize()


def lecture_text(notes: int, seed: int = 6) -> str:
    """A lecture page of ``notes`` cards, with the preamble a copied page has."""
    rng = random.Random(seed)
    words = _vocabulary()
    lines = [
        f"1/{notes}",
        "Flashcards based on a generated lecture, for benchmarks.",
        "Name | Mastery | Learn | Test |",
        "|---|",
        "No study sessions yet.",
    ]
    for index in range(notes):
        question = f"{_sentence(rng, words, 5, 16)} ({index})?"
        answer = ". ".join(_sentence(rng, words, 10, 22) for _ in range(rng.randint(2, 4))) + "."
        if index % 20 == 7:
            answer += f" For example, {rng.choice(_CODE)} is common."
        if rng.random() < 0.8:
            answer += f" Analogy: {_sentence(rng, words, 8, 18)}."
        lines += [question, answer]
    return "\n".join(lines) + "\n"


def write_project(folder: Path, sources: dict[str, int], seed: int = 6) -> Path:
    """A deck project in ``folder``: ``sources/NAME.txt`` with the given number of notes each."""
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    for offset, (name, notes) in enumerate(sorted(sources.items())):
        text = lecture_text(notes, seed + offset)
        (folder / "sources" / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder
