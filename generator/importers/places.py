"""Where each imported document goes: no two files at one path, no two articles at one URL.

Other archives allow what v1 refuses: two posts with one slug in one month (one file path
here), two on one day (one URL), an alias naming another article's URL. Each is settled here
the same way for every format, in source order (so a re-import settles it identically), and
each change is a warning in the report, never a silent rename.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Any

from generator.errors import Problem, warning
from generator.importers import Document
from generator.library import alias_path
from generator.read import Invalid, to_datetime
from generator.urls import Urls


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


def settle(documents: Iterable[Document], urls: Urls, tz: Any) -> list[Problem]:
    """Give each document a free file path and URL, then drop aliases another article owns."""
    problems: list[Problem] = []
    files: dict[str, str] = {}
    owners: dict[str, str] = {}
    documents = list(documents)
    for doc in documents:
        wanted, url = doc.target, own_url(doc, urls, tz)
        first_url = url
        folder, stem = posixpath.dirname(doc.target), _stem(doc.target)
        slug = str(doc.meta.get("slug") or stem)
        number = 1
        while doc.target in files or (url is not None and url in owners):
            number += 1
            if url is not None and url in owners:
                doc.meta["slug"] = f"{slug}-{number}"
                doc.target = f"{folder}/{slug}-{number}.md"
            else:
                doc.meta["slug"] = slug
                doc.target = f"{folder}/{stem}-{number}.md"
            url = own_url(doc, urls, tz)
        if doc.target != wanted:
            other = files.get(wanted) or owners.get(str(first_url))
            problems.append(
                warning(
                    doc.source,
                    None,
                    None,
                    f"content/{wanted} (or its URL) is already taken by {other}; "
                    f"written as content/{doc.target} with slug {doc.meta['slug']!r}",
                )
            )
        files[doc.target] = doc.source
        if url is not None:
            owners[url] = doc.source
    aliased: dict[str, str] = {}
    for doc in documents:
        kept = []
        for alias in doc.meta.get("aliases") or []:
            path = alias_path(alias)
            owner = owners.get(path) or aliased.get(path)
            if owner is None:
                aliased[path] = doc.source
                kept.append(alias)
            elif owner != doc.source:
                problems.append(
                    warning(doc.source, None, "aliases", f"alias {alias} dropped: it is the URL of {owner}")
                )
        if "aliases" in doc.meta:
            doc.meta["aliases"] = kept
    return problems
