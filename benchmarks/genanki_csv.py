"""The baseline a user could write in ten minutes: a CSV's rows into an .apkg with genanki,
no rendering, no checks, genanki deriving each GUID. ``python genanki_csv.py IN.csv OUT.apkg``"""

from __future__ import annotations

import csv
import sys

import genanki

MODEL = genanki.Model(
    1_607_392_319,
    "Basic (genanki script)",
    fields=[{"name": "Question"}, {"name": "Answer"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Question}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}',
        }
    ],
)


def main(source: str, target: str) -> None:
    deck = genanki.Deck(2_059_400_110, "Benchmark")
    with open(source, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            deck.add_note(genanki.Note(model=MODEL, fields=[row["Question"], row["Answer"]]))
    genanki.Package(deck).write_to_file(target)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
