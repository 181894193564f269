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

import types
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

Plan = list[tuple[Any, tuple[str, ...]]]


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


def _plan(parser: BlockParser) -> Plan:
    """The processors in order, each with its strings (empty: always tried); made again only
    when the registry changes (an extension added a processor)."""
    registry = parser.blockprocessors
    cached: tuple[int, Plan] | None = getattr(parser, "_press_plan", None)
    if cached is not None and cached[0] == len(registry):
        return cached[1]
    plan: Plan = []
    for processor in registry:
        name = next((n for n in TRIGGERS if n in registry and registry[n] is processor), None)
        plan.append((processor, TRIGGERS[name] if name else ()))
    parser._press_plan = (len(registry), plan)  # type: ignore[attr-defined]
    return plan


def _parse_blocks(self: BlockParser, parent: Any, blocks: list[str]) -> None:
    """Python-Markdown's loop (same signature, so nested parsing lands here too), skipping a
    processor whose strings are all absent from the block."""
    plan = _plan(self)
    while blocks:
        for processor, needs in plan:
            block = blocks[0]
            if needs:
                for need in needs:
                    if need in block or (need[0] == "\n" and block.startswith(need[1:])):
                        break
                else:
                    continue
            if processor.test(parent, block) and processor.run(parent, blocks) is not False:
                break
