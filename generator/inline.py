"""Python-Markdown's inline pass, minus the patterns that cannot match.

Python-Markdown tries every inline pattern (links, emphasis, code, entities, raw HTML...) on every
piece of text, one Python call each, and most pieces contain none of them: on the digital.gov
corpus that loop was half of all Markdown time. Each pattern below can only match text holding its
character (a link needs "[", an entity "&"), so the pass skips a pattern when that character is
absent. Patterns we don't know are always tried. The output is Python-Markdown's own, byte for byte:
tests/test_markdown.py renders the same documents with and without this pass and compares.

It overrides the pass's private loop, so it is installed only when that loop is where it was
written for (`installed` says whether it is); otherwise Python-Markdown runs as shipped.
"""

from __future__ import annotations

from typing import Any

import markdown as md
from markdown import util
from markdown.treeprocessors import InlineProcessor

# Pattern name (Python-Markdown's registry) → a character every match of it contains.
TRIGGERS = {
    "backtick": "`",
    "escape": "\\",
    "reference": "[",
    "link": "[",
    "image_link": "[",
    "image_reference": "[",
    "short_reference": "[",
    "short_image_ref": "[",
    "footnote": "[",
    "autolink": "<",
    "automail": "<",
    "html": "<",
    "entity": "&",
    "linebreak": "\n",
}
_LOOP = "_InlineProcessor__handleInline"
_APPLY = "_InlineProcessor__applyPattern"
_PRIORITY = 20  # the inline pass's place among Python-Markdown's tree processors


def supported() -> bool:
    """Whether this Python-Markdown has the loop this pass replaces."""
    return hasattr(InlineProcessor, _LOOP) and hasattr(InlineProcessor, _APPLY)


class SkippingInlineProcessor(InlineProcessor):
    """The inline pass, trying a known pattern only on text that holds its character."""

    def __init__(self, parser: md.Markdown):
        super().__init__(parser)
        self._needs: list[str | None] | None = None

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        if self._needs is None or len(self._needs) != len(self.inlinePatterns):
            needs: list[str | None] = [None] * len(self.inlinePatterns)
            for name, character in TRIGGERS.items():
                if name in self.inlinePatterns:
                    needs[self.inlinePatterns.get_index_for_name(name)] = character
            self._needs = needs
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        """Python-Markdown's loop (same signature and name, so its recursion lands here too)."""
        if isinstance(data, util.AtomicString):
            return data
        patterns, needs = self.inlinePatterns, self._needs or []
        apply = getattr(self, _APPLY)
        start = 0
        while patternIndex < len(patterns):
            need = needs[patternIndex]
            if need is not None and need not in data:
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
