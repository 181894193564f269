"""Rebuilds while serving: re-read only the files that changed, re-render only the pages that show them.

A full build of a 10,000-article archive renders some 17,000 files; saving one article changes a
handful. The Rebuilder keeps the last good site in memory and, on every change, works out which
outputs can differ by comparing the new site with the old one (never by trusting the list of
changed files alone), then renders and writes only those. What it writes is byte-identical to
what `press build` writes; the tests compare the two after every kind of edit.

The common edit — an article's text, not its title, date, slug, bylines or tags — takes a fast
path that patches the library instead of rebuilding it, so its cost does not grow with the archive.
"""

from __future__ import annotations

import os
import threading
import time
from collections import ChainMap
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.meta

from generator.bodies import ArticleBody, Bodies, link_targets, links_used, render_article
from generator.build import Site
from generator.build import related_lists as compute_related
from generator.cache import Shelf
from generator.config import Config, load_config
from generator.discover import KINDS, Sources, discover, is_hidden
from generator.errors import Problem, Severity, sort_problems
from generator.gitmeta import Dates, History, read_history, reflog_path, with_history
from generator.indexes import IndexPage, all_index_pages
from generator.lastbuild import history_state
from generator.library import Library, alias_path, make_library, resolve_editorial, titles
from generator.markdown import LinkContext, MarkdownRenderer
from generator.models import Article, Author, Output, Page, Related
from generator.options import Options
from generator.pages import outputs
from generator.read import read_article, read_author, read_page
from generator.render import (
    PageFailed,
    Renderer,
    environment,
    static_files,
    template_problem,
    template_problems,
    theme_problems,
)
from generator.reserved import generated_collisions
from generator.sanitize import sanitizer
from generator.themes import static_names
from generator.urls import Urls, output_file
from generator.views import ViewMaker
from generator.write import UnsafeOutput, WriteReport, update, write

if TYPE_CHECKING:
    from generator.related import TextMatches

COMMITTED = "git history"  # what a commit, reset or checkout is called in a rebuild's list of changes
# Output kinds whose set of files follows the content; anything else (home, archive, sitemap...) is fixed.
CONTENT_KINDS = {"article", "year", "month", "day", "author", "tag", "alias", "page", "feed"}
# The template each kind of page is rendered with (the rest are re-rendered on every rebuild).
TOP_TEMPLATES = {"article": "article.html", "index": "list.html", "alias": "alias.html", "feed": "atom.xml"}


@dataclass
class Rebuild:
    """What one rebuild did: for the log line and for the open browser tabs."""

    problems: list[Problem] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # output files, relative to the output folder
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # source files, relative to the site
    full: bool = False
    seconds: float = 0.0
    settled: bool = True  # False: the related lists are still to catch up (Rebuilder.finish)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def css_only(self) -> bool:
        touched = self.written + self.removed
        return bool(touched) and all(path.endswith(".css") for path in touched)


@dataclass
class Changes:
    """Changed paths sorted by what they force: a re-read, a new file list, a new theme, a new config."""

    content: set[str] = field(default_factory=set)  # content ids (relative to content/) to re-read
    added: set[str] = field(default_factory=set)  # new source files
    deleted: set[str] = field(default_factory=set)  # source files gone (a rename is one of each)
    rescan: bool = False  # folders appeared, vanished or moved: list content/ again
    templates: set[str] = field(default_factory=set)  # template names, e.g. "base.html"
    static: bool = False
    everything: bool = False  # config, whole theme folders, or no list of paths at all
    described: list[str] = field(default_factory=list)
    related: bool = False  # compute the related lists now (see Rebuilder.finish)

    def merge(self, other: Changes) -> Changes:
        return Changes(
            self.content | other.content,
            self.added | other.added,
            self.deleted | other.deleted,
            self.rescan or other.rescan,
            self.templates | other.templates,
            self.static or other.static,
            self.everything or other.everything,
            sorted(set(self.described) | set(other.described)),
            self.related or other.related,
        )


@dataclass
class _Read:
    """One source file as last read: its stat signature, what it became, what was wrong with it."""

    signature: tuple[int, int, int] | None
    value: Article | Author | Page | None
    problems: list[Problem]


