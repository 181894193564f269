"""Output never depends on the number of worker processes, nor on whether the cache was warm."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.build import Options, load
from generator.cache import Shelf
from generator.indexes import all_index_pages
from generator.pagememo import PageMemo
from generator.pages import UNRELATED, UnrelatedPages, _Gate, page_tasks
from generator.write import Stager
from tests.conftest import MAKE_ARCHIVE, ROOT, need_corpus, run_press

pytestmark = pytest.mark.corpus


def _tree(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_size for p in sorted(out.rglob("*")) if p.is_file()}


def _same_trees(a: Path, b: Path) -> None:
    assert _tree(a) == _tree(b)
    names = list(_tree(a))
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert not mismatch and not errors
    assert len(match) == len(names)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough real articles (500) that both Markdown and pages are split over workers."""
    need_corpus()
    out = tmp_path_factory.mktemp("parallel") / "archive"
    subprocess.run(
        [sys.executable, str(MAKE_ARCHIVE), "--out", str(out), "--n", "500"], check=True, capture_output=True
    )
    return out


def _build(archive: Path, out: Path, *args: str) -> None:
    result = run_press("build", str(archive), "--out", str(out), *args)
    assert result.returncode == 0, result.stderr[-3000:]


def test_jobs_1_and_jobs_2_give_byte_identical_output(archive: Path, tmp_path: Path):
    _build(archive, tmp_path / "one", "--jobs", "1", "--no-cache")
    _build(archive, tmp_path / "two", "--jobs", "2", "--no-cache")
    assert len(_tree(tmp_path / "one")) > 1000
    _same_trees(tmp_path / "one", tmp_path / "two")


def test_warm_cache_gives_the_same_output_as_none(archive: Path, tmp_path: Path):
    _build(archive, tmp_path / "cold", "--no-cache")
    _build(archive, tmp_path / "warming", "--jobs", "3")
    _build(archive, tmp_path / "warm", "--jobs", "3")
    assert any((archive / ".cache" / "markdown").glob("*.pickle"))
    _same_trees(tmp_path / "cold", tmp_path / "warm")


def test_jobs_must_be_positive(archive: Path):
    result = run_press("build", str(archive), "--jobs", "0")
    assert result.returncode == 2
    assert "argument --jobs/-j: must be a whole number of at least 1, got '0'" in result.stderr


@pytest.mark.parametrize("template", ["list.html", "article.html"])
def test_a_template_failing_in_a_worker_is_located_and_output_kept(archive: Path, tmp_path: Path, template):
    """List pages render in a background process, article pages in workers: a template that fails
    there is still reported at its file and line, and output/ is left as it was."""
    site = tmp_path / "site"
    shutil.copytree(archive, site, ignore=shutil.ignore_patterns(".cache", "output"))
    out = tmp_path / "out"
    _build(site, out)
    before = _tree(out)
    theme = site / "themes/broken/templates"
    theme.mkdir(parents=True)
    lines = (ROOT / "themes/default/templates" / template).read_text().splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if "block main" in line) + 1
    lines.insert(at, "{{ no_such_thing.field }}\n")
    (theme / template).write_text("".join(lines))
    with (site / "site.toml").open("a") as toml:
        toml.write('theme = "broken"\n')
    result = run_press("build", str(site), "--out", str(out), "--jobs", "2")
    assert result.returncode != 0
    assert f"themes/broken/templates/{template}:{at + 1}: template error: UndefinedError" in result.stderr
    assert _tree(out) == before


def test_the_unrelated_pages_process_stops_when_asked_and_hands_over_the_rest(archive: Path, tmp_path: Path):
    """Asked to stop, the process does the tasks it has started and no more: the tasks it did not
    start are left for the article pages' workers at once, and none is lost or done twice."""
    site = load(archive, Options(jobs=2, cache=False)).site
    assert site is not None
    out = tmp_path / "out"
    pages = UnrelatedPages(site, PageMemo(Shelf(None), out, "salt"), Stager(out))
    index_pages = len(all_index_pages(site.library, site.config.per_page))
    every = page_tasks(UNRELATED, len(site.library.articles), index_pages)
    assert len(every) > 2
    staged = _wait_for_staged_pages(out, 1)  # the process is under way
    pages.stop()
    left = pages.leftover(index_pages)
    done = list(pages.done())
    assert 1 <= len(done) < len(every)
    assert left == every[len(done) :]
    paths = [record.path for batch, _fingerprints in done for record in batch]
    assert "index.html" in paths  # the first task: the overview pages and feeds
    assert staged <= len(paths)


def test_the_gate_agrees_with_a_forked_process_on_the_tasks_it_claimed():
    """The process claims tasks 0-2; closed, the list stops at 3 for both sides, and the tasks
    claimed can be claimed again (a rerun of a process that died does exactly those)."""
    gate = _Gate()
    child = os.fork()
    if child == 0:  # the forked process: claim three tasks, then stop
        os._exit(0 if all(gate.claim(n) for n in range(3)) else 1)
    assert os.waitpid(child, 0)[1] == 0
    assert gate.close() == 3
    assert [gate.claim(n) for n in range(5)] == [True, True, True, False, False]
    assert gate.close() == 3


def _wait_for_staged_pages(out: Path, at_least: int) -> int:
    """How many pages the process has staged, once it has staged some (it stages as it renders)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        staged = sum(1 for p in out.parent.rglob("*.html"))
        if staged >= at_least:
            return staged
        time.sleep(0.01)
    raise AssertionError("the unrelated pages' process staged nothing in 60 s")
