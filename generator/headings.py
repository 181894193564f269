"""Heading ids: every heading of a body can be linked to (`/2013/03/12/apis/#audit`).

Hugo, Jekyll and Zola give headings ids by default, and archives moved from them link to
sections that way: on the digital.gov corpus, links such as `#audit` named headings that had no
id. The ids are GitHub's (as Hugo's default): the heading's text in lower case, letters, digits,
'-' and '_' kept, spaces as '-'; a second "Overview" is `overview-1`. An id given with `{#id}`
(attr_list) is kept. Python-Markdown's `toc` extension gives ids too, but it also renders a table
of contents for every document, which no page shows, on every conversion.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import markdown as md
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_HELD = re.compile("\x02[^\x03]*\x03")  # Python-Markdown's placeholders (raw HTML, entities)
_NOT_IN_ID = re.compile(r"[^\w\- ]")


def heading_id(text: str) -> str:
    """GitHub's id for a heading's text ("Audit your APIs!" → "audit-your-apis")."""
    return _NOT_IN_ID.sub("", _HELD.sub("", text).strip().lower()).replace(" ", "-")


class _HeadingIds(Treeprocessor):
    def run(self, root: Element) -> None:
        # Found level by level, each a walk in C: walking every element in Python to keep the
        # document's order made Markdown 8% slower. The order matters only for numbering a
        # repeated heading (the first "Overview" is `overview`), so only then is it taken.
        headings = [element for tag in _HEADINGS for element in root.iter(tag)]
        if not headings:
            return
        bases = [None if h.get("id") else heading_id("".join(h.itertext())) for h in headings]
        if (len(headings) > 1 and len(set(bases)) < len(bases)) or any(h.get("id") for h in headings):
            place = {id(element): at for at, element in enumerate(root.iter())}
            pairs = sorted(zip(headings, bases, strict=True), key=lambda pair: place[id(pair[0])])
            headings, bases = [h for h, _ in pairs], [b for _, b in pairs]
        taken = {h.get("id") for h in headings if h.get("id")}
        for element, base in zip(headings, bases, strict=True):
            if not base:
                continue  # an id given with {#id}, or no text to make one of
            chosen, number = base, 0
            while chosen in taken:
                number += 1
                chosen = f"{base}-{number}"
            taken.add(chosen)
            element.set("id", chosen)


class HeadingIdExtension(Extension):
    def extendMarkdown(self, parser: md.Markdown) -> None:  # noqa: N802 (Python-Markdown's API)
        # After attr_list (8), whose {#id} is kept, and the link rewriter (5); before unescape (0).
        parser.treeprocessors.register(_HeadingIds(parser), "press-heading-ids", 4)
