"""Article, page and alias URLs that land on a page the build generates itself.

The library catches two sources claiming one URL; this catches a source claiming the URL of a
generated page (an alias `/2012/12/` over the month index, a slug `feed.xml`). Without it,
`press check` would pass an archive whose build then fails on writing, so it runs in `load`.
Everything is compared as the file under output/ that both would write.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator import feeds
from generator.errors import Problem, error
from generator.indexes import IndexPage
from generator.library import Library, alias_path
from generator.listing import MARKER, folders_of
from generator.urls import UnsafePath, Urls, output_file

_FIXED = {
    Urls.home(): "the home page",
    Urls.archive(): "the archive page",
    Urls.authors(): "the authors page",
    Urls.tags(): "the topics page",
    Urls.feed(): "the site feed",
    Urls.sitemap(): "the sitemap",
    Urls.robots(): "robots.txt",
    Urls.not_found(): "the not-found page",
    Urls.graph(): "the related-articles graph",
    Urls.graph_json(): "the related-articles graph data",
}


def generated_files(
    library: Library, index_pages: list[IndexPage], static: Iterable[str] = ()
) -> dict[str, str]:
    """Output file → what generates it, for every page the build makes from the library
    (`index_pages`: the library's, as the build lists them once for everything that needs them)
    and for the theme's `static` files (their paths under static/)."""
    files = {output_file(url): what for url, what in _FIXED.items()}
    files[MARKER] = "the marker file press keeps in its output folder"  # (write.py keeps it)
    for rel in static:
        files[output_file(Urls.static(rel))] = f"the theme's static file {rel}"
    for page in index_pages:
        files[output_file(page.url)] = f"the {page.kind} index {page.title!r}"
    for slug, entry in library.authors.items():
        files[output_file(Urls.author_feed(slug))] = f"the feed of {entry.name}"
    listed = feeds.sitemap_size(library, len({page.first_url for page in index_pages}))
    for number, url in enumerate(feeds.sitemap_part_urls(listed), start=1):
        files[output_file(url)] = f"part {number} of the sitemap"
    return files


def _claims(library: Library) -> list[tuple[str, str, int | None, str | None]]:
    """(url, source path, line, key) for every URL a source file asks for."""
    claims: list[tuple[str, str, int | None, str | None]] = []
    for article in library.articles:
        path = f"content/{article.id}"
        claims.append((library.url[article.id], path, article.line_of("slug") or 1, "slug"))
        claims += [
            (alias_path(a), path, article.line_of_entry("aliases", a), "aliases") for a in article.aliases
        ]
    claims += [(url, f"content/{pid}", 1, None) for pid, url in library.page_url.items()]
    return claims


Claim = tuple[str, str, str, int | None, str | None]  # output file, URL, source path, line, key


def generated_collisions(
    library: Library, index_pages: list[IndexPage], static: Iterable[str] = ()
) -> list[Problem]:
    generated = generated_files(library, index_pages, static)
    problems = []
    claimed: list[Claim] = []
    for url, path, line, key in _claims(library):
        try:
            target = output_file(url)
        except UnsafePath:
            continue  # reported by the library
        what = generated.get(target)
        if what:
            problems.append(_clash(path, line, key, f"URL {url} is {what}, which the site generates itself"))
        else:
            claimed.append((target, url, path, line, key))
    return problems + _folder_collisions(generated, claimed)


def _folder_collisions(generated: dict[str, str], claimed: list[Claim]) -> list[Problem]:
    """A source's file where another output needs a folder of that name (an alias `/old/x.html`
    beside `/old/x.html/amp/`, a file `2012` over the year's folder), or a folder it needs where
    the site generates a file (`/feed.xml/amp/` under the feed): only one could be written."""
    files = dict(generated)
    for target, url, path, _line, _key in claimed:
        files.setdefault(target, f"URL {url} of {path}")
    folders: dict[str, str] | None = None  # folder → an output in it, made only when needed
    problems = []
    for target, url, path, line, key in claimed:
        # Against the generated files only: where a source's file is in the way, that source is
        # the one told (below), not every article whose folder it blocks (an alias /2012 would
        # have named each article of the year).
        blocked = next((f for f in folders_of(target) if f in generated), None)
        if blocked is not None:
            problems.append(
                _clash(
                    path,
                    line,
                    key,
                    f"URL {url} needs a folder {blocked}/ where {generated[blocked]} is a file",
                )
            )
            continue
        if target.endswith("index.html"):
            continue  # (no output goes in a folder named index.html)
        if folders is None:
            folders = {}
            for file, what in files.items():
                for folder in folders_of(file):
                    folders.setdefault(folder, what)
        if target in folders:
            problems.append(
                _clash(
                    path, line, key, f"URL {url} is a file {target} where {folders[target]} needs a folder"
                )
            )
    return problems


def _clash(path: str, line: int | None, key: str | None, message: str) -> Problem:
    return error(path, line, key, message, "choose another slug or alias path")