@dataclass
class _Body:
    """One rendered Markdown body and the inputs it was rendered from."""

    text: str
    summary: str | None
    result: ArticleBody
    body_line: int = 0  # its warnings' lines count from there: front matter grown above moves them

    @classmethod
    def of(cls, article: Article, result: ArticleBody) -> _Body:
        """An article's body, with what its rendering depends on (see still_valid)."""
        return cls(article.body, article.summary, result, article.body_line)

    def still_valid(
        self, text: str, summary: str | None, targets: dict[str, str], body_line: int = 0
    ) -> bool:
        return (
            self.text == text
            and self.summary == summary
            and self.body_line == body_line
            and all(targets.get(cid) == href for cid, href in self.result.used.items())
        )


@dataclass
class _Served:
    """The last good build, as served: what the next rebuild is compared against."""

    config: Config
    site: Site
    library_problems: list[Problem]
    targets: dict[str, str]
    index_pages: list[IndexPage]
    pages_of: dict[str, list[IndexPage]]  # article id → the index pages that list it
    neighbours: dict[str, tuple[str | None, str | None]]
    kinds: dict[str, str]  # output file → kind
    dates: Dates  # the git dates it was built with (see gitmeta.py)


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _library_key(article: Article) -> tuple[Any, ...]:
    """What the library's order, URLs and groups are made of; an edit that keeps it (a new text,
    title or related list) can patch the library in place instead of making it again."""
    a = article
    return (a.date, a.slug, a.authors, a.tags, a.aliases, a.draft, a.lines)


class _Remembered(Shelf):
    """A shelf with no folder whose one entry stays in memory from a use to the next (a build's
    detached shelves let go of theirs once saved: the next build loads it from disk). Taken and
    kept under a lock: a catch-up thread and a full rebuild may use it at once."""

    def __init__(self) -> None:
        super().__init__(None)
        self._lock = threading.RLock()

    def get(self, entry_key: str) -> Any | None:
        with self._lock:
            return super().get(entry_key)

    def take(self, entry_key: str) -> Any | None:
        with self._lock:
            return super().take(entry_key)

    def keep_only(self, entry_key: str, value: Any) -> None:
        with self._lock:
            super().keep_only(entry_key, value)

    def let_go(self) -> None:
        """Kept: nothing else holds it."""


class _RelatedState:
    """The last related lists' term counts and text scores, kept for the next lists: as a build
    takes them from its cache (see related.text_matches and related.TextDots), each catch-up
    tokenises only the texts that changed and scores only the pairs whose vectors did, and its
    lists are those made from nothing. A catch-up at 2,083 articles took 0.69 s; 0.27 s with
    them. They are the process's to hold (at 100,000 articles some 0.2 GB). Of a catch-up and a
    full rebuild running at once, one may find them taken by the other and start from nothing:
    whatever is found is checked text by text and row by row before use."""

    def __init__(self) -> None:
        self.terms = _Remembered()
        self.dots = _Remembered()

    def compute(self, library: Library, bodies: Bodies, config: Config) -> Related:
        terms = self.terms

        def matches() -> TextMatches:
            from generator.related import documents, text_matches

            return text_matches(documents(library), config.related, terms)

        return compute_related(library, bodies, config, matches, True, self.dots)


