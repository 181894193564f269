"""All articles of a site, cross-referenced: by id, URL, author, tag and date.

This is where bylines become authors, tags become tag pages, editorial `related` entries
become links, and URLs are assigned — and where two sources claiming one URL is caught,
listing every file involved.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, tzinfo
from typing import Any, NamedTuple
from urllib.parse import unquote

from generator.errors import Problem, error, warning
from generator.models import Article, Author, Page
from generator.slugs import name_key, slugify
from generator.urls import UnsafePath, Urls, output_file


@dataclass(frozen=True)
class AuthorEntry:
    slug: str
    name: str
    profile: Author | None
    article_ids: tuple[str, ...]  # newest first


@dataclass(frozen=True)
class TagEntry:
    slug: str
    name: str
    article_ids: tuple[str, ...]  # newest first


@dataclass(frozen=True)
class RelatedRef:
    """One editorial `related` entry: resolved to an article id, or kept as plain text."""

    text: str
    article_id: str | None


@dataclass
class Library:
    articles: tuple[Article, ...]  # oldest first; ties broken by id
    by_id: dict[str, Article]
    url: dict[str, str]  # article id → site path
    local: dict[str, datetime]  # article id → publication time in the site's zone
    authors: dict[str, AuthorEntry]  # A–Z by name
    tags: dict[str, TagEntry]  # A–Z by name
    article_authors: dict[str, tuple[str, ...]]
    article_tags: dict[str, tuple[str, ...]]
    editorial: dict[str, tuple[RelatedRef, ...]]
    pages: tuple[Page, ...] = ()
    page_url: dict[str, str] = field(default_factory=dict)
    by_title: dict[str, list[str]] = field(default_factory=dict)
    # The date of the first article held back for being in the future: from then on the site is
    # another, whatever its files (None: none is held back, or --future).
    next_release: datetime | None = None

    def essentials(self) -> tuple[Any, ...]:
        """Every field but `by_id`, the articles again keyed by id: what a fingerprint of the
        library must cover (pickling the 10,000 articles twice was a third of a second), and but
        `next_release`, which no page shows (the articles chosen show what it changes)."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name not in ("by_id", "next_release"))

    def newest_first(self) -> list[Article]:
        return list(reversed(self.articles))

    def neighbours(self) -> dict[str, tuple[str | None, str | None]]:
        """Previous (older) and next (newer) article of each, in publication order."""
        ids = [a.id for a in self.articles]
        return {
            aid: (ids[i - 1] if i > 0 else None, ids[i + 1] if i + 1 < len(ids) else None)
            for i, aid in enumerate(ids)
        }

    def resolve(self, source_id: str, text: str) -> str | None:
        """An article named by path (relative to the source, or to content/) or by title."""
        return resolve_reference(self.by_id, self.by_title, source_id, text)


def title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def resolve_reference(
    by_id: dict[str, Article], by_title: dict[str, list[str]], source_id: str, text: str
) -> str | None:
    candidate = text.strip()
    if candidate.endswith(".md") or "/" in candidate:
        path = candidate if candidate.endswith(".md") else candidate.rstrip("/") + ".md"
        for joined in (
            posixpath.join(posixpath.dirname(source_id), path),
            path.lstrip("/"),
            posixpath.join("articles", path.lstrip("/")),
        ):
            normal = posixpath.normpath(joined)
            if normal in by_id:
                return normal
    matches = by_title.get(title_key(candidate), [])
    return matches[0] if matches else None


def _select(articles: Iterable[Article], drafts: bool, future: bool, now: datetime) -> list[Article]:
    return [a for a in articles if _shown(a, drafts) and (future or a.date <= now)]


def _held_back(articles: Iterable[Article], drafts: bool, future: bool, now: datetime) -> list[datetime]:
    """The dates of the articles _select leaves out only for being in the future."""
    return [] if future else [a.date for a in articles if _shown(a, drafts) and a.date > now]


def _shown(article: Article, drafts: bool) -> bool:
    return drafts or not article.draft


