"""Every page of a site, rendered by worker processes and taken back in a fixed order.

Pages are cut into tasks (overview pages and feeds, the graph, batches of articles, batches of
index pages); workers render and stage their own (see write.Stager) and send back small records.
`UnrelatedPages` renders the pages that don't show related lists, so that a build can start them
before the related lists exist (see build._write_site).
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from generator.indexes import IndexPage
from generator.models import Output
from generator.pagememo import PageMemo
from generator.parallel import (
    Background,
    finer_tail,
    in_background,
    ordered_map,
    quarters,
    release_freed_memory,
)
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


Task = tuple[str, int, int]  # part, first and last page of it


def rendered(
    site: Site,
    memo: PageMemo | None,
    stager: Stager | None = None,
    parts: tuple[str, ...] = EVERY_PART,
    more: Callable[[int], Iterable[Task]] | None = None,
    env: jinja2.Environment | None = None,
    fine_end: bool = False,
) -> Iterator[Batch]:
    """Batches of pages with the fingerprints of those rendered; with a stager, each worker stages
    its own pages and sends back `Staged` records instead of the bytes. `more`, given the number of
    index pages, gives tasks to do after those of `parts`, asked for once those are under way
    (see UnrelatedPages). `env`: the build's, templates compiled (see render.compiled_environment).
    `fine_end`: the last tasks are cut smaller (see parallel.finer_tail); not for the process of
    UnrelatedPages, whose tasks are counted against page_tasks."""
    env = env or environment(site.site_dir, site.config.theme, auto_reload=False)
    views = ViewMaker(
        site.config, site.urls, site.library, site.bodies.html, site.bodies.summaries, site.related
    )
    renderer = Renderer(env, views, memo)
    listed = "indexes" in parts or "rest" in parts or more is not None  # feeds and sitemap need them too
    index_pages = site.index_pages if listed else []
    articles = len(site.library.articles)
    tasks = page_tasks(parts, articles, len(index_pages))
    jobs = site.jobs if articles >= RENDER_BATCH else 1
    state = (renderer, index_pages, stager, site.site_dir)
    ahead = RENDER_AHEAD if stager is not None else 3  # without a stager, results carry the pages
    todo = _then(tasks, more, len(index_pages))
    if fine_end and jobs > 1:
        todo = finer_tail(todo, _quartered, 2 * jobs)
    yield from ordered_map(_render_task, state, todo, jobs, ahead=ahead)
    if "static" in parts:
        static = list(static_files(site.site_dir, site.config.theme))
        yield ([stager.stage(o) for o in static] if stager else static), {}


def page_tasks(parts: tuple[str, ...], articles: int, index_pages: int) -> list[Task]:
    """The render tasks of some parts of a site, in a fixed order."""
    # The overview pages, feeds and graph are long tasks: first, so they don't run alone at the end.
    tasks: list[Task] = [(part, 0, 0) for part in ("rest", "graph") if part in parts]
    if "articles" in parts:
        tasks += [("articles", i, i + RENDER_BATCH) for i in range(0, articles, RENDER_BATCH)]
    if "indexes" in parts:
        tasks += [("indexes", i, i + RENDER_BATCH) for i in range(0, index_pages, RENDER_BATCH)]
    return tasks


def _quartered(task: Task) -> list[Task]:
    """A batch of pages as four (the overview pages and the graph are one task each)."""
    part, start, stop = task
    if part not in ("articles", "indexes"):
        return [task]
    return [(part, first, last) for first, last in quarters(start, stop)]


def _then(
    tasks: list[Task], more: Callable[[int], Iterable[Task]] | None, index_pages: int
) -> Iterator[Task]:
    yield from tasks
    if more is not None:
        yield from more(index_pages)


RENDER_BATCH = 200
# Tasks that make a whole site's worth of entries (every feed and the sitemap; the whole graph,
# twice as JSON) and let go of them. The C allocator keeps what they freed, and the process then
# renders on for minutes: at 10,000 articles the overview task left 125 MB resident, unused.
WHOLE_SITE_PARTS = ("rest", "graph")
TIDY_EVERY = 25  # tasks of a process between two returns of freed memory (a few ms each)
_done = 0  # tasks this process rendered


def _tidy(task: Task) -> None:
    """Give freed memory back to the system after a whole-site task, and every so many others:
    pages are made and freed by the thousand, and the allocator keeps the gaps between what is
    still alive (at 10,000 articles, 50 MB more by the end of the pages)."""
    global _done
    _done += 1
    if task[0] in WHOLE_SITE_PARTS or _done % TIDY_EVERY == 0:
        release_freed_memory()


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
    With a stager, each page is staged as it is made: a task's pages are never all held at once
    (at 100,000 articles the author and tag feeds alone were 250 MB).

    A template error is located here, where its traceback is: it doesn't survive the trip from
    a worker process."""
    renderer, index_pages, stager, site_dir = state
    fresh = renderer.memo.fresh if renderer.memo is not None else {}  # filled as pages are made
    try:
        pages = _pages(renderer, index_pages, task)
        if stager is not None:
            batch: list[Output] | list[Staged] = [
                stager.stage(o, hash_bytes=o.path not in fresh) for o in pages
            ]
        else:
            batch = list(pages)
    except jinja2.TemplateError as exc:
        raise PageFailed(template_problem(exc, site_dir)) from None
    fingerprints = {}
    if renderer.memo is not None:
        fingerprints, renderer.memo.fresh = renderer.memo.fresh, {}
    if stager is not None:
        _tidy(task)
    return batch, fingerprints


