"""Python-Markdown's link parsing, with a shortcut for the links news articles are made of.

Python-Markdown reads a link's `[text]` and its `(url "title")` one character at a time in
Python, tracking nested brackets and quotes; on the digital.gov corpus that was a tenth of all
Markdown time. Almost every link has neither: its text holds no "[" before the first "]", its
destination no "(" or quote before the first ")". Then both parts end at that first bracket, which
`str.find` locates in C; anything else goes through Python-Markdown's own code. The output is
Python-Markdown's own, byte for byte: tests/test_markdown.py compares (the corpus, random text).
"""

from __future__ import annotations

import types

import markdown as md
from markdown.inlinepatterns import LinkInlineProcessor

_GET_TEXT = LinkInlineProcessor.getText
_GET_LINK = LinkInlineProcessor.getLink


def get_text(self: LinkInlineProcessor, data: str, index: int) -> tuple[str, int, bool]:
    """The `[text]` starting at index: up to the first "]" when no "[" comes before it."""
    close = data.find("]", index)
    if close >= 0 and data.find("[", index, close) < 0:
        return data[index:close], close + 1, True
    return _GET_TEXT(self, data, index)


def get_link(self: LinkInlineProcessor, data: str, index: int) -> tuple[str, str | None, int, bool]:
    """The `(destination)` starting at index: up to the first ")" when no "(" or quote (a
    title) comes before it, and the destination isn't in angle brackets."""
    match = self.RE_LINK.match(data, pos=index)
    if match is not None and not match.group(1):
        start = match.end()
        close = data.find(")", start)
        if close >= 0 and not any(data.find(c, start, close) >= 0 for c in "(\"'"):
            return self.unescape(data[start:close]).strip(), None, close + 1, True
    return _GET_LINK(self, data, index)


def supported() -> bool:
    """Whether this Python-Markdown parses links with the methods this shortcut stands in for."""
    return callable(getattr(LinkInlineProcessor, "getText", None)) and callable(
        getattr(LinkInlineProcessor, "getLink", None)
    )


def install(parser: md.Markdown) -> bool:
    """Give the parser's link patterns the shortcut (those that don't parse links their own way)."""
    if not supported():
        return False
    for pattern in parser.inlinePatterns:
        if isinstance(pattern, LinkInlineProcessor):
            if type(pattern).getText is _GET_TEXT:
                pattern.getText = types.MethodType(get_text, pattern)  # type: ignore[method-assign]
            if type(pattern).getLink is _GET_LINK:
                pattern.getLink = types.MethodType(get_link, pattern)  # type: ignore[method-assign]
    return True
