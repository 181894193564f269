"""What output/ holds: each file's size and mtime, and how many entries each folder has.

A no-op build compares output/ with what the last build wrote (see pagememo.output_files), and
a build sweeps stale files from this listing (see write.py). A site has a folder per page, some
140,000 at 100,000 articles. When the kernel holds them, as right after a build, one thread lists
them in 1.4 s. When it does not (after a reboot, or memory pressure), each folder costs a read from
disk, and one thread took 17 s: a no-op build of that archive took 18 s instead of 2.6. The disk,
not the processor, is then what limits, and reads issued together finish sooner: eight threads
listed the same folders in 6.3 s. On folders held in memory threads only fight over the
interpreter's lock (2.6 s instead of 1.4), so the first folders are listed on one thread and
timed, and only a slow start hands the rest to threads.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MARKER = ".press-output"

# Listed on one thread first, timed: from memory a folder takes some 10 µs, from disk some 120 µs.
PROBE_FOLDERS = 256
SLOW_FOLDER = 40e-6  # seconds a probed folder took on average, from which the rest go to threads
THREADS = 8  # reads in flight (32 were slower than 8 on this machine's disk: 13.2 s against 6.3 s)

Task = tuple[str, str]  # a folder's path, and its path relative to output/
Scanned = tuple[str, int, dict[str, tuple[int, int] | None], list[Task]]


@dataclass
class Listing:
    """output/ before a build moves its files in: each file's size and mtime, and how many
    entries each folder holds ("" is output/ itself)."""

    files: dict[str, tuple[int, int] | None]  # None: can't be stat'ed (a broken symlink)
    entries: dict[str, int]

    def fits(self, written: list[str]) -> bool:
        """The move replaced files with files only: no folder became a file or the reverse
        (then output/ is walked again instead)."""
        for rel in written:
            if rel in self.entries or any(folder in self.files for folder in folders_of(rel)):
                return False
        return True

    def add(self, scanned: Scanned) -> list[Task]:
        """Note one folder's entries; the folders in it, to list next."""
        rel, count, files, folders = scanned
        self.entries[rel] = count
        self.files.update(files)
        return folders


def list_output(out_dir: Path) -> Listing | None:
    """Every file and folder of output/, as write._prune walks it; None when a folder can't be
    listed. A build lists it in another process while pages are made (nothing moves into output/
    before they all are), not after the last one: 16,000 folders take a third of a second."""
    listing = Listing({}, {})
    todo: list[Task] = [(str(out_dir), "")]
    started = time.perf_counter()
    try:
        listed = 0
        while todo:
            if listed == PROBE_FOLDERS and time.perf_counter() - started > PROBE_FOLDERS * SLOW_FOLDER:
                _list_on_threads(todo, listing)
                break
            todo += listing.add(_scanned(*todo.pop()))
            listed += 1
    except OSError:
        return None
    return listing


def _scanned(folder: str, rel: str) -> Scanned:
    """One folder: its path, how many entries it has, its files' stats and its folders."""
    files: dict[str, tuple[int, int] | None] = {}
    folders: list[Task] = []
    count = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            count += 1
            path = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.path, path))
            elif path != MARKER:
                files[path] = _stat_of(entry)
    return rel, count, files, folders


def _list_on_threads(todo: list[Task], listing: Listing) -> None:
    """The folders of `todo` and all below them, listed by THREADS threads into `listing` (the
    threads only read; this thread adds what they found). Raises the first OSError found."""
    tasks: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
    found: queue.SimpleQueue[Scanned | OSError] = queue.SimpleQueue()
    failed = threading.Event()

    def work() -> None:
        while (task := tasks.get()) is not None:
            if failed.is_set():
                continue  # drained, not listed: the listing is given up
            try:
                found.put(_scanned(*task))
            except OSError as exc:
                found.put(exc)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        for task in todo:
            tasks.put(task)
        waiting = len(todo)
        while waiting:
            scanned = found.get()
            waiting -= 1
            if isinstance(scanned, OSError):
                failed.set()
                raise scanned
            for task in listing.add(scanned):
                tasks.put(task)
                waiting += 1
    finally:
        for _ in threads:
            tasks.put(None)
        for thread in threads:
            thread.join()


def _stat_of(entry: os.DirEntry[str]) -> tuple[int, int] | None:
    try:
        stat = entry.stat()  # as output_files() sees it
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def folders_of(rel: str) -> Iterator[str]:
    """The folders a relative path is in, innermost first, output/ itself ("") last."""
    while "/" in rel:
        rel = rel.rsplit("/", 1)[0]
        yield rel
    yield ""