class Rebuilder:
    """Builds a site into `out_dir` once, then again and again, each time doing only what changed."""

    def __init__(self, site_dir: Path, options: Options, out_dir: Path):
        self.site_dir = site_dir.resolve()
        self.content_dir = self.site_dir / "content"
        self.options = options
        self.out_dir = out_dir
        self.sources: Sources | None = None
        self.read_cache: dict[str, _Read] = {}
        self.body_cache: dict[str, _Body] = {}
        self.markdown = MarkdownRenderer()
        self.env: jinja2.Environment | None = None
        self.served: _Served | None = None
        self.unapplied = Changes()
        self.history: History | None = None
        self.theme_problems: list[Problem] | None = None
        self.related_pending = False
        self.generation = 0  # counts rebuilds, so work computed off the rebuild thread can tell it is stale
        self.precomputed: Related | None = None
        # Held while files are written (serve makes requests wait); computing and rendering happen before.
        self.writing: Callable[[], AbstractContextManager[Any]] = nullcontext
        self.commits: tuple[tuple[int, int, int] | None, bytes] | None = None
        self.reflog: Path | None = None  # the reflog of HEAD in the repository holding the site
        self.dated: dict[str, tuple[Article, Article, History]] = {}  # id → (as read, with git dates, from)
        self.lists = _RelatedState()

    # -- changes -------------------------------------------------------------------------------
    def classify(self, paths: Collection[Path] | None) -> Changes:
        """Which kind of change each path is; None (nobody told us what changed) means everything."""
        if paths is None:
            return Changes(rescan=True, everything=True)
        changes = Changes()
        known = self._known()
        for path in paths:
            self._classify_one(Path(path), changes, known)
        changes.described = sorted(set(changes.described))
        return changes

    def _classify_one(self, path: Path, changes: Changes, known: set[str]) -> None:
        if self.reflog is not None and Path(os.path.abspath(path)) == self.reflog:
            changes.described.append(COMMITTED)  # the rebuild finds the history moved (see _rebuild)
            return
        try:  # not resolve(): a symlinked content/ folder still counts as the site's
            rel = Path(os.path.abspath(path)).relative_to(self.site_dir)
        except ValueError:
            return
        parts = rel.parts
        if parts[:1] == ("themes",):  # a theme's partials are named _like_this.html
            if any(part.startswith(".") or part.endswith("~") for part in parts):
                return  # an editor's scratch file
        elif any(is_hidden(part) for part in parts):
            return
        if rel.as_posix() == "site.toml":
            changes.everything = True
        elif parts[:1] == ("content",) and len(parts) > 1:
            cid = "/".join(parts[1:])
            source = cid.endswith(".md") and parts[1] in KINDS and len(parts) > 2
            if source and cid in known and path.is_file():
                changes.content.add(cid)
            elif source and cid not in known and path.is_file() and not path.is_symlink():
                changes.added.add(cid)
            elif source and cid in known and not os.path.lexists(path):
                changes.deleted.add(cid)
            elif source or path.is_dir() or not (path.exists() or path.suffix):
                changes.rescan = True  # a folder of articles moved, or anything unusual: list them all
            else:
                return  # an image or an editor's scratch file
        elif parts[:1] == ("themes",) and len(parts) > 1:
            if len(parts) > 3 and parts[2] == "templates":
                changes.templates.add("/".join(parts[3:]))
            elif len(parts) > 3 and parts[2] == "static":
                changes.static = True
            else:
                changes.everything = True
        else:
            return
        changes.described.append(rel.as_posix())

    def _known(self) -> set[str]:
        if self.sources is None:
            return set()
        return {*self.sources.articles, *self.sources.authors, *self.sources.pages}

    # -- the rebuild ------------------------------------------------------------------------------
    def rebuild(self, paths: Collection[Path] | None = None) -> Rebuild:
        """Bring the output folder up to date with the site; on errors, leave it as it was."""
        started = time.perf_counter()
        changes = self.unapplied.merge(self.classify(paths))
        self.generation += 1
        result = self.rebuild_changes(changes)
        result.changed = changes.described
        self.unapplied = Changes() if result.ok else changes
        result.seconds = time.perf_counter() - started
        return result

    def related_job(self) -> tuple[int, Callable[[], Related]] | None:
        """The related lists the last quick rebuild left for later, as work to run off the rebuild
        thread (it takes seconds on a large archive, and an edit saved meanwhile must not wait)."""
        if not self.related_pending or self.served is None:
            return None
        site = self.served.site
        return self.generation, lambda: self.lists.compute(site.library, site.bodies, site.config)

    def finish(self, related: Related | None = None, generation: int | None = None) -> Rebuild | None:
        """The related lists of the last rebuild, shown (after a quick rebuild left them as they
        were): `related` computed by `related_job` when given, else computed here. None when there
        is nothing to catch up on, or the lists were computed for a rebuild that is no longer the last."""
        if not self.related_pending or self.served is None:
            return None
        if generation is not None and generation != self.generation:
            return None
        started = time.perf_counter()
        self.precomputed = related
        try:
            result = self.rebuild_changes(Changes(related=True))
        finally:
            self.precomputed = None
        result.seconds = time.perf_counter() - started
        result.changed = ["related articles"]
        return result

    def rebuild_changes(self, changes: Changes) -> Rebuild:
        try:
            return self._rebuild(changes)
        except jinja2.TemplateError as exc:
            return Rebuild([template_problem(exc, self.site_dir)])
        except (UnsafeOutput, PageFailed) as exc:
            return Rebuild([exc.problem])

    def _rebuild(self, changes: Changes) -> Rebuild:
        config, problems = load_config(self.site_dir, self.options.base_url)
        problems += theme_problems(self.site_dir, config.theme)
        served = self.served
        full = served is None or changes.everything or served.config != config
        if not problems:
            if full or changes.templates or self.theme_problems is None:
                self.theme_problems = template_problems(self.site_dir, config.theme)
            problems += self.theme_problems
        if any(p.is_error for p in problems):
            return Rebuild(sort_problems(problems))
        if full:
            self.read_cache.clear()
            self.env = None
            if served is None or served.config.sanitize_html != config.sanitize_html:
                self.body_cache.clear()
                self.markdown = MarkdownRenderer(sanitizer(config.sanitize_html))
        if full or changes.rescan or self.sources is None:
            self.sources = discover(self.content_dir)
            changes.content |= self._stale(self.sources)
        elif changes.added or changes.deleted:
            self._listed(self.sources, changes)
        problems += self.sources.problems
        values = self._read_all(self.sources, changes.content, config)
        problems += [p for entry in self._entries(self.sources) if entry.problems for p in entry.problems]
        if any(p.is_error for p in problems):
            return Rebuild(sort_problems(problems))
        articles, authors, pages = values
        if full or self.reflog is None:
            self.reflog = reflog_path(self.site_dir)
        # The reflog moves on each commit, reset or checkout; HEAD's commit and the shallow file
        # tell the rest (a repository that keeps no reflog, a `git fetch --unshallow`).
        commits = (_signature(self.reflog) if self.reflog else None, history_state(self.site_dir))
        if full or self.history is None or commits != self.commits:
            self.history, self.commits = read_history(self.site_dir), commits
        problems += self.history.problems
        articles = self._dated(articles)
        urls = Urls.from_config(config)
        fast = (
            not full
            and served is not None
            # New history may date any article anew (an update, a first commit), not only the edited.
            and _same_dates(self.history.dates, served.dates)
            and not (changes.rescan or changes.added or changes.deleted)
            and all(cid in served.site.library.by_id for cid in changes.content)
            and all(
                _library_key(served.site.library.by_id[a.id]) == _library_key(a)
                for a in articles
                if a.id in changes.content
            )
        )
        if fast and served is not None and changes.static:
            # A new static file may land on an alias's or a page's file: checked as below, and
            # the patched library keeps the last build's problems, so any finding goes below.
            names = static_names(self.site_dir, config.theme)
            fast = not generated_collisions(served.site.library, served.index_pages, names)
        if fast and served is not None:
            edited = [a for a in articles if a.id in changes.content]
            library, library_problems = _patched(served.site.library, edited, served.library_problems)
            index_pages = served.index_pages
            targets = served.targets
        else:
            library, library_problems = make_library(
                articles,
                authors,
                pages,
                urls,
                config.tz,
                drafts=self.options.drafts,
                future=self.options.future,
            )
            index_pages = all_index_pages(library, config.per_page)
            library_problems += generated_collisions(
                library, index_pages, static_names(self.site_dir, config.theme)
            )
            targets = link_targets(library, urls)
        problems += library_problems
        bodies = self._bodies(library, targets, changes.content if fast else None)
        problems += bodies.problems
        if full or served is None or changes.related:
            ready = self.precomputed if self.precomputed is not None and not full else None
            related = ready if ready is not None else self.lists.compute(library, bodies, config)
            self.related_pending = False
        else:  # the whole-archive related graph takes seconds: show the edit first, then catch up
            related, self.related_pending = served.site.related, True
        if self.options.strict:
            problems = [replace(p, severity=Severity.ERROR) for p in problems]
        problems = sort_problems(problems)
        if any(p.is_error for p in problems):
            return Rebuild(problems)
        site = Site(self.site_dir, config, urls, library, bodies, related, index_pages)
        neighbours = served.neighbours if fast and served else library.neighbours()
        if full or served is None or self._theme_wide(changes.templates):
            report, kinds = self._write_all(site)
            self.env = None
        else:
            report, kinds = self._write_some(served, site, index_pages, neighbours, changes, fast)
        self.served = _Served(
            config,
            site,
            library_problems,
            targets,
            index_pages,
            served.pages_of if fast and served else _pages_of(index_pages),
            neighbours,
            kinds,
            self.history.dates,
        )
        return Rebuild(problems, report.written, report.removed, full=full, settled=not self.related_pending)

    # -- reading ----------------------------------------------------------------------------------
    def _stale(self, sources: Sources) -> set[str]:
        """Files whose stat changed since they were read (the watcher may have missed them)."""
        ids = [*sources.articles, *sources.authors, *sources.pages]
        for gone in set(self.read_cache) - set(ids):
            del self.read_cache[gone]
        return {
            cid
            for cid in ids
            if cid not in self.read_cache
            or self.read_cache[cid].signature != _signature(self.content_dir / cid)
        }

    def _listed(self, sources: Sources, changes: Changes) -> None:
        """Files added or deleted, put into the lists as `discover` would (sorted, by kind)."""
        for cid in changes.added | changes.deleted:
            kind = getattr(sources, cid.split("/", 1)[0])
            present = (self.content_dir / cid).is_file()
            if present and cid not in kind:
                kind.append(cid)
                kind.sort()
                changes.content.add(cid)
            elif not present and cid in kind:
                kind.remove(cid)
                self.read_cache.pop(cid, None)

    def _entries(self, sources: Sources) -> Iterator[_Read]:
        for kind in KINDS:
            for cid in getattr(sources, kind):
                yield self.read_cache[cid]

    def _read_all(
        self, sources: Sources, reread: set[str], config: Config
    ) -> tuple[list[Article], list[Author], list[Page]]:
        readers = {
            "articles": lambda cid: read_article(self.content_dir, cid, config.tz),
            "authors": lambda cid: read_author(self.content_dir, cid),
            "pages": lambda cid: read_page(self.content_dir, cid),
        }
        found: dict[str, list[Any]] = {}
        cache = self.read_cache
        for kind in KINDS:
            ids = getattr(sources, kind)
            known = set(ids)
            for cid in [c for c in ids if c not in cache] + [c for c in reread if c in cache and c in known]:
                signature = _signature(self.content_dir / cid)
                cache[cid] = _Read(signature, *readers[kind](cid))
            found[kind] = [v for v in (cache[c].value for c in ids) if v is not None]
        return found["articles"], found["authors"], found["pages"]

    def _dated(self, articles: list[Article]) -> list[Article]:
        """Articles with their dates from git history (the same objects as last time when unchanged)."""
        assert self.history is not None
        if not self.history.dates:
            return articles
        out = []
        for article in articles:
            cached = self.dated.get(article.id)
            if cached is None or cached[0] is not article or cached[2] is not self.history:
                cached = (article, with_history([article], self.history)[0], self.history)
                self.dated[article.id] = cached
            out.append(cached[1])
        return out

    # -- Markdown ---------------------------------------------------------------------------------
    def _bodies(self, library: Library, targets: dict[str, str], only: set[str] | None) -> Bodies:
        """Render the bodies whose text or link targets changed; reuse every other one."""
        if only is not None and self.served is not None:
            return self._edited_bodies(self.served.site.bodies, library, targets, only)
        bodies = Bodies()
        for article in library.articles:
            cached = self.body_cache.get(article.id)
            fresh = cached is not None and (
                article.id not in only
                if only is not None
                else cached.still_valid(article.body, article.summary, targets, article.body_line)
            )
            if cached is None or not fresh:
                result = render_article(self.markdown, article, targets, library.by_id)
                cached = self.body_cache[article.id] = _Body.of(article, result)
            bodies.html[article.id] = cached.result.html
            bodies.summaries[article.id] = cached.result.summary
            bodies.links[article.id] = cached.result.links
            bodies.problems += cached.result.problems
        others = [e.profile for e in library.authors.values() if e.profile and e.profile.body.strip()]
        for source in [*others, *library.pages]:
            bodies.html[source.id] = self._other_body(source.id, source.body, targets)
        return bodies

    def _edited_bodies(
        self, old: Bodies, library: Library, targets: dict[str, str], only: set[str]
    ) -> Bodies:
        """The last build's bodies with the edited articles' rendered again (nothing else can change).

        The HTML is the last build's, read through, under the bodies edited since the last full
        rebuild: copied into a dict, every body came out of its packed buffer on the first edit
        (seconds, and its size again in memory, on a large archive)."""
        edited = dict(old.html.maps[0]) if isinstance(old.html, ChainMap) else {}
        packed = old.html.maps[-1] if isinstance(old.html, ChainMap) else old.html
        bodies = Bodies(ChainMap(edited, packed), dict(old.summaries), dict(old.links))
        for aid in only:
            article = library.by_id[aid]
            result = render_article(self.markdown, article, targets, library.by_id)
            self.body_cache[aid] = _Body.of(article, result)
            bodies.html[aid], bodies.summaries[aid] = result.html, result.summary
            bodies.links[aid] = result.links
        paths = {f"content/{aid}" for aid in only}
        bodies.problems = [p for p in old.problems if p.path not in paths]
        bodies.problems += [p for aid in sorted(only) for p in self.body_cache[aid].result.problems]
        return bodies

    def _other_body(self, source_id: str, text: str, targets: dict[str, str]) -> str:
        cached = self.body_cache.get(source_id)
        if cached is None or not cached.still_valid(text, None, targets):
            context = LinkContext(source_id, targets)
            html = self.markdown.render(text, context)
            cached = _Body(text, None, ArticleBody(html, "", (), [], links_used(source_id, context, targets)))
            self.body_cache[source_id] = cached
        return cached.result.html

    # -- rendering and writing --------------------------------------------------------------------
    def _theme_wide(self, templates: set[str]) -> bool:
        """A change to a template both articles and indexes use (base.html) re-renders everything."""
        if not templates:
            return False
        env = self._environment()
        return bool(_closure(env, "article.html") & templates and _closure(env, "list.html") & templates)

    def _environment(self) -> jinja2.Environment:
        if self.env is None and self.served is not None:
            self.env = environment(self.site_dir, self.served.config.theme)
        assert self.env is not None
        return self.env

    def _write_all(self, site: Site) -> tuple[WriteReport, dict[str, str]]:
        kinds: dict[str, str] = {}

        def recorded(items: Iterator[Output]) -> Iterator[Output]:
            for item in items:
                kinds[item.path] = item.kind
                yield item

        with self.writing():
            return write(recorded(outputs(site)), self.out_dir), kinds

    def _write_some(
        self,
        served: _Served,
        site: Site,
        index_pages: list[IndexPage],
        neighbours: dict[str, tuple[str | None, str | None]],
        changes: Changes,
        fast: bool,
    ) -> tuple[WriteReport, dict[str, str]]:
        if changes.templates:
            self.env = None
        env = self._environment()
        old = served.site
        shown, referenced = _changed_articles(old, site, changes.content if fast else None)
        if not fast:
            shown |= _renamed_people(old.library, site.library)
        retemplated = set()
        if changes.templates:
            retemplated = {
                top for top, name in TOP_TEMPLATES.items() if _closure(env, name) & changes.templates
            }
        articles: set[str] | None = None
        if "article" not in retemplated:
            articles = shown | _referring(old, site, served.neighbours, neighbours, referenced)
        indexes = index_pages
        if "index" not in retemplated:
            indexes = _changed_indexes(served, site, index_pages, shown, fast)
        feed_size = site.config.feed_size
        authors = None
        if "feed" not in retemplated:
            authors = {
                slug
                for slug, entry in site.library.authors.items()
                if old.library.authors.get(slug) != entry or shown.intersection(entry.article_ids[:feed_size])
            }
        # A text-only edit changes no count, name or link: of the overviews, only what lists it.
        everything = not fast or bool(changes.templates)
        newest = {a.id for a in site.library.articles[-max(site.config.home_size, feed_size) :]}
        renderer = Renderer(env, _views(site))
        rendered = [
            *renderer.articles(only=articles),
            *renderer.indexes(indexes),
            *renderer.aliases(None if "alias" in retemplated else shown),
        ]
        if everything or shown & newest:
            rendered += renderer.overviews(home_only=not everything)
        sitemap = everything or any(
            old.library.by_id[a].updated != site.library.by_id[a].updated for a in shown
        )
        rendered += renderer.feeds(
            index_pages, authors, site_feed=everything or bool(shown & newest), sitemap=sitemap
        )
        if everything or referenced or _changed_related(old.related, site.related):
            rendered += renderer.graph()
        if changes.static:
            rendered += static_files(site.site_dir, site.config.theme)
        kinds = dict(served.kinds)
        kinds.update({o.path: o.kind for o in rendered})
        removed: set[str] = set()
        if not fast or changes.static:
            keep = {o.path for o in rendered} | _content_paths(site, index_pages)
            # The sitemap's parts follow the number of URLs: when it is rendered, a part it no
            # longer has goes (sitemap.xml itself is always rendered with them).
            dynamic = (
                CONTENT_KINDS
                | ({"static"} if changes.static else set())
                | ({"sitemap"} if sitemap else set())
            )
            removed = {path for path, kind in kinds.items() if kind in dynamic and path not in keep}
        for path in removed:
            del kinds[path]
        with self.writing():
            return update(rendered, removed, self.out_dir), kinds


