"""Python-Markdown's preprocessors, minus the work that cannot change the text.

Before parsing, Python-Markdown runs each document through preprocessors: whitespace clean-up,
fenced code, raw HTML blocks. The last two scan the whole text (a regular expression, an HTML
parser feeding character data one call at a time) and on most news articles find nothing to do:
a fence needs three backticks or tildes, and the HTML parser changes a text only at a few things,
a tag that starts a line the commonest (see _changes_html). Here each runs only on a text it could
change, and the whitespace clean-up uses an equivalent expression that the regex engine can scan
for quickly (it anchors on the newline instead of testing a look-behind at every character). The
output is Python-Markdown's own, byte for byte: tests/test_markdown.py renders the same documents
with and without these and compares (every processor, the corpus, random text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import markdown as md
from markdown import util
from markdown.htmlparser import htmlparser
from markdown.preprocessors import NormalizeWhitespace, Preprocessor

# "&#" that does not begin a numeric character reference closed by ";": html.parser completes an
# open one ("&#169 2020" becomes "&#169; 2020"), and stops at one it can't read ("&#1a;"), after
# which Python-Markdown misplaces what follows ("&#1a;</div>" loses its "</").
_OPEN_CHARREF = re.compile(r"&#(?!(?:[0-9]+|[xX][0-9a-fA-F]+);)")
# A tag (or anything else opened by "<") after at most three characters of its line.
_NEAR_LINE_START = re.compile(r"\n[^\n]{0,3}<")
_COMMENT_OR_DECLARATION = re.compile(r"<[!?]")
# md_in_html rebuilds a self-closed rule with a `markdown` attribute wherever it is ("<hr markdown/>"
# becomes "<hr>", even in a code span): a text holding both words goes through the pass.
_RULE = re.compile(r"<hr", re.IGNORECASE)
_MARKDOWN_ATTRIBUTE = re.compile(r"markdown", re.IGNORECASE)


def _changes_html(text: str) -> bool:
    """Whether Python-Markdown's HTML block pass could change a text. It re-emits every character it
    is given, but for: a tag, comment or declaration at a line's start (after up to three spaces,
    where it begins a raw block, and everything that follows one); a comment or declaration
    anywhere (written back in a normal form); a rule with a `markdown` attribute anywhere (see
    _RULE); and "&#" that is not a reference closed by ";". Most news articles have "<" or "&"
    only within lines (a link, a `&#8217;`): 999 of the 1,370 of the digital.gov corpus that have
    either, and the parser, a Python call per piece of text, was a tenth of all Markdown time. A
    line's start is taken loosely (any three characters, not only spaces), as a margin. Each
    search is a scan in C (one expression for all of them took five times as long)."""
    if "<" in text and (
        "<" in text[:4]
        or _NEAR_LINE_START.search(text)
        or _COMMENT_OR_DECLARATION.search(text)
        or (_RULE.search(text) and _MARKDOWN_ATTRIBUTE.search(text))
    ):
        return True
    return "&#" in text and _OPEN_CHARREF.search(text) is not None


def _holds(strings: tuple[str, ...]) -> Callable[[str], bool]:
    return lambda text: any(string in text for string in strings)


# Where Python-Markdown's HTML parser reads an entity without its ";" ("AT&T," as "AT&T;,", as
# html.parser does, and as its own did before it required the ";"), the HTML pass runs on every
# text with "<" or "&": _changes_html assumes the parser of the version installed here.
_CLOSED_ENTITY = "&([a-zA-Z][-.a-zA-Z0-9]*);"


def triggers() -> dict[str, Callable[[str], bool]]:
    """Preprocessor name (Python-Markdown's registry) → whether it could change a text."""
    closed = htmlparser.entityref.pattern == _CLOSED_ENTITY and htmlparser.incomplete is htmlparser.entityref
    return {
        "fenced_code_block": _holds(("```", "~~~")),
        "html_block": _changes_html if closed else _holds(("<", "&")),
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
    """Runs the preprocessor it wraps only on a text it could change."""

    def __init__(self, parser: md.Markdown, inner: Any, changes: Callable[[str], bool]):
        super().__init__(parser)
        self.inner = inner
        self.changes = changes

    def run(self, lines: list[str]) -> list[str]:
        if self.changes("\n".join(lines)):
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
    for name, changes in triggers().items():
        if name in registry:
            registry.register(Triggered(parser, registry[name], changes), name, _PRIORITIES[name])
    return True
