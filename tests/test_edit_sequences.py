"""A run of edits to a real archive, each followed by a cached build and by a build from nothing:
the two write the same files, byte for byte, and report the same warnings.

test_cache.py checks each kind of change on its own, on small sites. Here the changes pile up on
260 articles of the real corpus, enough for the build's parallel paths (its early reader, render
batches in worker processes), in a git repository whose commits date the articles: a title beside
a body edit, a commit after both, a template and site.toml at once, and last everything put back
as it was, whose bytes the cache has seen before.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MAKE_ARCHIVE, ROOT, need_corpus, run_press
from tests.gitrepo import commit, init_repo
from tests.serving import built_tree

ARTICLES = 260  # over the early reader's and the render batches' thresholds (200 each)
MARK = "<!-- sequence-test-mark -->"


def _articles(site: Path) -> list[Path]:
    return sorted((site / "content" / "articles").rglob("*.md"))


def _set(path: Path, key: str, value: str) -> None:
    """Set one front-matter key (a YAML flow value), replacing the line it had."""
    text = path.read_text(encoding="utf-8")
    head, body = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S).groups()  # type: ignore[union-attr]
    lines = [line for line in head.split("\n") if not line.startswith(f"{key}:")]
    path.write_text("---\n" + "\n".join([*lines, f"{key}: {value}"]) + "\n---\n" + body, encoding="utf-8")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


def _title(path: Path) -> str:
    found = re.search(r"^title: (.*)$", path.read_text(encoding="utf-8"), re.M)
    assert found
    return found.group(1)


class Archive:
    """The archive under test, and the original bytes of what the steps change."""

    def __init__(self, site: Path):
        self.site = site
        self.original: dict[Path, bytes] = {}

    def article(self, at: int) -> Path:
        return _articles(self.site)[at]

    def keep(self, path: Path) -> Path:
        self.original.setdefault(path, path.read_bytes())
        return path


def _body_and_title(archive: Archive) -> str:
    _append(archive.keep(archive.article(10)), "The council met again on Tuesday about flood defences.")
    _set(archive.keep(archive.article(11)), "title", '"A headline rewritten for the sequence test"')
    return "A headline rewritten for the sequence test"


def _tags_bylines_and_zone(archive: Archive) -> str:
    _set(archive.keep(archive.article(20)), "tags", '["Sequence test tag"]')
    _set(archive.keep(archive.article(21)), "authors", '["Sequence Tester", "Gray Brooks"]')
    zoned = archive.keep(archive.article(22))
    zoned.write_text(re.sub(r"(?m)^(date: .*)-0[45]:00$", r"\1+00:00", zoned.read_text()), encoding="utf-8")
    return "Sequence Tester"


def _committed(archive: Archive) -> str:
    commit(archive.site, "edits so far", "2024-05-06T07:08:09+02:00")
    return "2024-05-06"


def _deleted_added_renamed(archive: Archive) -> str:
    archive.keep(archive.article(30)).unlink()
    source = archive.article(40)
    added = source.parent / "sequence-test-story.md"
    added.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    _set(added, "slug", '"sequence-test-story"')
    _set(added, "title", '"A story added by the sequence test"')
    renamed = archive.keep(archive.article(50))
    renamed.rename(renamed.parent / f"renamed-{renamed.name}")
    return "A story added by the sequence test"


def _links_picks_and_profile(archive: Archive) -> str:
    linking, linked = archive.keep(archive.article(60)), archive.article(61)
    _append(linking, f"See [the earlier story]({os.path.relpath(linked, linking.parent)}).")
    _set(archive.keep(archive.article(62)), "related", f"[{_title(archive.article(63))}]")
    profile = archive.keep(sorted((archive.site / "content" / "authors").glob("*.md"))[0])
    _append(profile, "Now also covers the sequence test beat.")
    return "the sequence test beat"


def _theme_and_settings(archive: Archive) -> str:
    theme = archive.site / "themes" / "default"
    shutil.copytree(ROOT / "themes" / "default", theme)
    _append(theme / "templates" / "_teasers.html", MARK)
    settings = archive.keep(archive.site / "site.toml")
    _append(settings, "per_page = 7")
    return MARK


def _all_put_back(archive: Archive) -> str:
    for path, data in archive.original.items():
        path.write_bytes(data)
    for extra in (archive.site / "content" / "articles").rglob("renamed-*.md"):
        extra.unlink()
    for extra in (archive.site / "content" / "articles").rglob("sequence-test-story.md"):
        extra.unlink()
    shutil.rmtree(archive.site / "themes")
    commit(archive.site, "put back", "2024-06-07T08:09:10+02:00")
    return "2024-06-07"


STEPS: list[Callable[[Archive], str]] = [
    _body_and_title,
    _tags_bylines_and_zone,
    _committed,
    _deleted_added_renamed,
    _links_picks_and_profile,
    _theme_and_settings,
    _all_put_back,
]


def _warnings(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if ": warning:" in line)


def _built(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_press("build", str(site), *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    need_corpus()
    site = tmp_path_factory.mktemp("sequence") / "site"
    command = [sys.executable, str(MAKE_ARCHIVE), "--out", str(site), "--n", str(ARTICLES)]
    subprocess.run(command, check=True, capture_output=True)
    init_repo(site)
    (site / ".gitignore").write_text("output/\n.cache/\n", encoding="utf-8")
    commit(site, "the archive", "2024-01-02T03:04:05+00:00")
    _built(site)
    return Archive(site)


def test_each_edit_of_a_run_builds_what_a_build_from_nothing_builds(archive: Archive):
    """Steps in order, one build each (every other one with one process): what the cached build
    wrote is what a build without the cache writes into an empty folder, and each step's edit
    shows in it (else the comparison proves nothing)."""
    before = built_tree(archive.site / "output")
    for number, step in enumerate(STEPS):
        shown = step(archive)
        jobs = ["--jobs", "1"] if number % 2 else []
        cached = _built(archive.site, *jobs)
        fresh_out = archive.site.parent / f"fresh-{number}"
        fresh = _built(archive.site, "--no-cache", "--out", str(fresh_out))
        after = built_tree(archive.site / "output")
        assert after == built_tree(fresh_out), step.__name__
        assert _warnings(cached.stderr) == _warnings(fresh.stderr), step.__name__
        changed = {path for path in after.keys() | before.keys() if after.get(path) != before.get(path)}
        assert changed, f"{step.__name__} changed no file"
        assert any(shown.encode() in after.get(path, b"") for path in changed), (
            f"{step.__name__}: {shown!r} not shown"
        )
        before = after