def _patched(
    library: Library, edited: list[Article], problems: list[Problem]
) -> tuple[Library, list[Problem]]:
    """The library with edited articles swapped in (their library key unchanged); a new title or
    related list re-resolves every article's `related` entries, as titles are what they name."""
    by_id = dict(library.by_id)
    for article in edited:
        by_id[article.id] = article
    patched = replace(library, articles=tuple(by_id[a.id] for a in library.articles), by_id=by_id)
    if all((a.title, a.related) == (library.by_id[a.id].title, library.by_id[a.id].related) for a in edited):
        return patched, problems
    by_title = titles(patched.articles)
    editorial, found = resolve_editorial(patched.articles, by_id, by_title)
    kept = [p for p in problems if p.key != "related"]  # the library's only `related` problems are these
    return replace(patched, by_title=by_title, editorial=editorial), kept + found


def _views(site: Site) -> ViewMaker:
    bodies = site.bodies
    return ViewMaker(site.config, site.urls, site.library, bodies.html, bodies.summaries, site.related)


def _pages_of(index_pages: list[IndexPage]) -> dict[str, list[IndexPage]]:
    found: dict[str, list[IndexPage]] = {}
    for page in index_pages:
        for article_id in page.article_ids:
            found.setdefault(article_id, []).append(page)
    return found


