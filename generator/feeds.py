"""Atom feeds and the sitemap, as views for the atom.xml and sitemap.xml templates."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from generator.library import Library
from generator.parallel import batched
from generator.urls import Urls
from generator.views import ViewMaker

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# What XML 1.0 does not allow in a document at all, not even escaped: text pasted from a word
# processor brings a vertical tab or an escape now and then, and one made the whole feed
# unreadable to every feed reader (HTML pages show such text, so articles keep it).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# The same characters in UTF-8: the control characters are single bytes (every byte of a longer
# character is 0x80 or over), U+FFFE and U+FFFF three bytes each; a lone surrogate has no UTF-8.
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")


def xml_safe(document: str) -> str:
    """A rendered feed or sitemap without the characters XML forbids."""
    return _NOT_IN_XML.sub("", document)


def xml_bytes(document: str) -> bytes:
    """xml_safe(document) as UTF-8. The document is encoded first and looked through as bytes (a
    table and two scans in C); the expression, slower a character, runs only on a document that
    holds one (feeds are a quarter of the bytes a build writes: 15 MB at 2,083 articles)."""
    try:
        data = document.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return xml_safe(document).encode("utf-8")
    if len(data.translate(None, _CONTROL_BYTES)) != len(data) or any(c in data for c in _NONCHARACTERS):
        return xml_safe(document).encode("utf-8")
    return data


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _updated(library: Library, article_id: str) -> datetime:
    published = library.local[article_id]
    article = library.by_id[article_id]
    return max(article.updated, published) if article.updated else published


def _entry(views: ViewMaker, article_id: str) -> dict[str, Any]:
    library = views.library
    article = library.by_id[article_id]
    published = library.local[article_id]
    updated = _updated(library, article_id)
    url = views.urls.absolute(library.url[article_id])
    return {
        "title": article.title,
        "url": url,
        "id": url if views.urls.origin else f"urn:press:{article_id}",
        "published": _stamp(published),
        "updated": _stamp(updated),
        "authors": [library.authors[s].name for s in library.article_authors[article_id]],
        "tags": [library.tags[s].name for s in library.article_tags[article_id]],
        "summary": views.summaries.get(article_id, ""),
        "content": views.body(article_id),
    }


def feed(
    views: ViewMaker, title: str, site_path: str, page_path: str, article_ids: list[str]
) -> dict[str, Any]:
    """One Atom feed: the given articles, newest first, already cut to the feed size."""
    entries = [_entry(views, i) for i in article_ids]
    self_url = views.urls.absolute(site_path)
    return {
        "title": title,
        "self": self_url,
        "link": views.urls.absolute(page_path),
        "id": self_url if views.urls.origin else f"urn:press:feed:{site_path}",
        # The latest instant, not the greatest string: an update keeps the offset it was written
        # (or committed) in, and "18:30+04:00" is earlier than "15:00+00:00".
        "updated": _stamp(max((_updated(views.library, i) for i in article_ids), default=_EPOCH)),
        "entries": entries,
    }


def site_feed(views: ViewMaker) -> dict[str, Any]:
    ids = [a.id for a in views.library.newest_first()[: views.config.feed_size]]
    return feed(views, views.config.title, Urls.feed(), Urls.home(), ids)


def author_feed(views: ViewMaker, slug: str) -> dict[str, Any]:
    entry = views.library.authors[slug]
    ids = list(entry.article_ids[: views.config.feed_size])
    return feed(views, f"{entry.name} — {views.config.title}", Urls.author_feed(slug), Urls.author(slug), ids)


# URLs a sitemap file may list (sitemaps.org); a site with more is listed in parts, and
# sitemap.xml becomes the index of the parts.
SITEMAP_URLS = 50_000


def sitemap_parts(entries: list[dict[str, str | None]]) -> list[list[dict[str, str | None]]]:
    return list(batched(entries, SITEMAP_URLS))


def sitemap_size(library: Library, first_pages: int) -> int:
    """How many URLs `sitemap` lists, given how many indexes there are (their first pages)."""
    return 1 + len(library.articles) + len(library.page_url) + first_pages


def sitemap_part_urls(listed: int) -> list[str]:
    """The URLs of the parts of a sitemap of `listed` URLs (none when one file holds them all)."""
    if listed <= SITEMAP_URLS:
        return []
    return [Urls.sitemap_part(number) for number in range(1, -(-listed // SITEMAP_URLS) + 1)]


def sitemap_index(
    views: ViewMaker, parts: Iterable[tuple[str, list[dict[str, str | None]]]]
) -> list[dict[str, str | None]]:
    """Each part (its URL, its entries) with the latest change among what it lists."""
    entries: list[dict[str, str | None]] = []
    for url, part in parts:
        changes = [e["lastmod"] for e in part if e["lastmod"]]
        entries.append({"loc": views.urls.absolute(url), "lastmod": max(changes, default=None)})
    return entries


def sitemap(views: ViewMaker, index_urls: list[str]) -> list[dict[str, str | None]]:
    """Every article (with its last change) and every index page's first page."""
    library: Library = views.library
    entries: list[dict[str, str | None]] = [{"loc": views.urls.absolute(Urls.home()), "lastmod": None}]
    for article in library.newest_first():
        # In the site's time zone, as the pages date it (an update keeps the offset it came with).
        local = library.local[article.id]
        when = article.updated.astimezone(local.tzinfo) if article.updated else local
        entries.append(
            {"loc": views.urls.absolute(library.url[article.id]), "lastmod": when.date().isoformat()}
        )
    for _page_id, url in sorted(library.page_url.items()):
        entries.append({"loc": views.urls.absolute(url), "lastmod": None})
    entries += [{"loc": views.urls.absolute(u), "lastmod": None} for u in index_urls]
    return entries