def _pages(renderer: Renderer, index_pages: list[IndexPage], task: tuple[str, int, int]) -> Iterator[Output]:
    part, start, stop = task
    if part == "articles":
        return renderer.articles(start, stop)
    if part == "indexes":
        return renderer.indexes(index_pages[start:stop])
    if part == "graph":
        return renderer.graph()
    return chain(renderer.overviews(), renderer.aliases(), renderer.feeds(index_pages))


class UnrelatedPages:
    """The pages that don't show related lists (indexes, feeds, overviews), started in a forked
    process while this one computes the related lists (see build._write_site).

    Once the lists are ready, `stop` asks that process to end after the task it is on: it
    hands over what it staged, and the tasks it did not reach join the other pages' workers.
    Left to finish alone, it ran on beside them, a third process on two cores, and at 100,000
    articles it held a gigabyte until the end of the build. The render workers are forked only
    once it has ended, so the two never hold their memory at once (handing the tasks over
    without waiting for its last one raised the 100,000-article one-edit build's peak by 0.3 GB
    and saved nothing measurable at 2,083 articles).
    """

    def __init__(
        self,
        site: Site,
        memo: PageMemo,
        stager: Stager,
        beside: bool = True,
        env: jinja2.Environment | None = None,
    ):
        """`beside`: whether there is work to do beside them (the related lists to compute)."""
        self.site = site
        self._flag = mmap.mmap(-1, 1)  # shared with the forked process: 1 means stop
        self._done: list[Batch] | None = None
        self._process: Background[list[Batch]] | None = None
        # Whether the pages are rendered beside (else they are all left over).
        self.beside = beside and site.jobs >= 2 and len(site.library.articles) >= RENDER_BATCH
        if self.beside:
            alone = replace(site, related={}, jobs=1)
            self._process = in_background(_until_stopped, alone, memo, stager, self._flag, env)

    def stop(self) -> None:
        """Ask the process to stop at its next task (it does not wait for it)."""
        self._flag[0] = 1

    def leftover(self, index_pages: int) -> list[Task]:
        """The tasks the process did not do (all of them when there was no process)."""
        self._done = self._process() if self._process is not None else []
        return page_tasks(UNRELATED, len(self.site.library.articles), index_pages)[len(self._done) :]

    def done(self) -> Iterator[Batch]:
        """What the process staged (call after `leftover`)."""
        assert self._done is not None
        yield from self._done


def _until_stopped(
    site: Site, memo: PageMemo, stager: Stager, flag: mmap.mmap, env: jinja2.Environment | None
) -> list[Batch]:
    """In the forked process: the unrelated pages' tasks in order, until asked to stop."""
    done: list[Batch] = []
    for batch in rendered(site, memo, stager, UNRELATED, env=env):
        done.append(batch)
        if flag[0]:
            break
    return done