def _changed_articles(old: Site, new: Site, candidates: set[str] | None) -> tuple[set[str], set[str]]:
    """Articles that look different anywhere (`shown`) and those whose title, URL or date changed —
    what other pages show of them in links (`referenced`)."""
    before, after = old.library, new.library
    ids = candidates if candidates is not None else before.by_id.keys() | after.by_id.keys()
    shown: set[str] = set()
    referenced: set[str] = set()
    for aid in ids:
        a, b = before.by_id.get(aid), after.by_id.get(aid)
        if a is None or b is None:
            if a is not None or b is not None:
                shown.add(aid)
                referenced.add(aid)
            continue
        if a.title != b.title or before.url[aid] != after.url[aid] or before.local[aid] != after.local[aid]:
            shown.add(aid)
            referenced.add(aid)
        elif (
            a is not b
            and (
                a != b
                or a.extra != b.extra
                or _offsets(a.date, a.updated, a.created) != _offsets(b.date, b.updated, b.created)
            )
            or old.bodies.html[aid] != new.bodies.html[aid]
            or old.bodies.summaries[aid] != new.bodies.summaries[aid]
            or before.article_authors[aid] != after.article_authors[aid]
            or before.article_tags[aid] != after.article_tags[aid]
        ):
            shown.add(aid)
    return shown, referenced


