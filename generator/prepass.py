"""Python-Markdown's preprocessors, minus the work that cannot change the text.

Before parsing, Python-Markdown runs each document through preprocessors: whitespace clean-up,
fenced code, raw HTML blocks. The last two scan the whole text (a regular expression, an HTML
parser feeding character data one call at a time) and on most news articles find nothing to do:
a fence needs three backticks or tildes, and the HTML parser changes nothing in a text without
"<" or "&" (it only re-emits the text it was given). Here each runs only on a text that holds one
of its strings, and the whitespace clean-up uses an equivalent expression that the regex engine
can scan for quickly (it anchors on the newline instead of testing a look-behind at every
character). The output is Python-Markdown's own, byte for byte: tests/test_markdown.py renders
the same documents with and without these and compares (every processor, the corpus, random text).
"""

from __future__ import annotations

import re
from typing import Any

import markdown as md
from markdown import util
from markdown.preprocessors import NormalizeWhitespace, Preprocessor

# Preprocessor name (Python-Markdown's registry) → strings one of which a text must hold for it
# to change anything.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "fenced_code_block": ("```", "~~~"),
    "html_block": ("<", "&"),
}
# Python-Markdown's priorities for them (its registry keeps them private).
_PRIORITIES = {"normalize_whitespace": 30, "fenced_code_block": 25, "html_block": 20}
_BLANK_LINE_SPACES = re.compile(r"\n +(?=\n)")  # = Python-Markdown's (?<=\n) +\n, scanned faster


class FastNormalizeWhitespace(NormalizeWhitespace):
    """NormalizeWhitespace with the spaces of blank lines removed by the faster expression."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        source = source.replace(util.STX, "").replace(util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        source = _BLANK_LINE_SPACES.sub("\n", source)
        return source.split("\n")


class Triggered(Preprocessor):
    """Runs the preprocessor it wraps only on a text holding one of its strings."""

    def __init__(self, parser: md.Markdown, inner: Any, strings: tuple[str, ...]):
        super().__init__(parser)
        self.inner = inner
        self.strings = strings

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if any(string in text for string in self.strings):
            return self.inner.run(lines)
        return lines


def supported(parser: md.Markdown) -> bool:
    """Whether the parser's preprocessors are the ones this pass was written for, in that order."""
    registry = parser.preprocessors
    names = [name for name in _PRIORITIES if name in registry]
    return (
        "normalize_whitespace" in registry
        and type(registry["normalize_whitespace"]) is NormalizeWhitespace
        and [registry.get_index_for_name(name) for name in names]
        == sorted(registry.get_index_for_name(n) for n in names)
    )


def install(parser: md.Markdown) -> bool:
    """Replace the parser's preprocessors (same names and places); False when not supported."""
    if not supported(parser):
        return False
    registry = parser.preprocessors
    registry.register(
        FastNormalizeWhitespace(parser), "normalize_whitespace", _PRIORITIES["normalize_whitespace"]
    )
    for name, strings in TRIGGERS.items():
        if name in registry:
            registry.register(Triggered(parser, registry[name], strings), name, _PRIORITIES[name])
    return True
