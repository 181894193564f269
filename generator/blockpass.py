"""Python-Markdown's block pass, minus the processors that cannot match.

Python-Markdown offers every block (a paragraph, a list, a header...) to each block processor in
turn until one takes it, one or two Python calls and a regular expression each; a plain paragraph
is offered to all sixteen. Each processor below can only take a block holding one of its strings
(a header needs a line opening with "#", a quote ">", a footnote definition "[^"), so the pass
skips a processor when none of them is present. Processors we don't know are always tried. The
output is Python-Markdown's own, byte for byte: tests/test_markdown.py renders the same documents
with and without this pass and compares (every processor, the corpus, random text).

The loop replaced is the block parser's public `parseBlocks`, set on the one parser instance.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from typing import Any

import markdown as md
from markdown import util
from markdown.blockparser import BlockParser

# Processor name (Python-Markdown's registry) → strings one of which every block it takes holds.
# A string starting with a newline also counts at the very start of the block: a line starts there.
# "markdown_block", "footnote", "abbr" and "reference" accept every block in `test` and decline in
# `run`, putting the block back untouched: skipped, they decline just the same.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "markdown_block": (util.STX,),  # a stashed raw HTML block's placeholder
    "table": ("|",),
    "hashheader": ("\n#",),  # "#" opening a line
    "setextheader": ("\n=", "\n-"),  # a line of "=" or "-" under the first
    # three "-", "_" or "*" with at most two spaces between: two of them at most two spaces apart
    "hr": ("--", "- -", "-  -", "__", "_ _", "_  _", "**", "* *", "*  *"),
    "olist": (".",),
    "ulist": ("*", "+", "-"),
    "deflist": ("\n:", "\n :", "\n  :", "\n   :"),  # ":" opening a line, after up to 3 spaces
    "quote": (">",),
    "footnote": ("[^",),
    "abbr": ("*[",),
    "reference": ("]:",),
}

Step = tuple[Any, tuple[str, ...]]  # a processor and its strings (empty: always tried)
_COMBINATIONS = 4096  # combinations of strings a plan remembers the processors of, at most


def supported() -> bool:
    """Whether this Python-Markdown's block parser has the loop this pass replaces."""
    return callable(getattr(BlockParser, "parseBlocks", None))


def install(parser: md.Markdown) -> bool:
    """Give the parser's block parser the skipping loop; False when not supported."""
    if not supported():
        return False
    blocks = parser.parser
    blocks.parseBlocks = types.MethodType(_parse_blocks, blocks)  # type: ignore[method-assign]
    return True


def _finder(strings: list[str]) -> Callable[[str, frozenset[str]], bool]:
    """Whether a block holds one of `strings` (of two characters or more, all opening with one
    character; one opening with a newline also at the block's start), given the characters it
    holds. One regular expression finds any of them, and finds a literal string two to three times
    as fast as `in` does (1.7 µs against 3.8 in 4 kB of text): `in` searches for one character
    with memchr, and for more with a slower loop."""
    first = strings[0][0]
    rests = [string[1:] for string in strings]
    search = re.compile(re.escape(first) + "(?:" + "|".join(map(re.escape, rests)) + ")").search
    if first != "\n":
        return lambda block, _present: search(block) is not None
    starts = tuple(rests)
    return lambda block, present: block.startswith(starts) or ("\n" in present and search(block) is not None)


class _Plan:
    """The processors in order with their strings, and which of them to offer a block to.

    A block is first searched for single characters (each search is memchr: 60 ns over 4 kB of
    text, where a string of two characters took 3 µs, and the blocks of the corpus were searched
    30 times each, a tenth of all Markdown time); a longer string is searched for only when each
    of its characters is there. The processors worth offering a block are found once for each
    combination of strings held, and most blocks hold the same few."""

    def __init__(self, registry: Any):
        self.size = len(registry)
        self.steps: list[Step] = []
        for processor in registry:
            name = next((n for n in TRIGGERS if n in registry and registry[n] is processor), None)
            self.steps.append((processor, TRIGGERS[name] if name else ()))
        strings = {string for _, needs in self.steps for string in needs}
        self.characters = tuple(sorted({c for string in strings for c in string} - {" "}))
        # The longer strings of each processor, by their first character: each group is looked for
        # at once, when the characters all of its strings hold are there, and stands in the
        # combinations by its first string.
        groups: dict[tuple[int, str], list[str]] = {}
        for at, (_, needs) in enumerate(self.steps):
            for string in needs:
                if len(string) > 1:
                    groups.setdefault((at, string[0]), []).append(string)
        self.longer = tuple(
            (group[0], frozenset.intersection(*(frozenset(s) for s in group)) - {"\n", " "}, _finder(group))
            for group in groups.values()
        )
        self.offers: dict[tuple[frozenset[str], tuple[str, ...]], list[Any]] = {}

    def processors(self, block: str) -> list[Any]:
        """The processors to offer `block` to, in order: those whose strings it holds, and those
        that have none."""
        present = frozenset([c for c in self.characters if c in block])
        longer = tuple([s for s, chars, held in self.longer if chars <= present and held(block, present)])
        offers = self.offers.get((present, longer))
        if offers is None:
            if len(self.offers) >= _COMBINATIONS:  # odd text can hold any mix: kept bounded
                self.offers.clear()
            held = present.union(longer)
            offers = [p for p, needs in self.steps if not needs or not held.isdisjoint(needs)]
            self.offers[present, longer] = offers
        return offers

    def offer_rest(self, after: Any, parent: Any, blocks: list[str]) -> None:
        """Python-Markdown's loop from the processor after `after` on, the first block read again
        for each (a processor that declined left another one first)."""
        at = next(n for n, (processor, _) in enumerate(self.steps) if processor is after) + 1
        for processor, _ in self.steps[at:]:
            block = blocks[0]
            if processor not in self.processors(block):  # as the main loop finds them (remembered)
                continue
            if processor.test(parent, block) and processor.run(parent, blocks) is not False:
                return


def _plan(parser: BlockParser) -> _Plan:
    """The parser's plan, made again only when the registry changes (an extension added a processor)."""
    registry = parser.blockprocessors
    plan: _Plan | None = getattr(parser, "_press_plan", None)
    if plan is None or plan.size != len(registry):
        plan = _Plan(registry)
        parser._press_plan = plan  # type: ignore[attr-defined]
    return plan


def _parse_blocks(self: BlockParser, parent: Any, blocks: list[str]) -> None:
    """Python-Markdown's loop (same signature, so nested parsing lands here too), skipping a
    processor whose strings are all absent from the block."""
    plan = _plan(self)
    while blocks:
        block = blocks[0]
        for processor in plan.processors(block):
            if processor.test(parent, block):
                if processor.run(parent, blocks) is not False:
                    break
                if not blocks or blocks[0] is not block:  # it declined, and left another block first
                    plan.offer_rest(processor, parent, blocks)
                    break
