"""Output never depends on the number of worker processes, nor on whether the cache was warm."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import Options, load
from generator.cache import Shelf
from generator.indexes import all_index_pages
from generator.pagememo import PageMemo
from generator.pages import UNRELATED, UnrelatedPages, page_tasks
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
    """Asked to stop, the process ends after its task: what it did comes back, the tasks it did not
    reach are left for the article pages' workers, and none is lost or done twice."""
    site = load(archive, Options(jobs=2, cache=False)).site
    assert site is not None
    out = tmp_path / "out"
    pages = UnrelatedPages(site, PageMemo(Shelf(None), out, "salt"), Stager(out))
    pages.stop()
    index_pages = len(all_index_pages(site.library, site.config.per_page))
    left = pages.leftover(index_pages)
    done = list(pages.done())
    every = page_tasks(UNRELATED, len(site.library.articles), index_pages)
    assert len(every) > 2
    assert 1 <= len(done) < len(every)
    assert left == every[len(done) :]
    staged = [record.path for batch, _fingerprints in done for record in batch]
    assert "index.html" in staged  # the first task: the overview pages and feeds
