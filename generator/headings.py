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

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HELD = re.compile("\x02[^\x03]*\x03")  # Python-Markdown's placeholders (raw HTML, entities)
_NOT_IN_ID = re.compile(r"[^\w\- ]")


def heading_id(text: str) -> str:
    """GitHub's id for a heading's text ("Audit your APIs!" → "audit-your-apis")."""
    return _NOT_IN_ID.sub("", _HELD.sub("", text).strip().lower()).replace(" ", "-")


class _HeadingIds(Treeprocessor):
    def run(self, root: Element) -> None:
        headings = [element for element in root.iter() if element.tag in _HEADINGS]
        taken = {element.get("id") for element in headings if element.get("id")}
        for element in headings:
            if element.get("id"):
                continue
            base = heading_id("".join(element.itertext()))
            if not base:
                continue
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