def _offsets(*dates: datetime | None) -> tuple[timedelta | None, ...]:
    """Datetimes compare as instants, but feeds and JSON-LD print the offset an update was
    written in: 12:00+00:00 rewritten as 15:00+03:00 is an edit to show."""
    return tuple(d.utcoffset() if d is not None else None for d in dates)


def _same_dates(new: Dates, old: Dates) -> bool:
    """The same git dates, in the same offsets (see _offsets): an amended commit's date in
    another zone dates the article anew on its pages."""
    return new == old and all(_offsets(*dates) == _offsets(*old[cid]) for cid, dates in new.items())


def _renamed_people(before: Library, after: Library) -> set[str]:
    """Articles by an author, or under a tag, whose display name changed (bylines show the name)."""
    found: set[str] = set()
    for old_groups, new_groups in ((before.authors, after.authors), (before.tags, after.tags)):
        for slug in old_groups.keys() | new_groups.keys():
            a, b = old_groups.get(slug), new_groups.get(slug)
            if a is None or b is None or a.name != b.name:
                found.update(a.article_ids if a else ())
                found.update(b.article_ids if b else ())
    return {aid for aid in found if aid in after.by_id}


def _referring(
    old: Site,
    new: Site,
    old_neighbours: dict[str, tuple[str | None, str | None]],
    new_neighbours: dict[str, tuple[str | None, str | None]],
    referenced: set[str],
) -> set[str]:
    """Article pages that link to a changed article, or whose neighbours or related lists changed
    (a page draws its related articles' related lists too, so those count)."""
    found: set[str] = set()
    before, after = old.library, new.library
    relisted = _changed_related(old.related, new.related)
    same_structure = old_neighbours is new_neighbours and before.editorial is after.editorial
    if same_structure and not referenced and not relisted:
        return found
    for aid in after.by_id:
        pair = new_neighbours[aid]
        refs = after.editorial[aid]
        first = [other for other, _, _ in new.related.get(aid, [])]
        second = [o for other in first for o, _, _ in new.related.get(other, [])]
        if (
            old_neighbours.get(aid) != pair
            or before.editorial.get(aid) != refs
            or pair[0] in referenced
            or pair[1] in referenced
            or any(ref.article_id in referenced for ref in refs)
            or aid in relisted
            or any(other in relisted or other in referenced for other in first)
            or any(other in referenced for other in second)
        ):
            found.add(aid)
    return found


