"""Article HTML made safe to publish, when a site asks for it with `sanitize_html = true`.

Archives keep the raw HTML of their bodies by default: embedded tables, figures and old markup are
part of the record. A site that publishes text from less trusted hands turns sanitising on; an
allow-list sanitiser is not something to write ourselves, so nh3 (the Rust `ammonia` library) does
the work: scripts, event handlers, `javascript:` URLs and unknown elements go, text stays.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3

_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"id", "class", "title", "lang", "dir"}  # footnotes and headings link by id


def sanitize_html(html: str) -> str:
    """Only allowed elements and attributes; links keep their `rel` as written (none added)."""
    return nh3.clean(html, attributes=_ATTRIBUTES, link_rel=None)


def sanitizer(enabled: bool) -> Callable[[str], str] | None:
    return sanitize_html if enabled else None
