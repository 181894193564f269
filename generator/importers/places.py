"""Where each imported document goes: no two files at one path, no two articles at one URL.

Other archives allow what v1 refuses: two posts with one slug in one month (one file path
here), two on one day (one URL), an alias naming another article's URL. Each is settled here
the same way for every format, in source order (so a re-import settles it identically), and
each change is a warning in the report, never a silent rename.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.discover import discover
from generator.errors import Problem, warning
from generator.library import alias_path, title_key
from generator.read import Invalid, read_article, to_aliases, to_datetime
from generator.urls import UnsafePath, Urls, output_file

if TYPE_CHECKING:  # a type only: the package's __init__ imports this module
    from generator.importers.archive import Document


def own_url(doc: Document, urls: Urls, tz: Any) -> str | None:
    """The URL the build will give this article, or None for a profile or an unreadable date."""
    if not doc.target.startswith("articles/") or "date" not in doc.meta:
        return None
    try:
        date = to_datetime(doc.meta["date"], tz)
    except Invalid:
        return None
    slug = doc.meta.get("slug") or _stem(doc.target)
    return urls.article(date.astimezone(tz), str(slug), doc.target)


def _stem(target: str) -> str:
    return posixpath.splitext(posixpath.basename(target))[0]


@dataclass(frozen=True)
class Existing:
    """An article already in content/: what an incoming document must not collide with."""

    target: str
    title: str
    source_url: str | None
    claims: tuple[str, ...]  # its URL and its aliases, as site paths


def existing_articles(content_dir: Path, urls: Urls, tz: Any) -> dict[str, Existing]:
    """Articles already in content/, read by the real reader (unreadable ones claim nothing)."""
    if not (content_dir / "articles").is_dir():
        return {}
    found = {}
    for article_id in discover(content_dir).articles:
        article, _ = read_article(content_dir, article_id, tz)
        if article is None:
            continue
        url = urls.article(article.date.astimezone(tz), article.slug, article_id)
        claims = (url, *(alias_path(a) for a in article.aliases))
        found[article_id] = Existing(article_id, article.title, article.source_url, claims)
    return found


def _same(doc: Document, existing: Existing | None) -> bool:
    """The file at the document's path holds this very article (a re-import), not another one."""
    if existing is None:
        return False
    url = doc.meta.get("source_url")
    title = html.unescape(str(doc.meta.get("title", "")))  # the reader decodes entities in titles
    return bool(url and url == existing.source_url) or title_key(title) == title_key(existing.title)


class _Claims:
    """Who holds each file path and site path: documents of this import, then articles already there."""

    def __init__(self, existing: dict[str, Existing]):
        self.existing = existing
        self.files: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        self.old_paths = {_file(path): e.target for e in existing.values() for path in e.claims}

    def file_taken(self, doc: Document) -> str | None:
        if doc.target in self.files:
            return self.files[doc.target]
        existing = self.existing.get(doc.target)
        return f"content/{doc.target}" if existing and not _same(doc, existing) else None

    def take(self, path: str, source: str) -> None:
        self.paths[_file(path)] = source

    def path_taken(self, doc: Document, path: str | None) -> str | None:
        if path is None:
            return None
        file = _file(path)
        if file in self.paths:
            return self.paths[file]
        old = self.old_paths.get(file)
        if old is None or (old == doc.target and _same(doc, self.existing.get(old))):
            return None
        return f"content/{old}"


def settle(
    documents: Iterable[Document], urls: Urls, tz: Any, existing: dict[str, Existing]
) -> list[Problem]:
    """Give each document a free file path and URL, then drop aliases another article owns."""
    problems: list[Problem] = []
    claims = _Claims(existing)
    documents = list(documents)
    for doc in documents:
        wanted, url = doc.target, own_url(doc, urls, tz)
        other = claims.file_taken(doc) or claims.path_taken(doc, url)
        folder, stem = posixpath.dirname(doc.target), _stem(doc.target)
        slug = str(doc.meta.get("slug") or stem)
        number = 1
        first_url = url
        while claims.file_taken(doc) or claims.path_taken(doc, url):
            number += 1
            doc.meta["slug"], doc.target, url = slug, f"{folder}/{stem}-{number}.md", first_url
            if claims.path_taken(doc, url):  # the URL is taken too: another slug as well
                doc.meta["slug"], doc.target = f"{slug}-{number}", f"{folder}/{slug}-{number}.md"
                url = own_url(doc, urls, tz)
        if doc.target != wanted:
            problems.append(
                warning(
                    doc.source,
                    None,
                    None,
                    f"content/{wanted} (or its URL) is already taken by {other}; "
                    f"written as content/{doc.target} with slug {doc.meta['slug']!r}",
                )
            )
        claims.files[doc.target] = doc.source
        if url is not None:
            claims.take(url, doc.source)
    for doc in documents:
        kept = []
        for alias in doc.meta.get("aliases") or []:
            refused = _refused(alias)
            if refused:
                problems.append(warning(doc.source, None, "aliases", f"alias {alias} dropped: {refused}"))
                continue
            path = alias_path(alias)
            owner = claims.path_taken(doc, path)
            if owner is None:
                claims.take(path, doc.source)
                kept.append(alias)
            elif owner != doc.source:
                problems.append(
                    warning(doc.source, None, "aliases", f"alias {alias} dropped: it is the URL of {owner}")
                )
        if "aliases" in doc.meta:
            doc.meta["aliases"] = kept
    return problems


def _refused(alias: str) -> str | None:
    """Why the build would refuse an alias (a Hugo or Jekyll site's `/story.php?id=5`, say, or an
    old site's escapes of cp1251 bytes), so the import drops it with a warning rather than write
    an article that fails the build."""
    try:
        to_aliases([alias])
        output_file(alias_path(alias))
    except (Invalid, UnsafePath) as exc:  # each says how to fix it
        return f"{exc} ({exc.hint})"
    return None


def _file(path: str) -> str:
    """A site path as the file it lands on, so claims compare as the build compares them
    (`/при/` and `/%D0%BF%D1%80%D0%B8/` are one); an unsafe one as itself (_refused drops it)."""
    try:
        return output_file(path)
    except UnsafePath:
        return path
