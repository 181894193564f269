"""Every page of a site, rendered by worker processes and taken back in a fixed order.

Pages are cut into tasks (overview pages and feeds, the graph, batches of articles, batches of
index pages); workers render and stage their own (see write.Stager) and send back small records.
`unrelated_pages` renders the pages that don't show related lists, so that a build can start them
before the related lists exist (see build._write_site).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from generator.indexes import IndexPage, all_index_pages
from generator.models import Output
from generator.pagememo import PageMemo
from generator.parallel import in_background, ordered_map
from generator.render import PageFailed, Renderer, environment, static_files, template_problem
from generator.views import ViewMaker
from generator.write import Staged, Stager

if TYPE_CHECKING:
    from generator.build import Site


def outputs(site: Site, memo: PageMemo | None = None) -> Iterator[Output]:
    """Every file of the site, in a fixed order, rendered by `site.jobs` processes.

    With a memo, pages whose inputs are unchanged come back as `Unchanged` instead of rendered.
    """
    for batch, _fingerprints in rendered(site, memo):
        yield from batch  # type: ignore[misc] (no stager: outputs, not staged records)


Batch = tuple[list[Output] | list[Staged], dict[str, str]]
EVERY_PART = ("rest", "graph", "articles", "indexes", "static")
UNRELATED = ("rest", "indexes")  # the pages that don't show related lists
RELATED = ("articles", "graph", "static")  # the others (and the theme's files)


def rendered(
    site: Site, memo: PageMemo | None, stager: Stager | None = None, parts: tuple[str, ...] = EVERY_PART
) -> Iterator[Batch]:
    """Batches of pages with the fingerprints of those rendered; with a stager, each worker stages
    its own pages and sends back `Staged` records instead of the bytes."""
    env = environment(site.site_dir, site.config.theme, auto_reload=False)
    views = ViewMaker(
        site.config, site.urls, site.library, site.bodies.html, site.bodies.summaries, site.related
    )
    renderer = Renderer(env, views, memo)
    listed = "indexes" in parts or "rest" in parts  # the feeds and sitemap need them too
    index_pages = all_index_pages(site.library, site.config.per_page) if listed else []
    articles = len(site.library.articles)
    # The overview pages, feeds and graph are long tasks: first, so they don't run alone at the end.
    tasks: list[tuple[str, int, int]] = [(part, 0, 0) for part in ("rest", "graph") if part in parts]
    if "articles" in parts:
        tasks += [("articles", i, i + RENDER_BATCH) for i in range(0, articles, RENDER_BATCH)]
    if "indexes" in parts:
        tasks += [("indexes", i, i + RENDER_BATCH) for i in range(0, len(index_pages), RENDER_BATCH)]
    jobs = site.jobs if articles >= RENDER_BATCH else 1
    state = (renderer, index_pages, stager, site.site_dir)
    ahead = RENDER_AHEAD if stager is not None else 3  # without a stager, results carry the pages
    yield from ordered_map(_render_task, state, tasks, jobs, ahead=ahead)
    if "static" in parts:
        static = list(static_files(site.site_dir, site.config.theme))
        yield ([stager.stage(o) for o in static] if stager else static), {}


RENDER_BATCH = 200
# Tasks per worker in flight when workers stage their own pages. Results are taken in order and
# are then only small records, so many can wait: the graph task (half a second at 10,000
# articles) must not leave the other worker idle when a rebuild finds each batch of article
# pages unchanged in 25 ms (with 3 in flight it idled 0.3 s of a 1.2 s stage). Results that
# carry the pages themselves (press check, outputs()) keep 3 in flight, so memory stays flat.
RENDER_AHEAD = 16


def _render_task(
    state: tuple[Renderer, list[IndexPage], Stager | None, Path], task: tuple[str, int, int]
) -> Batch:
    """One batch of pages (in a worker or inline), with the fingerprints of those it rendered.

    A template error is located here, where its traceback is: it doesn't survive the trip from
    a worker process."""
    renderer, index_pages, stager, site_dir = state
    try:
        batch = _pages(renderer, index_pages, task)
    except jinja2.TemplateError as exc:
        raise PageFailed(template_problem(exc, site_dir)) from None
    fingerprints = {}
    if renderer.memo is not None:
        fingerprints, renderer.memo.fresh = renderer.memo.fresh, {}
    if stager is not None:
        return [stager.stage(o, hash_bytes=o.path not in fingerprints) for o in batch], fingerprints
    return batch, fingerprints


def _pages(renderer: Renderer, index_pages: list[IndexPage], task: tuple[str, int, int]) -> list[Output]:
    part, start, stop = task
    if part == "articles":
        return list(renderer.articles(start, stop))
    if part == "indexes":
        return list(renderer.indexes(index_pages[start:stop]))
    if part == "graph":
        return list(renderer.graph())
    return [*renderer.overviews(), *renderer.aliases(), *renderer.feeds(index_pages)]


def unrelated_pages(site: Site, memo: PageMemo, stager: Stager) -> Callable[[], list[Batch]]:
    """The pages that don't show related lists (indexes, feeds, overviews), staged by a forked
    process while this one computes the related lists; their records are collected at the end."""
    alone = replace(site, related={}, jobs=1)
    if site.jobs < 2 or len(site.library.articles) < RENDER_BATCH:  # a small site: all at once
        return lambda: _all_batches(alone, memo, stager)
    return in_background(_all_batches, alone, memo, stager)


def _all_batches(site: Site, memo: PageMemo, stager: Stager) -> list[Batch]:
    return list(rendered(site, memo, stager, UNRELATED))
