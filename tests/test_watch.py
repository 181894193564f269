"""The watcher: real files, the native observer, debounced bursts, one more build for edits made meanwhile."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from watchdog.observers.polling import PollingObserver

from generator.watch import ChangeQueue, Watcher


class Builds:
    """An on_change callback that records each call; the first one can be made slow."""

    def __init__(self, first_takes: float = 0.0):
        self.calls: list[set[Path]] = []
        self.first_takes = first_takes
        self.started = threading.Event()
        self.changed = threading.Condition()

    def __call__(self, paths: set[Path]) -> None:
        self.started.set()
        if not self.calls and self.first_takes:
            time.sleep(self.first_takes)
        with self.changed:
            self.calls.append(paths)
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 10) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.calls) >= count, timeout), self.calls


def _site(tmp_path: Path) -> Path:
    (tmp_path / "content/articles/2012/12").mkdir(parents=True)
    (tmp_path / "site.toml").write_text('title = "T"\n')
    return tmp_path


def test_queue_turns_a_burst_into_one_batch():
    queue = ChangeQueue(quiet=0.1)
    taken: list[set[Path] | None] = []
    worker = threading.Thread(target=lambda: taken.append(queue.take()))
    worker.start()
    for n in range(5):
        queue.add([Path(f"/x/{n}.md")])
        time.sleep(0.01)
    worker.join(5)
    assert taken == [{Path(f"/x/{n}.md") for n in range(5)}]
    queue.close()
    assert queue.take() is None


def test_an_editors_save_dance_is_one_rebuild(tmp_path: Path):
    site = _site(tmp_path)
    target = site / "content/articles/2012/12/story.md"
    target.write_text("old")
    builds = Builds()
    watcher = Watcher(site, builds)
    assert not isinstance(watcher.observer, PollingObserver)
    watcher.start()
    try:
        temp = target.with_name(".story.md.swp")
        temp.write_text("new text")
        os.replace(target, target.with_name("story.md~"))
        os.replace(temp, target)
        target.with_name("story.md~").unlink()
        builds.wait_for(1)
        time.sleep(0.5)
    finally:
        watcher.stop()
    assert len(builds.calls) == 1
    assert target in builds.calls[0]


def test_edits_made_during_a_rebuild_make_exactly_one_more(tmp_path: Path):
    site = _site(tmp_path)
    builds = Builds(first_takes=1.0)
    watcher = Watcher(site, builds)
    watcher.start()
    try:
        (site / "content/articles/2012/12/first.md").write_text("one")
        assert builds.started.wait(10)
        later = [site / f"content/articles/2012/12/later-{n}.md" for n in range(4)]
        for path in later:
            path.write_text("two")
            time.sleep(0.1)  # slower than the debounce: without the queue, each would be a build
        (site / "site.toml").write_text('title = "Changed"\n')
        builds.wait_for(2)
        time.sleep(0.5)
    finally:
        watcher.stop()
    assert len(builds.calls) == 2
    assert set(later) | {site / "site.toml"} <= builds.calls[1]


def test_a_content_folder_made_later_is_watched(tmp_path: Path):
    (tmp_path / "site.toml").write_text('title = "T"\n')
    builds = Builds()
    watcher = Watcher(tmp_path, builds)
    watcher.start()
    try:
        (tmp_path / "content").mkdir()
        builds.wait_for(1)
        time.sleep(0.2)
        (tmp_path / "content/new.md").write_text("x")
        builds.wait_for(2)
    finally:
        watcher.stop()
    assert tmp_path / "content/new.md" in builds.calls[-1]


def test_idle_work_runs_once_edits_pause(tmp_path: Path):
    site = _site(tmp_path)
    builds = Builds()
    idle: list[float] = []

    def on_idle() -> bool:
        idle.append(time.monotonic())
        return len(idle) < 2  # pretend there was follow-up work once, then nothing left

    watcher = Watcher(site, builds, on_idle=on_idle)
    watcher.start()
    try:
        (site / "content/articles/2012/12/one.md").write_text("x")
        builds.wait_for(1)
        time.sleep(1.5)
    finally:
        watcher.stop()
    assert len(builds.calls) == 1
    assert len(idle) == 2  # after the rebuild, and once more; then it waits for the next change


def test_a_commit_is_seen(tmp_path: Path):
    """The reflog of the site's repository is watched: a commit is a change (see incremental.py)."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    site = _site(tmp_path)
    (site / "content/articles/2012/12/a.md").write_text("x")

    def git(*args: str) -> None:
        command = ["git", "-C", str(site), "-c", "user.name=Ed", "-c", "user.email=ed@example.org", *args]
        subprocess.run(command, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "first")
    builds = Builds()
    watcher = Watcher(site, builds)
    watcher.start()
    try:
        time.sleep(0.2)
        git("commit", "-q", "--allow-empty", "-m", "second")
        builds.wait_for(1)
    finally:
        watcher.stop()
    assert site / ".git/logs/HEAD" in set().union(*builds.calls)
