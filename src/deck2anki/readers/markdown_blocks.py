"""markdown-it's block parse of a Markdown source, handed on one card at a time (issue 17).

The reader needs a card's tokens only while it makes the card's note. Parsed whole, every
token of a source was alive at once: about 7 KB a note, 700 MB for 100,000 notes. Here
markdown-it's own block parser runs over the whole text, as ``MarkdownIt.parse`` runs it; a
rule put first in its chain matches nothing, but sees the parser start each top-level block.
By then the blocks before are complete, and so is every card but the last one begun: those
are handed on and their tokens let go. The tokens are the ones the whole parse makes (the
rule only looks), and the core rules after the block parse (the reader's inline pass, text
joining) work token by token, so they run on each card as it is handed on.

One thing a whole parse knows first is every link reference definition: an image written
``![a cell][cell]`` finds its file by one, and the reader appends the definitions a field
uses to it. A card handed on before a definition further down that it may use (its text has
a ``[``) would miss it: the source is then read again whole, the tokens kept to the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

_READING = "d2a_reading"
"""The key of the ``env`` entry through which the watching rule finds the reading."""


class Cards(Protocol):
    """What takes the cards: the tokens before the first one, then each card's tokens."""

    def preamble(self, tokens: list[Token]) -> None:
        """The tokens before the first level-2 heading (all of them if there is none)."""

    def card(
        self,
        tokens: list[Token],
        stop: int,
        lines: Callable[[int, int], str],
        definitions: dict[str, dict[str, str]],
    ) -> None:
        """A card's tokens, from its level-2 heading to the next; ``stop``: the line the next
        card starts on (the number of lines for the last); ``lines(a, b)``: lines a to b - 1
        of the text, joined by line breaks (line numbers count from the text's first);
        ``definitions``: the link reference definitions found so far, by label."""


def watch(md: MarkdownIt) -> None:
    """Put the rule that sees each top-level block begin first in ``md``'s block rules."""
    md.block.ruler.before(md.block.ruler.get_all_rules()[0], "d2a_cards", _block_begins)


def _block_begins(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    reading = state.env.get(_READING)
    # Lists and quotes parse their content after their opening token: deeper than the top.
    # (Not ``parentType``: a setext heading that is not one leaves it "paragraph".)
    if isinstance(reading, _Reading) and state.level == 0:
        reading.hand_on(state)
    return False  # no block here: the parser's own rules go on as if this one were not there


def read_cards(md: MarkdownIt, text: str, first_line: int, cards: Cards, whole: bool) -> bool:
    """Parse ``text`` (its line breaks "\n" alone) from line ``first_line`` on (what follows
    its front matter) with ``md``, which ``watch`` watches, and hand its cards to ``cards``,
    each as soon as it is complete (``whole``: all at the end, as a whole parse would).
    False: a card (or the preamble) was handed on before a link reference definition it may
    use; nothing is complete then: read it again whole.
    """
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_core import block as block_rule

    env: dict[str, object] = {}
    # The text as MarkdownIt.parse normalises it (its line breaks are "\n" already): not by
    # markdown-it's normalize rule, which copies the text even when it changes nothing.
    core = StateCore(text.replace("\0", "\ufffd"), md, env)
    chain = md.core.ruler.getRules("")
    after = chain[chain.index(block_rule) + 1 :]
    if not core.src:
        cards.preamble([])
        return True
    state = StateBlock(core.src, md, env, [])
    reading = _Reading(text, first_line, state, core, after, cards, whole)
    env[_READING] = reading
    md.block.tokenize(state, first_line, state.lineMax)
    del env[_READING]
    reading.hand_on(state, last=True)
    return reading.complete()


class _Reading:
    """One source being read: the tokens not yet handed on, where its cards start."""

    def __init__(
        self,
        text: str,
        first_line: int,
        state: StateBlock,
        core: StateCore,
        after: list[Callable[[StateCore], None]],
        cards: Cards,
        whole: bool,
    ) -> None:
        self.text = text
        self.first_line = first_line
        self.state = state
        self.core = core
        self.after = after
        self.cards = cards
        self.whole = whole
        self.scanned = 0  # tokens before this index were looked at for headings
        self.starts: list[int] = []  # where the cards begun start among the tokens kept
        self.before_first = True  # the preamble is not handed on yet
        self.references_then: int | None = None  # how many definitions there were when the
        # first card that may use one was handed on

    def hand_on(self, state: StateBlock, last: bool = False) -> None:
        """Hand on every complete card (and the preamble once the first card begins); with
        ``last``, the parse is over: the rest."""
        if self.whole and not last:
            return
        tokens, starts = state.tokens, self.starts
        for index in range(self.scanned, len(tokens)):
            token = tokens[index]
            if token.type == "heading_open" and token.tag == "h2" and token.level == 0:
                starts.append(index)
        self.scanned = len(tokens)
        if self.before_first and (starts or last):
            self.before_first = False
            preamble = tokens[: starts[0] if starts else len(tokens)]
            if not last:
                following = tokens[starts[0]].map
                assert following is not None
                self._note_references(self.first_line, following[0])
            self._done(preamble)
            self.cards.preamble(preamble)
        complete = len(starts) if last else len(starts) - 1
        if complete <= 0:
            return
        for number in range(complete):
            begin = starts[number]
            end = starts[number + 1] if number + 1 < len(starts) else len(tokens)
            card = tokens[begin:end]
            if end < len(tokens):
                following = tokens[end].map
                assert following is not None
                stop = following[0]
                if not last:
                    assert card[0].map is not None
                    self._note_references(card[0].map[0], stop)
            else:
                stop = self.text.count("\n") + 1
            self._done(card)
            self.cards.card(card, stop, self.lines, self.state.env.get("references", {}))
        if last:
            tokens.clear()
            return
        del tokens[: starts[complete]]
        self.starts = [0]
        self.scanned = len(tokens)

    def _done(self, tokens: list[Token]) -> None:
        """The core rules after the block parse (the reader's inline pass, text joining)."""
        self.core.tokens = tokens
        for rule in self.after:
            rule(self.core)

    def _note_references(self, start: int, stop: int) -> None:
        """Remember how many definitions there were when the first card (or preamble) that
        may use one (a ``[`` in its lines, ``start`` to ``stop``) was handed on before the
        parse's end."""
        if self.references_then is not None:
            return
        marks = self.state.bMarks
        if self.text.find("[", marks[start], marks[stop]) >= 0:
            self.references_then = len(self.state.env.get("references", {}))

    def complete(self) -> bool:
        """Whether no card was handed on before a definition it may use."""
        found = len(self.state.env.get("references", {}))
        return self.references_then is None or found == self.references_then

    def lines(self, start: int, stop: int) -> str:
        """``"\\n".join(text.split("\\n")[start:stop])``, from the parser's line marks."""
        if stop <= start:
            return ""
        state = self.state
        # A last line of white space alone, and the empty one after a final line break, have
        # no mark of their own: they end the text.
        begin = state.bMarks[start] if start < state.lineMax else self.text.rfind("\n") + 1
        end = state.eMarks[stop - 1] if stop - 1 < state.lineMax else len(self.text)
        return self.text[begin:end]
