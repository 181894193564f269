"""The only place URL paths and output file paths are made.

Every link in the output goes through `Urls.href`, so the site works at a domain root or under
any sub-path set by `base_url`. Internally every URL is a *site path* starting with '/';
`href` adds the base path, `absolute` the scheme and host when `base_url` has them.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from urllib.parse import quote, unquote, urlsplit

from generator.config import Config


class UnsafePath(ValueError):
    """A URL path that would write outside output/, or that no request could reach."""

    def __init__(self, message: str, hint: str = "use a plain path under the site root"):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Urls:
    base_url: str
    article_pattern: str
    page_pattern: str

    @classmethod
    def from_config(cls, config: Config) -> Urls:
        return cls(config.base_url, config.permalinks.article, config.permalinks.page)

    # -- the base -----------------------------------------------------------------------------
    @cached_property
    def base_path(self) -> str:
        """'/' or '/sub/path/': where the site lives on its host."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    def href(self, site_path: str) -> str:
        """Link target as it appears in a page: base path + site path, percent-encoded."""
        return _quoted(self.base_path + site_path.lstrip("/"))

    def absolute(self, site_path: str) -> str:
        """Full URL when base_url has a host (feeds, canonical, sitemap); else the same as href."""
        return self.origin + self.href(site_path)

    # -- content ------------------------------------------------------------------------------
    def article(self, date: datetime, slug: str, article_id: str = "") -> str:
        stem = posixpath.splitext(article_id)[0]
        return _normalise(
            self.article_pattern.format(
                year=f"{date.year:04d}", month=f"{date.month:02d}", day=f"{date.day:02d}", slug=slug, id=stem
            )
        )

    def page(self, slug: str) -> str:
        return _normalise(self.page_pattern.format(slug=slug))

    # -- indexes ------------------------------------------------------------------------------
    @staticmethod
    def home() -> str:
        return "/"

    @staticmethod
    def year(year: int) -> str:
        return f"/{year:04d}/"

    @staticmethod
    def month(year: int, month: int) -> str:
        return f"/{year:04d}/{month:02d}/"

    @staticmethod
    def day(year: int, month: int, day: int) -> str:
        return f"/{year:04d}/{month:02d}/{day:02d}/"

    @staticmethod
    def archive() -> str:
        return "/archive/"

    @staticmethod
    def authors() -> str:
        return "/authors/"

    @staticmethod
    def author(slug: str) -> str:
        return f"/authors/{slug}/"

    @staticmethod
    def tags() -> str:
        return "/tags/"

    @staticmethod
    def tag(slug: str) -> str:
        return f"/tags/{slug}/"

    @staticmethod
    def paginated(first: str, number: int) -> str:
        """Page 1 lives at the index's own URL; page n at `<index>page/n/`."""
        return first if number <= 1 else f"{first}page/{number}/"

    # -- files ---------------------------------------------------------------------------------
    @staticmethod
    def feed() -> str:
        return "/feed.xml"

    @staticmethod
    def author_feed(slug: str) -> str:
        return f"/authors/{slug}/feed.xml"

    @staticmethod
    def sitemap() -> str:
        return "/sitemap.xml"

    @staticmethod
    def sitemap_part(number: int) -> str:
        """One part of a sitemap too long for one file (sitemap.xml is then their index)."""
        return f"/sitemap-{number}.xml"

    @staticmethod
    def robots() -> str:
        return "/robots.txt"

    @staticmethod
    def not_found() -> str:
        return "/404.html"

    @staticmethod
    def static(name: str) -> str:
        return f"/static/{name}"

    @staticmethod
    def graph_json() -> str:
        return "/graph.json"

    @staticmethod
    def graph() -> str:
        return "/graph/"


def _quoted(path: str) -> str:
    """Percent-encoded; most paths need none, and a build makes hundreds of thousands of links,
    so a path of only characters quote() keeps is returned as it is (the same string quote()
    would return, without its encode-and-scan)."""
    if _PLAIN.fullmatch(path):
        return path
    return quote(path, safe=_SAFE)


_SAFE = "/:#?=&%~.-_"
_PLAIN = re.compile(r"[A-Za-z0-9/:#?=&%~._-]*")  # quote()'s always-safe characters and _SAFE


def _normalise(path: str) -> str:
    path = "/" + path.lstrip("/")
    return path if path.endswith("/") or "." in path.rsplit("/", 1)[-1] else path + "/"


def output_file(site_path: str) -> str:
    """Relative file path under output/ for a site path; refuses anything that climbs out.

    The path is percent-decoded, as a web server decodes a request before it looks on disk:
    `/%D0%BF%D1%80%D0%B8/` is served from `при/index.html`, and a file written under the
    encoded name would never be found. (Links keep a '%' as it is, see _SAFE.)"""
    path = _decoded(site_path.split("#", 1)[0].split("?", 1)[0], site_path)
    if "\\" in path or "\x00" in path:
        raise UnsafePath(f"unsafe characters in URL path {site_path!r}")
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise UnsafePath(f"URL path {site_path!r} climbs with '..'")
    rel = "/".join(parts)
    if path.endswith("/") or not parts:
        rel = f"{rel}/index.html" if rel else "index.html"
    return rel


def _decoded(path: str, site_path: str) -> str:
    if "%" not in path:  # nearly every path: no need to scan it again
        return path
    try:
        return unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise UnsafePath(
            f"URL path {site_path!r} percent-encodes bytes that are not UTF-8",
            "write the path as text (/café/) or encode it as UTF-8 (/caf%C3%A9/)",
        ) from None
