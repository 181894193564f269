"""Python-Markdown's block-level tag check, answered from a set.

Python-Markdown asks whether a tag is block-level (`Markdown.is_block_level`) for every element
it prettifies and every attribute list it reads, and answers by scanning its list of some fifty
tag names: 5% of converting the corpus. Here the parser instance answers from a set of the same
names, made again whenever the list's length changes (extensions append the tags they add). The
output is Python-Markdown's own, byte for byte: tests/test_markdown.py renders the same documents
with and without this and compares (every processor, the corpus, random text).
"""

from __future__ import annotations

from typing import Any

import markdown as md


def install(parser: md.Markdown) -> bool:
    """Answer the parser's block-level checks from a set; False (nothing changed) when this
    Python-Markdown has no such check to replace."""
    elements = getattr(parser, "block_level_elements", None)
    if not callable(getattr(parser, "is_block_level", None)) or not isinstance(elements, list):
        return False
    known: list[Any] = [-1, frozenset()]  # the list's length when the set was made, the set

    def is_block_level(tag: Any) -> bool:
        if not isinstance(tag, str):
            return False  # as Python-Markdown: some ElementTree tags are not strings
        if known[0] != len(elements):
            known[:] = [len(elements), frozenset(elements)]
        return tag.lower().rstrip("/") in known[1]

    parser.is_block_level = is_block_level  # type: ignore[method-assign] (this instance only)
    return True
