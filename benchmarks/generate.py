"""Realistic lecture decks of any size, the same on every run (seeded).

Questions, answers and analogies are drawn word by word from the shipped lecture, so their
lengths and characters follow its statistics: questions of 5 to 16 words ending in "?",
answers of 2 to 4 sentences, an analogy on four cards in five. One answer in twenty carries
code-like text (``keras.layers.Dense()``, ``x_1 * y``) and one in fifty a line break.
"""

from __future__ import annotations

import csv
import io
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


_LINKS = ["https://en.wikipedia.org/wiki/Backpropagation", "https://keras.io/api/layers/"]
_MATH = ["$x_i^2$", "$\\sigma(z) = 1 / (1 + e^{-z})$", "$\\nabla_w L$", "$p(y \\mid x)$"]


def _card(
    rng: random.Random, words: list[str], index: int
) -> tuple[str, list[str], list[str], str | None]:
    """One card as (question, Markdown answer blocks, plain answer sentences, analogy)."""
    question = f"{_sentence(rng, words, 5, 16)} ({index})?"
    plain = [_sentence(rng, words, 10, 22) + "." for _ in range(rng.randint(2, 4))]
    marked = list(plain)
    # The mix a real Markdown note has: emphasis on most, code on some, a link, math, a list.
    first = marked[0].split(" ")
    if len(first) > 3:
        first[1] = f"**{first[1]}**"
        first[-2] = f"*{first[-2]}*"
    marked[0] = " ".join(first)
    if index % 3 == 0:
        marked[-1] += f" In code: `{rng.choice(_CODE).strip('`')}`."
    if index % 4 == 1:
        marked[-1] += f" See [the reference]({rng.choice(_LINKS)})."
    if index % 10 == 2:
        marked[-1] += f" Here {rng.choice(_MATH)} holds."
    blocks = [" ".join(marked)]
    if index % 6 == 5:
        blocks.append("\n".join(f"- {_sentence(rng, words, 3, 8)}" for _ in range(3)))
    if index % 20 == 7:
        plain[-1] += f" For example, {rng.choice(_CODE)} is common."
    analogy = _sentence(rng, words, 8, 18) + "." if rng.random() < 0.8 else None
    return question, blocks, plain, analogy


def cards(notes: int, seed: int = 6) -> list[tuple[str, list[str], list[str], str | None]]:
    """``notes`` seeded cards, each in a Markdown and a plain-text form (see ``_card``)."""
    rng = random.Random(seed)
    words = _vocabulary()
    return [_card(rng, words, index) for index in range(notes)]


def markdown_text(notes: int, seed: int = 6) -> str:
    """A deck2anki Markdown source: front matter, one '## ' card each, analogy paragraphs."""
    parts = ["---\ndeck: Benchmark\ndescription: Generated for benchmarks\n---\n"]
    for question, blocks, _plain, analogy in cards(notes, seed):
        parts.append(f"## {question}\n\n" + "\n\n".join(blocks) + "\n")
        if analogy:
            parts.append(f"Analogy: {analogy}\n")
    return "\n".join(parts)


def ankdown_text(notes: int, seed: int = 6) -> str:
    """The same cards in ankdown's format: front, '%', back, cards between '---' lines."""
    parts = []
    for question, blocks, _plain, analogy in cards(notes, seed):
        back = "\n\n".join(blocks) + (f"\n\nAnalogy: {analogy}" if analogy else "")
        parts.append(f"{question}\n\n%\n\n{back}\n")
    return "\n---\n\n".join(parts)


def csv_rows(notes: int, seed: int = 6) -> list[tuple[str, str]]:
    """The cards as plain (question, answer) rows, the analogy at the answer's end."""
    rows = []
    for question, _blocks, plain, analogy in cards(notes, seed):
        answer = " ".join(plain) + (f" Analogy: {analogy}" if analogy else "")
        rows.append((question, answer))
    return rows


def csv_text(notes: int, seed: int = 6) -> str:
    """A CSV source with a Question,Answer header, quoted as the csv module quotes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Question", "Answer"])
    writer.writerows(csv_rows(notes, seed))
    return buffer.getvalue()