def _spelling(counter: Counter[str]) -> str:
    """The most used spelling of a name; ties go to the alphabetically first, for determinism."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[0][0]


def _group(
    articles: list[Article], values_of: dict[str, tuple[str, ...]], slug_of: dict[str, str]
) -> dict[str, tuple[Counter[str], list[str]]]:
    groups: dict[str, tuple[Counter[str], list[str]]] = {}
    for article in reversed(articles):
        for value in values_of[article.id]:
            slug = slug_of[value]
            group = groups.get(slug)
            if group is None:  # not setdefault: it would make a Counter for every use of a name
                group = groups[slug] = (Counter(), [])
            spellings, ids = group
            spellings[value] += 1
            if not ids or ids[-1] != article.id:
                ids.append(article.id)
    return groups


def _authors(
    articles: list[Article], profiles: list[Author]
) -> tuple[dict[str, AuthorEntry], dict[str, tuple[str, ...]]]:
    by_slug = {p.slug: p for p in profiles}
    by_name = {slugify(p.name): p.slug for p in profiles}
    slug_of: dict[str, str] = {}
    article_authors: dict[str, tuple[str, ...]] = {}
    for article in articles:
        slugs = []
        for byline in article.authors:
            if byline not in slug_of:
                slug = byline if byline in by_slug else slugify(byline)
                slug_of[byline] = by_name.get(slug, slug)
            if slug_of[byline] not in slugs:
                slugs.append(slug_of[byline])
        article_authors[article.id] = tuple(slugs)
    groups = _group(articles, {a.id: a.authors for a in articles}, slug_of)
    entries = []
    for slug, (spellings, ids) in groups.items():
        profile = by_slug.get(slug)
        name = profile.name if profile else _spelling(spellings)
        if profile is None and name == slug and len(spellings) == 1:
            name = slug.replace("-", " ").title()
        entries.append(AuthorEntry(slug, name, profile, tuple(ids)))
    entries.sort(key=lambda e: (e.name.casefold(), e.slug))
    return {e.slug: e for e in entries}, article_authors


def _tags(
    articles: list[Article],
) -> tuple[dict[str, TagEntry], dict[str, tuple[str, ...]], list[Problem]]:
    slug_of = {
        tag: slugify(tag) for tag in {tag for a in articles for tag in a.tags}
    }  # once a tag, not a use
    article_tags = {a.id: tuple(dict.fromkeys(slug_of[t] for t in a.tags)) for a in articles}
    groups = _group(articles, {a.id: a.tags for a in articles}, slug_of)
    entries = sorted(
        (TagEntry(slug, _spelling(spellings), tuple(ids)) for slug, (spellings, ids) in groups.items()),
        key=lambda e: (e.name.casefold(), e.slug),
    )
    clashes = _tag_clashes(articles, slug_of, groups)
    return {e.slug: e for e in entries}, article_tags, clashes


def _tag_clashes(
    articles: list[Article], slug_of: dict[str, str], groups: dict[str, tuple[Counter[str], list[str]]]
) -> list[Problem]:
    """Different names that make one slug ('C++', 'C#' and 'C' all make 'c') share one topic page,
    under the most used of them, and an article tagged with two shows one: a warning at each use
    of a name the page doesn't show. Giving them distinct slugs instead ('c-2') would make a
    topic's URL depend on which other names the archive holds, and move it when one is added."""
    shown: dict[str, tuple[str, list[str]]] = {}  # slug → the name shown, every name (a spelling each)
    for slug, (spellings, _) in groups.items():
        by_key: dict[str, Counter[str]] = defaultdict(Counter)
        for name, count in spellings.items():
            by_key[name_key(name)][name] = count
        if len(by_key) > 1:
            names = sorted(_spelling(counter) for counter in by_key.values())
            shown[slug] = (_spelling(spellings), names)
    problems = []
    for article in articles if shown else ():
        for tag in dict.fromkeys(article.tags):
            slug = slug_of[tag]
            if slug not in shown or name_key(tag) == name_key(shown[slug][0]):
                continue
            name, names = shown[slug]
            others = ", ".join(repr(n) for n in names if name_key(n) != name_key(tag))
            problems.append(
                warning(
                    f"content/{article.id}",
                    article.line_of_entry("tags", tag),
                    "tags",
                    f"{tag!r} makes the same slug as {others} ({slug!r}): they share the topic page "
                    f"/tags/{slug}/, shown as {name!r}",
                    "rename one of them so its letters and digits differ, e.g. 'C plus plus' for 'C++'",
                )
            )
    return problems


class Claim(NamedTuple):
    """One source claiming a URL: the file, the line and key that make the claim, what it is
    (article, alias, page), and the URL as the source gives it."""

    path: str
    line: int | None
    key: str | None
    what: str
    url: str


def _by_file(claims: list[Claim]) -> tuple[dict[str, list[Claim]], list[Problem]]:
    """Claims grouped by the file under output/ each would write, for URLs that differ as text but
    not on a static host (`/x/` and `/x/index.html`, `/при/` and `/%D0%BF%D1%80%D0%B8/`): only
    one of them could be written, and comparing the strings left that to fail at write time,
    naming no source. A URL that can't be a file at all is a problem of its own."""
    files: dict[str, list[Claim]] = defaultdict(list)
    problems = []
    for claim in claims:
        try:
            files[output_file(claim.url)].append(claim)
        except UnsafePath as exc:
            problems.append(error(claim.path, claim.line, claim.key, str(exc), exc.hint))
    return files, problems


