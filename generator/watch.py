"""Watch a site's sources and turn bursts of file events into single, sequential rebuilds.

Editors save in several steps (write a temporary file, rename it over the old one, touch the
folder), so events are gathered until the site has been quiet for a moment. Rebuilds run one at
a time on one thread; whatever changes while a rebuild runs is gathered and becomes exactly one
more rebuild, never one per event and never a lost edit.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import (
    DirModifiedEvent,
    FileClosedNoWriteEvent,
    FileOpenedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from generator.gitmeta import reflog_path

QUIET_SECONDS = 0.04  # how long the site must be still before a rebuild starts
LONGEST_WAIT = 1.0  # a steady stream of events still gets a rebuild this often
IDLE_SECONDS = 0.3  # quiet this long after a rebuild: time for the slower follow-up work
WATCHED = ("content", "themes")  # folders watched recursively; site.toml is watched on its own
# and so is the reflog of the site's repository (a commit dates articles anew, see gitmeta.py)

# Events that say nothing about content: a folder's mtime, a file opened or read.
_NOISE = (DirModifiedEvent, FileOpenedEvent, FileClosedNoWriteEvent)


class ChangeQueue:
    """Changed paths waiting for the next rebuild."""

    def __init__(self, quiet: float = QUIET_SECONDS, longest: float = LONGEST_WAIT):
        self.quiet = quiet
        self.longest = longest
        self._paths: set[Path] = set()
        self._first = self._last = 0.0
        self._closed = False
        self._cond = threading.Condition()

    def add(self, paths: Iterable[Path]) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._paths:
                self._first = now
            self._paths.update(paths)
            self._last = now
            self._cond.notify_all()

    def take(self, idle: float | None = None) -> set[Path] | None:
        """Block until there are changes and the site has been quiet; None once closed; an empty
        set when `idle` seconds passed without any change."""
        with self._cond:
            waited = time.monotonic()
            while True:
                if self._closed:
                    return None
                if not self._paths:
                    left = None if idle is None else waited + idle - time.monotonic()
                    if left is not None and left <= 0:
                        return set()
                    self._cond.wait(left)
                    continue
                now = time.monotonic()
                due = min(self._last + self.quiet, self._first + self.longest)
                if now >= due:
                    taken, self._paths = self._paths, set()
                    return taken
                self._cond.wait(due - now)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, _NOISE):
            return
        paths = [Path(str(event.src_path))]
        if event.dest_path:
            paths.append(Path(str(event.dest_path)))
        self.watcher.seen(paths)


class Watcher:
    """Calls `on_change(paths)` on its own thread, once per quiet burst of changes to the site."""

    def __init__(
        self,
        site_dir: Path,
        on_change: Callable[[set[Path]], None],
        queue: ChangeQueue | None = None,
        on_idle: Callable[[], bool] | None = None,
    ):
        self.site_dir = site_dir.resolve()
        self.on_change = on_change
        self.on_idle = on_idle  # work to do once edits pause; returns whether it did any
        self.queue = queue or ChangeQueue()
        self.observer = Observer()  # the platform's native observer (inotify, FSEvents, ...), not polling
        self._handler = _Handler(self)
        self._watched: set[str] = set()
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._run, name="press-rebuild", daemon=True)

    def start(self) -> None:
        self.observer.schedule(self._handler, str(self.site_dir), recursive=False)
        for name in WATCHED:
            self._watch(name)
        reflog = reflog_path(self.site_dir)  # a commit may date any article anew
        if reflog is not None and reflog.parent.is_dir():
            self.observer.schedule(self._handler, str(reflog.parent), recursive=False)
        self.observer.start()
        self._worker.start()

    def stop(self) -> None:
        self.queue.close()
        self.observer.stop()
        self.observer.join(timeout=5)
        self._worker.join(timeout=30)

    def _watch(self, name: str) -> None:
        folder = self.site_dir / name
        with self._lock:
            if name in self._watched or not folder.is_dir():
                return
            self._watched.add(name)
        self.observer.schedule(self._handler, str(folder), recursive=True)

    def seen(self, paths: list[Path]) -> None:
        """Events from the observer; a content/ or themes/ folder created later gets watched too."""
        for path in paths:
            if path.parent == self.site_dir and path.name in WATCHED:
                self._watch(path.name)
        self.queue.add(paths)

    def _run(self) -> None:
        idle: float | None = None
        while True:
            paths = self.queue.take(idle)
            if paths is None:
                return
            try:
                if paths:
                    self.on_change(paths)
                    idle = IDLE_SECONDS if self.on_idle else None
                elif self.on_idle and not self.on_idle():
                    idle = None
            except Exception:  # a bug in one rebuild must not stop the next ones
                traceback.print_exc()
