"""The pipeline in one readable function: load everything and check it, then render and write.

`load` gathers every problem of the site before anything is written (what `press check`
runs); `build` renders and writes only when load found no errors, so a failed build never
touches the previous output/.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache as cache_answer
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import jinja2

from generator import lastbuild
from generator.bodies import Bodies, Markdown, markdown_of, render_bodies
from generator.cache import Cache, Shelf, digest_of, files_fingerprint, key
from generator.config import Config, load_config
from generator.discover import discover, is_source
from generator.earlyread import EarlyReader, begin
from generator.errors import Problem, Severity, sort_problems
from generator.gitmeta import dates_from_git
from generator.heldback import held_back_links
from generator.indexes import IndexPage, all_index_pages
from generator.library import Library, make_library
from generator.listing import Listing, list_output
from generator.models import Article, Author, Output, Page, Related, Unchanged
from generator.options import Options, build_settings, out_dir_of
from generator.pagememo import CheckedPages, PageMemo, site_fingerprint
from generator.pages import RELATED, UnrelatedPages, rendered
from generator.parallel import (
    Background,
    EarlyWorkers,
    Spare,
    batched,
    default_jobs,
    in_background,
    ordered_map,
    release_freed_memory,
)
from generator.read import digested, read_article, read_author, read_page
from generator.render import (
    PageFailed,
    ShelvedBytecode,
    compiled_environment,
    template_problem,
    template_problems,
    theme_problems,
)
from generator.reserved import generated_collisions
from generator.sanitize import sanitizer
from generator.stamps import Stamps, theme_stamps, unwritten
from generator.texts import memory_file
from generator.themes import static_names, theme_dirs
from generator.urls import Urls
from generator.write import (
    Staged,
    Stager,
    UnsafeOutput,
    WriteReport,
    check_out_dir,
    write,
)

if TYPE_CHECKING:
    from generator.related import Matches, TextMatches

Progress = Callable[[str, int, int], None]
T = TypeVar("T")


@dataclass
class Site:
    """Everything loaded and checked: what rendering needs, nothing written yet."""

    site_dir: Path
    config: Config
    urls: Urls
    library: Library
    bodies: Bodies
    related: Related
    index_pages: list[IndexPage]  # every index page, listed once for the build (see _load)
    cache: Cache | None = None
    jobs: int = 1
    library_print: str | None = None  # the library's fingerprint, hashed once per build (see load)
    theme_print: str | None = None  # the theme files' fingerprint, likewise
    theme_stamps: Stamps | None = None  # the theme's stats, taken before it was hashed and read


AROUND_MOVED = "site.toml, themes/"  # in Result.moved: written while the build read them (see _write_site)


@dataclass
class Result:
    problems: list[Problem] = field(default_factory=list)
    site: Site | None = None
    report: WriteReport | None = None
    timings: dict[str, float] = field(default_factory=dict)
    out_dir: Path | None = None
    articles: int = 0  # built (also known when nothing needed building, see lastbuild.py)
    # Inputs whose bytes changed while read: sources (see _cached), or AROUND_MOVED.
    moved: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


class _Clock:
    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(self.timings.get(stage, 0.0) + now - self.last, 4)
        self.last = now


def read_all(
    site_dir: Path,
    config: Config,
    problems: list[Problem],
    cache: Cache,
    jobs: int = 1,
    digests: dict[str, bytes] | None = None,
    keys: list[str | None] | None = None,
    early: EarlyReader | None = None,
    moved: list[str] | None = None,
    used: dict[str, bytes] | None = None,
) -> tuple[list[Article], list[Author], list[Page]]:
    """`digests`: content files' digests already taken (lastbuild.inputs_fingerprint), so the
    cache is looked up without reading each file again. `keys` receives each source's cache key
    (what its read result is a function of), in a fixed order. `early`: the articles read since
    the build started, by another process (see earlyread.py). `moved` receives the sources whose
    bytes changed after they were hashed, `used` the digest of the bytes each source was read
    from (see _cached)."""
    sources = discover(site_dir / "content")
    problems += sources.problems
    content = sources.content_dir
    if digests and moved is not None:
        # A source added or deleted since the input check hashed content/: built as listed now,
        # so the check's fingerprint is not this build's (see _cached for one saved again).
        hashed = {path for path in digests if is_source(path)}
        listed = {*sources.articles, *sources.authors, *sources.pages}
        moved += sorted(hashed ^ listed)
    shelf = Files(
        cache.shelf("read"),
        content,
        digests or {},
        keys if keys is not None else [],
        moved if moved is not None else [],
        used if used is not None else {},
    )
    articles = _cached(
        shelf,
        sources.articles,
        config.timezone,
        lambda i, data=None: read_article(content, i, config.tz, data),
        jobs,
        early,
    )
    authors = _cached(
        shelf,
        sources.authors,
        "author",
        lambda i, data=None: read_author(content, i, data),
        early=early,
        kind="author",
    )
    pages = _cached(shelf, sources.pages, "page", lambda i, data=None: read_page(content, i, data))
    if early is not None:
        early.close()  # all it read is taken: its answer file goes now
    for _item, found in (*articles, *authors, *pages):
        problems += found
    return (
        [a for a, _ in articles if a],
        [a for a, _ in authors if a],
        [p for p, _ in pages if p],
    )


def _checked_templates(
    site_dir: Path, theme: str, theme_print: str, stamped: Stamps, shelf: Shelf, bytecode: Shelf
) -> list[Problem]:
    """Compiling every template takes a tenth of a second, a third of a no-op build: the verdict is
    kept for the theme's exact files (names and bytes, the site's theme and the default one). The
    code compiled to reach it goes to the `bytecode` shelf, which the render stage loads from.

    The templates are read after `theme_print` hashed them (`stamped`: the theme's stats before):
    the verdict of a theme written meanwhile is not kept (a template saved broken and saved back,
    its failure would have stood under the good bytes' hash, failing every later build)."""
    entry = key("templates", theme_print)
    problems = shelf.get(entry)
    if problems is None:
        problems = template_problems(site_dir, theme, ShelvedBytecode(bytecode))
        if unwritten(stamped, theme_stamps(site_dir)):
            shelf.put(entry, problems)
    shelf.save()
    return list(problems)


def _yes() -> bool:
    return True


def _theme_print(site_dir: Path, theme: str) -> str:
    """The hash of the theme's files (the site's theme and the default one it falls back to)."""
    return files_fingerprint(theme_dirs(site_dir, theme))


@dataclass(frozen=True)
class Files:
    """The read cache and how content files are known to it: by the digest of their bytes."""

    shelf: Shelf
    content_dir: Path
    digests: dict[str, bytes]
    keys: list[str | None] = field(default_factory=list)  # every source's key, as looked up
    moved: list[str] = field(default_factory=list)  # sources whose bytes changed since hashed (see _cached)
    used: dict[str, bytes] = field(default_factory=dict)  # source → digest of the bytes its result is from

    def digest(self, source_id: str) -> bytes | None:
        """The digest of a file's bytes; None when it can't be read (reading reports that, with
        the reason)."""
        found = self.digests.get(source_id)
        if found is None:
            try:
                found = digest_of((self.content_dir / source_id).read_bytes())
            except OSError:
                return None
        return found

    def entry(self, setting: str, source_id: str, digest: bytes | None) -> str | None:
        """The cache key of a file read with a setting."""
        return key("read", setting, source_id, digest) if digest is not None else None


Reader = Callable[..., T]  # (source id, its bytes or None: read them) → the source read


def _cached(
    files: Files,
    ids: list[str],
    setting: str,
    read: Reader[T],
    jobs: int = 1,
    early: EarlyReader | None = None,
    kind: str = "article",
) -> list[T]:
    """Read results keyed by the file's bytes and the settings reading depends on; the files not
    in the cache are read by `jobs` forked processes (YAML and the checks are Python per file),
    but those the early reader claimed, whose results it gives for the same bytes (`kind`: of
    its results, "article" or "author").

    A result is kept under the digest the input check took of the file's bytes only if the bytes
    read have that digest: a file saved again while the build read it is built from the bytes
    read, noted in `files.moved`, and not cached (under the earlier bytes' key, a later build of
    those bytes would have found the newer ones' result)."""
    results: list[T | None] = []
    entries: dict[int, str | None] = {}  # position → cache key of each file to read (None: unreadable)
    digests: dict[int, bytes | None] = {}
    for at, source_id in enumerate(ids):
        digest = files.digest(source_id)
        entry = files.entry(setting, source_id, digest)
        files.keys.append(entry)
        found = files.shelf.get(entry) if entry is not None else None
        if found is None:
            entries[at], digests[at] = entry, digest
        elif digest is not None:
            files.used[source_id] = digest
        results.append(found)
    read_digests: dict[int, bytes | None] = {}  # position → digest of the bytes read
    if early is not None and kind == "author":
        theirs = set(ids)  # the early reader read all it could first
    elif early is not None and early.reads():

        def read_here(at: int) -> None:
            if at in entries:
                read_digests[at], results[at] = _digested(read, files.content_dir, ids[at])

        theirs = set(ids[len(ids) - early.meet(len(ids), read_here) :])
    else:
        theirs = set()
        todo = list(entries)
        batches = list(batched((ids[at] for at in todo), READ_BATCH))
        reading = partial(_digested, read, files.content_dir)
        done = ordered_map(_read_batch, reading, batches, jobs if len(todo) >= 2 * READ_BATCH else 1)
        for at, (digest, value) in zip(todo, (value for batch in done for value in batch), strict=True):
            read_digests[at], results[at] = digest, value
    if early is not None:
        given = early.results(kind, setting)
        for at in entries:
            if ids[at] in theirs:
                digest, value = given.get(ids[at], (None, None))
                if digest is None or digest != digests[at]:
                    digest, value = _digested(read, files.content_dir, ids[at])
                read_digests[at], results[at] = digest, value
    for at, entry in entries.items():
        digest = read_digests.get(at)
        if digest is not None:
            files.used[ids[at]] = digest
        if entry is None:
            continue
        if digest == digests[at]:
            files.shelf.put(entry, results[at])
        elif digest is not None:
            files.moved.append(ids[at])  # (None: unreadable now, or too large: reported, not kept)
    return results  # type: ignore[return-value] (every None was filled in)


READ_BATCH = 100


def _read_batch(read: Callable[[str], T], source_ids: list[str]) -> list[T]:
    return [read(source_id) for source_id in source_ids]


def _digested(read: Reader[T], content_dir: Path, source_id: str) -> tuple[bytes | None, T]:
    """A source read from bytes whose digest is taken with them (see _cached); None for a file
    that can't be read or is over the size limit (`read` reports it, reading it itself)."""
    found = digested(content_dir / source_id)
    if found is None:
        return None, read(source_id)
    digest, data = found
    return digest, read(source_id, data)


def load(site_dir: Path, options: Options, timings: dict[str, float] | None = None) -> Result:
    """Config → discover → read → library → bodies → related, every problem collected."""
    result, pending = _load(site_dir, options, timings)
    if pending is not None and result.site is not None:
        clock = _Clock(result.timings)
        result.site.related = pending(True)
        clock.lap("related")
    if result.site is not None and result.site.cache is not None:
        result.site.cache.wait()  # the shelves saved beside (see _load)
    return result


PendingRelated = Callable[[bool], Related]
"""Computes the related lists (and caches them): `build` starts rendering the pages that don't
show them first, and calls this meanwhile. Its argument: whether to share the work with a forked
process (see related.related), which a build doesn't while those pages are rendered beside."""


def _load(
    site_dir: Path,
    options: Options,
    timings: dict[str, float] | None = None,
    digests: dict[str, bytes] | None = None,
    let_go: bool = False,
    reader: EarlyReader | None = None,
) -> tuple[Result, PendingRelated | None]:
    """All of `load` but the related lists when they aren't cached: those come with the result,
    to be computed by the caller (the site's `related` is empty until then).

    `let_go`: the caller (a build) needs the articles' Markdown no more once this returns, and a
    large archive's is taken out of them early (see let_go_of_markdown)."""
    result = Result(timings=timings if timings is not None else {})
    clock = _Clock(result.timings)
    config, problems = load_config(site_dir, options.base_url)
    cache = Cache(site_dir if options.cache else None)
    problems += theme_problems(site_dir, config.theme)
    stamped = theme_stamps(site_dir)  # before the theme is hashed, then read (see _checked_templates)
    theme_print = _theme_print(site_dir, config.theme)
    if not problems:
        templates, bytecode = cache.shelf("templates"), cache.shelf("bytecode")
        problems += _checked_templates(site_dir, config.theme, theme_print, stamped, templates, bytecode)
    result.problems = problems
    if any(p.is_error for p in problems):
        return result, None
    clock.lap("config")
    # Forked now, while this process holds little: the text process of the related lists (see
    # _text_matches_beside), and the file the Markdown is shared through, which it inherits.
    texts_file = memory_file("press-markdown") if config.related.k >= 1 else None
    if texts_file is not None:
        _import_related()  # before forking: the spare inherits numpy, not imports it again
    # The spare imports scipy while this process reads; this one only for a large archive, just
    # before it waits for the spare's answer (see related.candidates).
    spare = Spare(prepare=_import_similarity) if texts_file is not None else None
    jobs = options.jobs or default_jobs()
    # A large archive's Markdown workers are forked now too, for the same reason (see
    # parallel.EarlyWorkers): its content files are counted already (see lastbuild.py).
    converters = None
    if texts_file is not None and digests and len(digests) >= SHARED_MARKDOWN_FROM:
        converters = EarlyWorkers(jobs - 1)
    sources: list[str | None] = []
    moved = result.moved
    used: dict[str, bytes] = {}  # the digest of the bytes each source was read from
    articles, authors, pages = read_all(
        site_dir, config, problems, cache, jobs, digests, sources, reader, moved, used
    )
    clock.lap("read")
    articles = dates_from_git(site_dir, articles, problems)
    clock.lap("git")
    urls = Urls.from_config(config)
    library, found = make_library(
        articles, authors, pages, urls, config.tz, drafts=options.drafts, future=options.future
    )
    problems += found
    markdown = markdown_of(library, texts_file, used)
    clock.lap("library")

    def library_fingerprint() -> str | None:
        # The sources' keys stand for the bytes hashed; of a source saved again since, the library
        # holds other bytes: then the library itself is hashed.
        known = sources if digests and not moved else None
        return _library_print(library, articles, known, urls, config, options)

    # The read shelf is saved by this process: a forked writer would copy every page of the
    # articles it pickles (reference counts are writes), a gigabyte at 100,000 articles. The
    # Markdown shelf, drafts without their texts, is saved beside.
    save_reads = partial(cache.save_and_close, "read")
    large = len(markdown.ids) >= SHARED_MARKDOWN_FROM
    early = let_go and large
    if early:
        # Before any process is forked: pickling the articles, or freeing their Markdown, after
        # that would copy a page of every body (see texts.SharedTexts). The fingerprint comes
        # first too: without a cache it hashes the articles, Markdown and all.
        library_print = library_fingerprint()
        save_reads()
        let_go_of_markdown(library)
    # Started before knowing whether the lists are cached (they seldom are when anything changed):
    # fingerprinting the library and loading the cached lists take a while, on the other core.
    matches = _text_matches_beside(library, markdown, config, cache, spare)
    # Listed once: the collision check, the index pages' process and the render workers all need
    # them (listed three times before, 0.025 s each at 2,083 articles). Listed once the text
    # process has its work: it waited for them (0.15 s of a one-edit build at 10,000 articles).
    index_pages = all_index_pages(library, config.per_page)
    problems += generated_collisions(library, index_pages, static_names(site_dir, config.theme))
    clock.lap("library")
    related_shelf = cache.shelf("related")
    if not early:
        library_print = library_fingerprint()
    related_key = _related_key(library_print, config)
    related = related_shelf.get(related_key) if related_key else None
    if related is not None:
        related = shared_strings(related, library)
    if related is not None and matches is not None:
        matches.cancel()
    # A small archive's read shelf is saved while the Markdown workers convert: in line, it kept
    # the other core idle (0.07 s at 2,083 articles).
    bodies = render_bodies(
        library,
        urls,
        sanitizer(config.sanitize_html),
        markdown=markdown,
        cache=cache.shelf("markdown"),
        jobs=jobs,
        meanwhile=None if early else save_reads,
        early=converters,
    )
    del markdown  # the text process has its own (the related lists need only the links now)
    clock.lap("markdown")
    # The drafts are let go of (saved beside) before waiting for the text process below: a
    # one-edit build at 100,000 articles held them, 0.3 GB, while that process made its largest
    # matrices, and the two came to 2.0 GB.
    cache.save_beside("markdown")
    release_freed_memory()
    clock.lap("cache")
    if matches is not None:
        # Its arguments, the Markdown buffer among them, are let go of before the render processes
        # fork (see Background.settle); its answer is read later. The spare, which has its own, is
        # waited for only by a large archive, whose text process holds too much (0.8 GB at
        # 100,000 articles) to run on beside the related stage's processes: not waiting put a
        # one-edit build's peak 0.3 GB higher. A smaller one goes on (0.3 s at 10,000 articles).
        matches.settle(wait=large)
        clock.lap("markdown")
    problems += bodies.problems
    if options.strict:
        problems[:] = [_strict(p) for p in problems]
    result.problems = sort_problems(problems)
    result.site = Site(
        site_dir,
        config,
        urls,
        library,
        bodies,
        related or {},
        index_pages,
        cache,
        jobs,
        library_print,
        theme_print,
        stamped,
    )
    if related is not None:
        return result, None

    def pending(share: bool) -> Related:
        dots = cache.detached("dots")  # saved and let go of by the related stage itself
        lists = related_lists(library, bodies, config, matches, share, dots)  # made sharing its strings
        if related_key:
            related_shelf.put(related_key, lists)
            related_shelf.save()
        return lists

    return result, pending


def _library_print(
    library: Library,
    dated: list[Article],
    sources: list[str | None] | None,
    urls: Urls,
    config: Config,
    options: Options,
) -> str | None:
    """The library's fingerprint (for the related lists' key and the whole site's), hashed once.

    The library is made from the sources read (each a function of its read-cache key: its path,
    bytes and reading settings), their git dates, the URL patterns, the time zone, the draft and
    future options, and the clock, which only decides what is published (the chosen ids show
    it). Hashing those is a tenth of pickling the library's articles and texts; without the
    sources' keys (no cache) the library itself is hashed."""
    if sources is None:
        return site_fingerprint("library", *library.essentials())
    return site_fingerprint(
        "library inputs",
        sources,
        [(a.id, a.date, a.created, a.updated) for a in dated],
        urls,
        config.timezone,
        options.drafts,
        options.future,
        [a.id for a in library.articles],
    )


def _related_key(library_print: str | None, config: Config) -> str | None:
    """Related lists are a function of the library and the weights (and the generator, which every
    key includes). The internal links they use are too: found in the articles' Markdown, resolved
    against the library's articles, so the key is known before the Markdown stage runs."""
    if library_print is None:
        return None
    inputs = site_fingerprint("related", library_print, config.related)
    return key("related", inputs) if inputs is not None else None


def _relates(library: Library, config: Config) -> bool:
    return len(library.articles) >= 2 and config.related.k >= 1


def _import_related() -> None:
    """Imported on use: numpy takes a moment to load (see related_lists)."""
    import generator.related  # noqa: F401


def _import_similarity() -> None:
    """The text process's matrix work, and scipy with it (see related.text_matches)."""
    import generator.similarity  # noqa: F401


def _text_matches_beside(
    library: Library, markdown: Markdown, config: Config, cache: Cache, spare: Spare | None = None
) -> Background[TextMatches] | None:
    """The text half of the related stage needs no converted Markdown: it starts now and runs while
    the Markdown stage does (on a 2-core machine that hides most of it). Given the `spare`
    process, it runs there, handed only the texts (see parallel.Spare); else in a process forked
    now."""
    if not _relates(library, config):
        if spare is not None:
            spare.close()
        return None
    from generator.related import documents, text_matches

    texts = documents(library, markdown)
    return in_background(text_matches, texts, config.related, cache.detached("terms"), spare=spare)


def related_lists(
    library: Library,
    bodies: Bodies,
    config: Config,
    matches: Matches | None = None,
    share: bool = True,
    shelf: Shelf | None = None,
) -> Related:
    """Imported on use: numpy and scipy take a moment to load, which a site with nothing to relate
    should not wait for. `shelf`: the cache's text scores (see related.TextDots)."""
    if not _relates(library, config):
        return {a.id: [] for a in library.articles}
    from generator.related import related

    return related(library, bodies, config.related, matches, share, shelf)


def shared_strings(lists: Related, library: Library) -> Related:
    """Lists unpickled from the cache, each article id and each reason held once, however many
    edges show it (lists just made share them already, see related.Reasons).

    The lists name an article by id and give reasons in words, a few thousand different ones
    ("7 days apart", "shared tags: Data visualization"); with its own copies on each edge, they
    were two thirds of the lists' memory (20 of 30 MB at 10,000 articles). Render workers touch
    every list, so each of them copies what the lists hold."""
    ids = {aid: aid for aid in library.by_id}
    words: dict[str, str] = {}
    return {
        ids.get(aid, aid): [
            (ids.get(other, other), score, [words.setdefault(w, w) for w in why])
            for other, score, why in edges
        ]
        for aid, edges in lists.items()
    }


def _strict(problem: Problem) -> Problem:
    return replace(problem, severity=Severity.ERROR) if not problem.is_error else problem


def check(site_dir: Path, options: Options) -> Result:
    """Everything `build` does except write: load, then render every page and discard it (but
    those that rendered from these very inputs in an earlier check, see pagememo.CheckedPages).

    The pages are rendered even when an article failed to load (a build stops there): the
    others' pages still find a template's errors, which would otherwise show only once the
    article is fixed, one problem at a time."""
    site_dir = site_dir.resolve()
    result = load(site_dir, options)
    site = result.site
    if site is None:
        return result
    held = held_back_links(site.library, site.bodies.links, datetime.now(UTC))
    held = [_strict(p) for p in held] if options.strict else held
    result.problems = sort_problems(result.problems + held)
    clock = _Clock(result.timings)
    memo = None
    if site.cache is not None and site.cache.folder is not None:
        salt = site.theme_print or _theme_print(site_dir, site.config.theme)
        memo = CheckedPages(site.cache.shelf("checked"), salt)
    try:
        fingerprints: dict[str, str] = {}
        for batch, found in rendered(site, memo):
            fingerprints.update(found)
            for page in batch:
                if memo is not None and isinstance(page, Unchanged):
                    memo.keep(page.path)
    except PageFailed as exc:
        result.problems.append(exc.problem)
    else:
        # Templates are read after the theme was hashed: pages of a theme written meanwhile,
        # even back to the bytes hashed, are not recorded under them (a failing page would
        # pass unrendered).
        if memo is not None and unwritten(site.theme_stamps, theme_stamps(site_dir)):
            memo.record_checked(fingerprints)
            memo.shelf.save()
    clock.lap("render")
    return result


def build(
    site_dir: Path,
    options: Options,
    progress: Progress | None = None,
    early: EarlyReader | None = None,
    before: lastbuild.Before | None = None,
) -> Result:
    """Load, then render and write; nothing is written unless the whole site rendered.

    First, if every input and output/ are exactly as the last successful build left them, its
    warnings are reported again and nothing else happens (see lastbuild.py). A build that will
    read every article (no read cache) has them read from the start by another process (see
    earlyread.py): `early`, when the caller started it already (for the same site and options),
    else started here. `before`: the inputs as the caller checked them already (see
    cli.cmd_build), for the same site and options.
    """
    site_dir = site_dir.resolve()
    out_dir = out_dir_of(site_dir, options)
    started = time.perf_counter()
    if early is None:
        early = begin(site_dir, options.jobs, options.cache, options.base_url)
    try:
        return _build(site_dir, out_dir, options, progress, started, early, before)
    finally:
        if early is not None:
            early.close()


def _build(
    site_dir: Path,
    out_dir: Path,
    options: Options,
    progress: Progress | None,
    started: float,
    early: EarlyReader | None,
    before: lastbuild.Before | None = None,
) -> Result:
    settings = build_settings(options, out_dir)
    if before is None or (before.site_dir, before.out_dir, before.settings) != (site_dir, out_dir, settings):
        before = lastbuild.before(site_dir, out_dir, settings, options.cache)  # not the caller's check
    inputs, digests, last = before.inputs, before.digests, before.last  # digests: taken once for both uses
    if last is not None:
        return Result(
            problems=sort_problems(list(last.problems)),
            report=WriteReport(unchanged=len(last.files)),
            timings={"unchanged": round(time.perf_counter() - started, 4)},
            out_dir=out_dir,
            articles=last.articles,
        )
    # What output/ holds, listed by a process forked now, while this one is small (see Spare):
    # forked when the pages are made, at 100,000 articles it held 0.75 GB of this process's
    # pages, copied as this one scored the related pairs beside it. Nothing moves into output/
    # before the last page is made (see write.Stager).
    listing = in_background(list_output, out_dir, spare=Spare()) if out_dir.is_dir() else None
    timings: dict[str, float] = {}
    result, pending = _load(site_dir, options, timings, digests, let_go=True, reader=early)
    result.out_dir = out_dir
    unsafe = check_out_dir(out_dir, site_dir)
    if unsafe:
        result.problems.append(unsafe)
    if not result.ok or result.site is None:
        if listing is not None:
            listing.cancel()
        return result
    result.articles = len(result.site.library.articles)
    # Asked once the templates are read (see _write_site), or when the build is done.
    settled = cache_answer(partial(lastbuild.settled, site_dir, before)) if options.cache else _yes
    _write_site(result, site_dir, out_dir, progress, pending, listing, settled=settled)
    if result.ok and options.cache:
        files = result.report.files if result.report else None
        # Built from other bytes than those hashed (a source, site.toml, the theme, the git
        # commit changed while read): not remembered, the next build looks again.
        if inputs is not None and (result.moved or not settled()):
            inputs = None
        release = result.site.library.next_release
        lastbuild.remember(site_dir, out_dir, inputs, result.problems, result.articles, files, release)
    return result


def _write_site(
    result: Result,
    site_dir: Path,
    out_dir: Path,
    progress: Progress | None,
    pending: PendingRelated | None = None,
    listing: Background[Listing | None] | None = None,
    *,
    settled: Callable[[], bool],
) -> None:
    """Render and write a loaded site (only pages whose inputs changed, see pagememo.py).

    With the related lists still to compute, the pages that don't show them are rendered
    meanwhile, in another process: on two cores that hides most of the related stage.
    `listing`: what output/ holds, being listed (see build); without it, output/ is walked after
    the pages are written. `settled`: whether site.toml and the theme are as the input check
    found them, unwritten since (see lastbuild.settled)."""
    assert result.site is not None
    clock = _Clock(result.timings)
    site = result.site
    cache = site.cache or Cache(None)
    salt = site.theme_print or _theme_print(site_dir, site.config.theme)
    memo = PageMemo(cache.shelf("pages"), out_dir, salt)
    library = site.library_print if site.library_print is not None else site.library
    # The related lists are a function of these (and of the generator, which the salt includes).
    whole = site_fingerprint(memo.salt, site.config, site.urls, library, site.bodies)
    if whole is not None and memo.site_unchanged(whole):
        if listing is not None:
            listing.cancel()
        result.report = WriteReport(unchanged=len(memo.shelf.new) - 1)
        clock.lap("unchanged")  # nothing rendered: the site and output/ are as last built
        return
    fingerprints: dict[str, str] = {}
    stager = Stager(out_dir)
    stager.clear()  # a folder left by a build that was killed
    env = compiled_environment(site_dir, site.config.theme, cache.shelf("bytecode"))
    unrelated = UnrelatedPages(site, memo, stager, beside=pending is not None, env=env)
    if pending is not None:
        # Not shared while the unrelated pages are rendered beside: a third process on two cores
        # gained nothing, and at 100,000 articles it held half a gigabyte of its own.
        site.related = pending(not unrelated.beside)
        unrelated.stop()
        clock.lap("related")
    let_go_of_markdown(site.library)
    try:
        made = rendered(site, memo, stager, RELATED, unrelated.leftover, env, fine_end=True)
        batches = chain(made, unrelated.done())
        pages = _remember(batches, memo, fingerprints)
        counted = _counted(pages, len(site.library.articles), progress)
        result.report = write(counted, out_dir, stager, listing)
    except jinja2.TemplateError as exc:  # outside the page tasks (a theme's static files, say)
        result.problems.append(template_problem(exc, site_dir))
        return
    except (UnsafeOutput, PageFailed) as exc:
        result.problems.append(exc.problem)
        return
    clock.lap("render+write")
    # Templates are read after `salt` hashed them: pages rendered from a theme saved meanwhile
    # are not recorded under it (back to the bytes hashed, they would be kept as they are), and
    # the build is not remembered.
    if settled():
        memo.record(fingerprints, result.report.files if result.report else None)
        if whole is not None:
            memo.record_site(whole)
    else:
        result.moved.append(AROUND_MOVED)
    cache.save()
    clock.lap("cache")


# From this many texts, a build takes the Markdown out of the articles before it forks (see _load):
# the processes that need it read it from one shared buffer. Below, that would put the read
# shelf's saving in line (see render_bodies' `meanwhile`), for memory a small archive has.
SHARED_MARKDOWN_FROM = 20_000


def let_go_of_markdown(library: Library) -> None:
    """Empty the articles' Markdown once nothing of the build needs it: the HTML, summaries,
    links and related lists are made and cached. Rendering forks workers, and each copies the
    pages it touches of what it inherits; the Markdown is most of the heap (0.7 GB at 100,000
    articles, two bytes a character when a body has a curly quote). The articles are frozen
    for everyone else: only a build, which ends after writing, does this, never `load` (which
    `press check` and `press explain` use, and whose site `press serve` keeps and updates)."""
    for article in library.articles:
        object.__setattr__(article, "body", "")
    release_freed_memory()


def _remember(
    batches: Iterator[tuple[list[Output] | list[Staged], dict[str, str]]],
    memo: PageMemo,
    fingerprints: dict[str, str],
) -> Iterator[Staged]:
    """Pass staged records on to `write`, noting what the memo must record once they are on disk."""
    for batch, found in batches:
        fingerprints.update(found)
        for staged in batch:
            assert isinstance(staged, Staged)  # rendered() stages every output when given a stager
            if staged.kept:
                memo.keep(staged.path)
            elif staged.path not in found:  # not from a template (static files, graph.json): its bytes
                fingerprints[staged.path] = staged.digest
            yield staged


def _counted(items: Iterator[Staged], articles: int, progress: Progress | None) -> Iterator[Staged]:
    for count, item in enumerate(items, start=1):
        if progress:
            progress("render", count, articles)
        yield item