def _collisions(files: dict[str, list[Claim]]) -> list[Problem]:
    problems = []
    for file, claimants in sorted(files.items()):
        if len(claimants) < 2:
            continue
        kinds = {c.what for c in claimants}
        hint = (
            "remove the alias, or move the article that owns this URL"
            if "alias" in kinds
            else "give all but one of them a different slug or date"
        )
        message = _collision_message(file, claimants)
        for path, line, key, _, _ in claimants:
            problems.append(error(path, line, key, message, hint))
    return list(dict.fromkeys(problems))  # an article listing one alias twice is told once


def _collision_message(file: str, claimants: list[Claim]) -> str:
    urls = list(dict.fromkeys(c.url for c in claimants))
    if len(urls) == 1:
        listing = ", ".join(f"{c.path} ({c.what})" for c in claimants)
        return f"URL {urls[0]} is claimed by {len(claimants)} sources: {listing}"
    listing = ", ".join(f"{c.path} ({c.what} {c.url})" for c in claimants)
    named = ", ".join(urls[:-1]) + f" and {urls[-1]}"
    return f"URLs {named} are one file, {file}, claimed by {len(claimants)} sources: {listing}"


def make_library(
    articles: list[Article],
    profiles: list[Author],
    pages: list[Page],
    urls: Urls,
    tz: tzinfo,
    *,
    drafts: bool = False,
    future: bool = False,
    now: datetime | None = None,
) -> tuple[Library, list[Problem]]:
    now = now or datetime.now(tz)
    chosen = sorted(_select(articles, drafts, future, now), key=lambda a: (a.date, a.id))
    held = _held_back(articles, drafts, future, now)
    problems: list[Problem] = []
    claims: list[Claim] = []
    local = {a.id: a.date.astimezone(tz) for a in chosen}
    url = {}
    for article in chosen:
        path = f"content/{article.id}"
        url[article.id] = urls.article(local[article.id], article.slug, article.id)
        slug_line = article.line_of("slug")
        claims.append(Claim(path, slug_line or 1, "slug" if slug_line else None, "article", url[article.id]))
        for alias in article.aliases:
            line = article.line_of_entry("aliases", alias)
            claims.append(Claim(path, line, "aliases", "alias", alias_path(alias)))
    page_url = {p.id: urls.page(p.slug) for p in pages}
    for page in pages:
        claims.append(Claim(f"content/{page.id}", 1, None, "page", page_url[page.id]))
    files, unsafe = _by_file(claims)
    problems += _collisions(files) + unsafe
    by_id = {a.id: a for a in chosen}
    by_title = titles(chosen)
    editorial, found = resolve_editorial(chosen, by_id, by_title)
    problems += found
    authors, article_authors = _authors(chosen, profiles)
    tags, article_tags, clashes = _tags(chosen)
    problems += clashes
    library = Library(
        articles=tuple(chosen),
        by_id=by_id,
        url=url,
        local=local,
        authors=authors,
        tags=tags,
        article_authors=article_authors,
        article_tags=article_tags,
        editorial=editorial,
        pages=tuple(pages),
        page_url=page_url,
        by_title=by_title,
        next_release=min(held, default=None),
    )
    return library, problems


def titles(articles: Iterable[Article]) -> dict[str, list[str]]:
    """Article ids by normalised title, for `related` entries that name an article by its title."""
    by_title: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        by_title[title_key(article.title)].append(article.id)
    return dict(by_title)


def resolve_editorial(
    articles: Iterable[Article], by_id: dict[str, Article], by_title: dict[str, list[str]]
) -> tuple[dict[str, tuple[RelatedRef, ...]], list[Problem]]:
    """Each article's `related` entries resolved to article ids; one that matches none is a warning."""
    editorial = {}
    problems = []
    for article in articles:
        refs = []
        for entry in article.related:
            target = resolve_reference(by_id, by_title, article.id, entry)
            if target == article.id:
                target = None
            if target is None:
                problems.append(
                    warning(
                        f"content/{article.id}",
                        article.line_of_entry("related", entry),
                        "related",
                        f"no article matches {entry!r}; shown as plain text",
                        "use the exact title or the path to the article's file",
                    )
                )
            refs.append(RelatedRef(entry, target))
        editorial[article.id] = tuple(refs)
    return editorial, problems


def alias_path(alias: str) -> str:
    """Aliases are written with or without slashes; as claims they are compared in one shape.

    A last segment with a dot names a file (`/story.html`), decoded first as a host would, so
    `/story%2Ehtml` is that file too; any other is a folder's page."""
    path = "/" + alias.strip().lstrip("/")
    last = unquote(path.rsplit("/", 1)[-1])
    return path if path.endswith("/") or "." in last else path + "/"
