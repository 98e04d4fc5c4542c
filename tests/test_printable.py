"""What a message prints of a name: control characters escaped, and only those."""

from __future__ import annotations

from deck2anki.model import _CONTROLS, has_control, printable

EVERY_CHARACTER = "".join(map(chr, range(0x110000)))


def test_the_characters_escaped_are_the_controls_and_no_others() -> None:
    controls = "".join(_CONTROLS.findall(EVERY_CHARACTER))
    assert printable(EVERY_CHARACTER).count("\\") == len(controls) + EVERY_CHARACTER.count("\\")
    for keep in ("", "\n", "\n\t"):
        kept = printable(controls, keep)
        escaped = [c for c in controls if c not in keep]
        assert kept == "".join(c if c in keep else repr(c)[1:-1] for c in controls)
        assert len(escaped) == len(controls) - len(keep)


def test_a_name_without_controls_is_printed_as_it_is() -> None:
    name = "Deep Learning::Lecture 06 — ünïcode ‮"[:-1]
    assert not has_control(name)
    assert printable(name) is name
    assert printable("a\x1b[31mb\u202ec", json=True) == "a\\u001b[31mb\\u202ec"
