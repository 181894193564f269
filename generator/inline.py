"""Python-Markdown's inline pass, minus the patterns that cannot match.

Python-Markdown tries every inline pattern (links, emphasis, code, entities, raw HTML...) on every
piece of text, one Python call each, and most pieces contain none of them: on the digital.gov
corpus that loop was half of all Markdown time. Each pattern below can only match text holding one
of its strings (a link needs "[", an entity "&", emphasis "*" or "_"), so the pass skips a pattern
when they are all absent, and skips reference links and footnote markers in a document that
defines none. Patterns we don't know are always tried. The output is Python-Markdown's own, byte
for byte: tests/test_markdown.py renders the same documents with and without this pass and
compares (every pattern, the corpus, random text).

It overrides the pass's private loop, so it is installed only when that loop is where it was
written for (`installed` says whether it is); otherwise Python-Markdown runs as shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import markdown as md
from markdown import util
from markdown.treeprocessors import InlineProcessor

# Pattern name (Python-Markdown's registry) → strings one of which every match of it contains.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "footnote": ("[^",),
    "autolink": ("<",),
    "automail": ("<",),
    "html": ("<",),
    "entity": ("&",),
    "linebreak": ("\n",),
    "em_strong": ("*", "_"),
}


def _has_references(parser: md.Markdown, _pattern: Any) -> bool:
    return bool(parser.references)


def _has_footnotes(_parser: md.Markdown, pattern: Any) -> bool:
    return bool(getattr(getattr(pattern, "footnotes", None), "footnotes", True))


# Patterns that only ever match what the document defines: a reference link resolves only to a
# `[id]: url` line, a footnote marker only to a `[^id]:` note. Python-Markdown finds each
# bracket, parses it and then declines, leaving the text as it was; with nothing defined, the pass
# skips them for the whole document.
Defined = Callable[[md.Markdown, Any], bool]
DEFINED: dict[str, Defined] = {
    "reference": _has_references,
    "short_reference": _has_references,
    "image_reference": _has_references,
    "short_image_ref": _has_references,
    "footnote": _has_footnotes,
}
_NEVER: tuple[str, ...] = ()  # no string is ever found among none: the pattern is skipped
_LOOP = "_InlineProcessor__handleInline"
_APPLY = "_InlineProcessor__applyPattern"
_PRIORITY = 20  # the inline pass's place among Python-Markdown's tree processors


def supported() -> bool:
    """Whether this Python-Markdown has the loop this pass replaces."""
    return hasattr(InlineProcessor, _LOOP) and hasattr(InlineProcessor, _APPLY)


class SkippingInlineProcessor(InlineProcessor):
    """The inline pass, trying a known pattern only on text that holds one of its strings, and a
    pattern that needs a definition only in a document that has some."""

    def __init__(self, parser: md.Markdown):
        super().__init__(parser)
        self._known: tuple[int, list[tuple[str, ...] | None], dict[int, Defined]] | None = None
        self._needs: list[tuple[str, ...] | None] = []
        self._patterns: list[Any] = []

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        self._needs = self._plan()
        # The registry's patterns in order, as a list: the loop below asks for one 800,000 times
        # at 2,083 articles, and the registry's length and items are Python calls (8% of the pass).
        patterns = self.inlinePatterns
        self._patterns = [patterns[at] for at in range(len(patterns))]
        return super().run(tree, ancestors)

    def _plan(self) -> list[tuple[str, ...] | None]:
        """Each pattern's strings (None: always tried), made per document: definitions differ."""
        patterns = self.inlinePatterns
        if self._known is None or self._known[0] != len(patterns):  # an extension added a pattern
            strings: list[tuple[str, ...] | None] = [None] * len(patterns)
            for name, found in TRIGGERS.items():
                if name in patterns:
                    strings[patterns.get_index_for_name(name)] = found
            checks = {patterns.get_index_for_name(n): c for n, c in DEFINED.items() if n in patterns}
            self._known = (len(patterns), strings, checks)
        needs = list(self._known[1])
        for at, defined in self._known[2].items():
            if not defined(self.md, patterns[at]):
                needs[at] = _NEVER
        return needs

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        """Python-Markdown's loop (same signature and name, so its recursion lands here too)."""
        if isinstance(data, util.AtomicString):
            return data
        patterns, needs = self._patterns, self._needs
        apply = getattr(self, _APPLY)
        start = 0
        count = len(patterns)
        while patternIndex < count:
            need = needs[patternIndex]
            if need is not None:
                for string in need:
                    if string in data:
                        break
                else:
                    patternIndex, start = patternIndex + 1, 0  # what a pattern that found nothing returns
                    continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def install(parser: md.Markdown) -> bool:
    """Replace the parser's inline pass (same name and priority); False when not supported."""
    if not supported():
        return False
    parser.treeprocessors.register(SkippingInlineProcessor(parser), "inline", _PRIORITY)
    return True