def _changed_related(old: Related, new: Related) -> set[str]:
    """Articles whose computed related list differs between two builds."""
    if old is new:
        return set()
    return {aid for aid in old.keys() | new.keys() if old.get(aid, []) != new.get(aid, [])}


def _changed_indexes(
    served: _Served, new: Site, index_pages: list[IndexPage], shown: set[str], fast: bool
) -> list[IndexPage]:
    """Index pages that list a changed article, or whose own list, title or neighbours changed."""
    if fast:
        picked = {id(p): p for aid in shown for p in served.pages_of.get(aid, [])}
        return sorted(picked.values(), key=index_pages.index)
    old = served.site
    previous = {p.url: p for p in served.index_pages}
    people = {
        slug
        for slug, entry in new.library.authors.items()
        if old.library.authors.get(slug) != entry
        or (entry.profile and old.bodies.html.get(entry.profile.id) != new.bodies.html.get(entry.profile.id))
    }
    return [
        page
        for page in index_pages
        if previous.get(page.url) != page
        or shown.intersection(page.article_ids)
        or (page.kind == "author" and page.key in people)
    ]


def _content_paths(site: Site, index_pages: list[IndexPage]) -> set[str]:
    """Every output file that follows the content: what a rebuild keeps of the content kinds."""
    library = site.library
    paths = {output_file(url) for url in library.url.values()}
    paths |= {output_file(page.url) for page in index_pages}
    paths |= {output_file(alias_path(alias)) for a in library.articles for alias in a.aliases}
    paths |= {output_file(Urls.author_feed(slug)) for slug in library.authors}
    paths |= {output_file(url) for url in library.page_url.values()}
    paths.add(output_file(Urls.feed()))
    return paths


def _closure(env: jinja2.Environment, name: str) -> set[str]:
    """A template and every template it extends or includes, by name."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            source = env.loader.get_source(env, current)[0] if env.loader else ""
            referenced = jinja2.meta.find_referenced_templates(env.parse(source))
        except jinja2.TemplateError:
            continue
        todo += [r for r in referenced if r is not None]
    return seen
