"""The content model: plain frozen dataclasses, no back-references.

Relations (an article's authors, its related articles) are stored as ids and resolved by the
library, so these objects stay cheap to pickle between worker processes and to cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Image:
    src: str | None = None
    caption: str | None = None
    credit: str | None = None


@dataclass(frozen=True)
class Article:
    """One article as written in its file; `id` is its path relative to content/ (posix)."""

    id: str
    title: str
    date: datetime
    slug: str
    body: str
    body_line: int = 1
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str | None = None
    image: Image | None = None
    source_url: str | None = None
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    updated: datetime | None = None
    created: datetime | None = None
    draft: bool = False
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    lines: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)

    def line_of_entry(self, key: str, entry: str) -> int | None:
        """The line of one entry of a list key (an alias, a tag, a related title), else the key's."""
        return self.lines.get(f"{key}[{entry}]") or self.lines.get(key)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled with its body as UTF-8 bytes: pickling a non-ASCII str makes CPython keep the
        str's UTF-8 encoding on it for good (and 82% of a real archive's bodies are non-ASCII), so
        saving the read cache would otherwise add every body's size again to the process."""
        values = [getattr(self, name) for name in _ARTICLE_FIELDS]
        values[_BODY] = self.body.encode("utf-8", "surrogatepass")
        return _article, tuple(values)


def _article(*values: Any) -> Article:
    made = list(values)
    made[_BODY] = made[_BODY].decode("utf-8", "surrogatepass")
    return Article(*made)


_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
_BODY = _ARTICLE_FIELDS.index("body")


@dataclass(frozen=True)
class Author:
    """An author profile from content/authors/<slug>.md."""

    id: str
    slug: str
    name: str
    bio: str | None = None
    photo: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    body: str = ""
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Page:
    """A standalone page from content/pages/<slug>.md (about, contact)."""

    id: str
    slug: str
    title: str
    body: str
    body_line: int = 1
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Output:
    """One file of the built site: its URL path and its bytes."""

    url: str
    path: str
    data: bytes
    kind: str = "page"


@dataclass(frozen=True)
class Unchanged(Output):
    """An output whose inputs are those of the file already on disk: not rendered, not rewritten."""

    data: bytes = b""


Edge = tuple[str, float, list[str]]
"""One related-articles edge: (other article id, score, reasons a person can read)."""

Related = dict[str, list[Edge]]
"""Article id → its related articles, best first (see related.py)."""
