"""What a body's raw HTML leaves unbalanced: an unclosed <table>, a stray </div>.

Python-Markdown passes raw HTML through as written, and a page template wraps the body in its
own elements: a <table> left open swallows what follows the body (related coverage, the footer,
the colophon end up inside it), a stray </div> closes the template's own. The browser shows a
broken page and the build said nothing (one article of the digital.gov corpus has one). Only
containers are counted: a paragraph or list item left open is closed by the parser harmlessly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_CONTAINERS = "table|div|section|article|aside|figure|blockquote|ul|ol|dl|details|header|footer|nav|main|form"
_TAG = re.compile(rf"<(/?)({_CONTAINERS})\b[^>]*?(/?)>", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def unbalanced(blocks: Iterable[str], html: str) -> tuple[str, ...]:
    """Each container a document's HTML opens more often than it closes ("<table>"), then each
    element a template wraps a body in that it closes more often than it opens ("</div>").
    `blocks`: its raw HTML, which alone can unbalance it (a raw </ul> may close a list Markdown
    opened, so the whole is counted, but only when the raw HTML holds a container's tag)."""
    if not any("<" in block and _TAG.search(block) for block in blocks):
        return ()
    opened: Counter[str] = Counter()
    order: dict[str, None] = {}
    for closing, name, self_closing in _TAG.findall(_COMMENT.sub("", html)):
        if self_closing:
            continue
        name = name.lower()
        order.setdefault(name)
        opened[name] += -1 if closing else 1
    unclosed = [f"<{name}>" for name in order if opened[name] > 0]
    stray = [f"</{name}>" for name in order if opened[name] < 0 and name in _WRAPPERS]
    return tuple(unclosed + stray)


# What a page template wraps a body in: a stray end tag of another kind (a list's, a table's) has
# no element to close around the body, and browsers ignore it.
_WRAPPERS = frozenset({"div", "article", "section", "main"})
