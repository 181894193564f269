"""The pipeline in one readable function: load everything and check it, then render and write.

`load` gathers every problem of the site before anything is written (what `press check`
runs); `build` renders and writes only when load found no errors, so a failed build never
touches the previous output/.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from generator.bodies import Bodies, render_bodies
from generator.config import Config, load_config
from generator.discover import discover
from generator.errors import Problem, Severity, sort_problems
from generator.gitmeta import dates_from_git
from generator.indexes import all_index_pages
from generator.library import Library, make_library
from generator.models import Article, Author, Output, Page, Related
from generator.read import read_article, read_author, read_page
from generator.render import (
    Renderer,
    environment,
    static_files,
    template_problem,
    template_problems,
    theme_problems,
)
from generator.reserved import generated_collisions
from generator.sanitize import sanitizer
from generator.urls import Urls
from generator.views import ViewMaker
from generator.write import UnsafeOutput, WriteReport, check_out_dir, write

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Options:
    out_dir: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    future: bool = False
    strict: bool = False


@dataclass
class Site:
    """Everything loaded and checked: what rendering needs, nothing written yet."""

    site_dir: Path
    config: Config
    urls: Urls
    library: Library
    bodies: Bodies
    related: Related


@dataclass
class Result:
    problems: list[Problem] = field(default_factory=list)
    site: Site | None = None
    report: WriteReport | None = None
    timings: dict[str, float] = field(default_factory=dict)
    out_dir: Path | None = None

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


def _read_all(
    site_dir: Path, config: Config, problems: list[Problem]
) -> tuple[list[Article], list[Author], list[Page]]:
    sources = discover(site_dir / "content")
    problems += sources.problems
    articles, authors, pages = [], [], []
    for article_id in sources.articles:
        article, found = read_article(sources.content_dir, article_id, config.tz)
        problems += found
        if article:
            articles.append(article)
    for author_id in sources.authors:
        author, found = read_author(sources.content_dir, author_id)
        problems += found
        if author:
            authors.append(author)
    for page_id in sources.pages:
        page, found = read_page(sources.content_dir, page_id)
        problems += found
        if page:
            pages.append(page)
    return articles, authors, pages


def load(site_dir: Path, options: Options, timings: dict[str, float] | None = None) -> Result:
    """Config → discover → read → library → bodies → related, every problem collected."""
    result = Result(timings=timings if timings is not None else {})
    clock = _Clock(result.timings)
    config, problems = load_config(site_dir, options.base_url)
    problems += theme_problems(site_dir, config.theme)
    if not problems:
        problems += template_problems(site_dir, config.theme)
    result.problems = problems
    if any(p.is_error for p in problems):
        return result
    clock.lap("config")
    articles, authors, pages = _read_all(site_dir, config, problems)
    clock.lap("read")
    articles = dates_from_git(site_dir, articles, problems)
    clock.lap("git")
    urls = Urls.from_config(config)
    library, found = make_library(
        articles, authors, pages, urls, config.tz, drafts=options.drafts, future=options.future
    )
    problems += found
    problems += generated_collisions(library, config.per_page)
    clock.lap("library")
    bodies = render_bodies(library, urls, sanitizer(config.sanitize_html))
    problems += bodies.problems
    clock.lap("markdown")
    related = _related(library, bodies, config)
    clock.lap("related")
    if options.strict:
        problems[:] = [_strict(p) for p in problems]
    result.problems = sort_problems(problems)
    result.site = Site(site_dir, config, urls, library, bodies, related)
    return result


def _related(library: Library, bodies: Bodies, config: Config) -> Related:
    """Imported on use: numpy, scipy and scikit-learn take a second to load, which a site with
    nothing to relate should not wait for."""
    if len(library.articles) < 2 or config.related.k < 1:
        return {a.id: [] for a in library.articles}
    from generator.related import related

    return related(library, bodies, config.related)


def _strict(problem: Problem) -> Problem:
    return replace(problem, severity=Severity.ERROR) if not problem.is_error else problem


def outputs(site: Site) -> Iterator[Output]:
    """Every file of the site, in a fixed order."""
    env = environment(site.site_dir, site.config.theme)
    views = ViewMaker(
        site.config, site.urls, site.library, site.bodies.html, site.bodies.summaries, site.related
    )
    renderer = Renderer(env, views)
    index_pages = all_index_pages(site.library, site.config.per_page)
    yield from renderer.articles()
    yield from renderer.indexes(index_pages)
    yield from renderer.overviews()
    yield from renderer.aliases()
    yield from renderer.feeds(index_pages)
    yield from renderer.graph()
    yield from static_files(site.site_dir, site.config.theme)


def check(site_dir: Path, options: Options) -> Result:
    """Everything `build` does except write: load, then render every page and discard it."""
    site_dir = site_dir.resolve()
    result = load(site_dir, options)
    if result.ok and result.site is not None:
        clock = _Clock(result.timings)
        try:
            for _ in outputs(result.site):
                pass
        except jinja2.TemplateError as exc:
            result.problems.append(template_problem(exc, site_dir))
        clock.lap("render")
    return result


def build(site_dir: Path, options: Options, progress: Progress | None = None) -> Result:
    """Load, then render and write; nothing is written unless the whole site rendered."""
    site_dir = site_dir.resolve()
    out_dir = (options.out_dir or site_dir / "output").resolve()
    timings: dict[str, float] = {}
    result = load(site_dir, options, timings)
    result.out_dir = out_dir
    unsafe = check_out_dir(out_dir, site_dir)
    if unsafe:
        result.problems.append(unsafe)
    if not result.ok or result.site is None:
        return result
    clock = _Clock(timings)
    try:
        result.report = write(
            _counted(outputs(result.site), len(result.site.library.articles), progress), out_dir
        )
    except jinja2.TemplateError as exc:
        result.problems.append(template_problem(exc, site_dir))
        return result
    except UnsafeOutput as exc:
        result.problems.append(exc.problem)
        return result
    clock.lap("render+write")
    return result


def _counted(items: Iterator[Output], articles: int, progress: Progress | None) -> Iterator[Output]:
    for count, item in enumerate(items, start=1):
        if progress:
            progress("render", count, articles)
        yield item
