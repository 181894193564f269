"""Reading begun before the build is ready to read, on the core that would idle meanwhile.

A cold build spends its first tenths of a second on one core: checking every input against the
last build, the theme check, importing what the related lists need and forking the processes
that wait for work. When nothing of the read stage is cached, every source will be read, so a
process forked at the very start (by `press build` before it imports the rest of the build,
see cli.cmd_build) reads them meanwhile: the author profiles, then the articles
from the end of the list. It leaves what it read in a file, a few dozen sources at a time. When
the read stage begins, this process reads articles from the start of the list until the two
meet, taking in the other's results as they come. A result counts only for a file whose bytes
had the digest the build knows it by (the input check hashed them) and, for an article, the time
zone the build reads in; any other source is read again here, so the result is that of reading
every file in this process.

It reads archives of EARLY_FROM to EARLY_BELOW articles; for others it says it declines as soon
as it has listed them, and the read stage reads in its worker processes as without it.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.cache import CACHE_DIR
from generator.config import load_config
from generator.discover import discover
from generator.errors import Problem
from generator.parallel import can_fork, default_jobs
from generator.read import digested, read_article, read_author

ReadResult = tuple[Any, list[Problem]]  # an Article or Author (None when unreadable), problems
Found = dict[str, tuple[bytes, ReadResult]]  # content id → digest of the bytes read, result
EARLY_FROM = 200  # fewer articles read in a blink: not worth a process
EARLY_BELOW = 20_000  # a larger archive's build starts its processes on its own plan (see build.py)
# Where each number lives in the shared array.
CLAIMED_FROM_END, STOPPED, CLAIMED_FROM_START, WRITTEN, DECIDED = range(5)
READS, DECLINES = 1, 2  # what the reader decided, once it has listed the articles


def begin(site_dir: Path, jobs: int | None, cache: bool, base_url: str | None) -> EarlyReader | None:
    """The reader of a build about to start, forked now; None when the build won't read every
    source (a read cache), has one core (`jobs`: None is all of them) or can't fork."""
    if (jobs or default_jobs()) > 1 and reads_everything(site_dir, cache):
        return EarlyReader.start(site_dir.resolve(), base_url)
    return None


def reads_everything(site_dir: Path, cache: bool) -> bool:
    """Whether this build will read every source: no read cache to take them from."""
    if not cache:
        return True
    folder = site_dir / CACHE_DIR / "read"
    return not folder.is_dir() or not any(folder.glob("*.pickle"))


class EarlyReader:
    """The process reading from the end of the article list (see the module's docstring)."""

    def __init__(self, process: Any, shared: Any, answer: str):
        self._process = process
        self._shared = shared  # see CLAIMED_FROM_END...
        self._answer = answer
        self._claimed: int | None = None
        self._file: Any = None  # the answer, read as it is written
        self._zone: str | None = None  # the time zone the reader read in
        self._found: dict[str, Found] = {"author": {}, "article": {}}
        self._ended = False  # every result taken in
        atexit.register(self.close)  # a build that stops early (an error in site.toml, say)

    @classmethod
    def start(cls, site_dir: Path, base_url: str | None) -> EarlyReader | None:
        """The reader, forked now; None where forking isn't safe."""
        if not can_fork():
            return None
        context = multiprocessing.get_context("fork")
        shared = context.Array("q", 5)
        handle, answer = tempfile.mkstemp(prefix="press-early-read-", suffix=".pickle")
        os.close(handle)
        process = context.Process(target=_read_early, args=(site_dir, base_url, shared, answer))
        try:
            process.start()
        except OSError:
            os.unlink(answer)
            return None
        return cls(process, shared, answer)

    def meet(self, count: int, work: Callable[[int], None]) -> int:
        """`work(n)` for n = 0, 1, 2... of `count` articles, while the reader reads from the last
        one back, until the two meet (or the reader stopped); how many articles, counted from
        the end, are the reader's."""
        shared = self._shared
        while self._claimed is None:
            with shared.get_lock():
                at = shared[CLAIMED_FROM_START]
                if shared[STOPPED] or at + shared[CLAIMED_FROM_END] >= count:
                    shared[STOPPED] = 1
                    self._claimed = int(shared[CLAIMED_FROM_END])
                    break
                shared[CLAIMED_FROM_START] = at + 1
                written = int(shared[WRITTEN])
            work(at)
            self._take(written)
        return self._claimed

    def reads(self) -> bool:
        """Whether it reads articles at all (a large archive's build reads them on its own plan,
        see EARLY_BELOW); waits, if need be, for it to have listed them."""
        while not self._shared[DECIDED] and self._process.is_alive():
            time.sleep(0.001)
        return bool(self._shared[DECIDED] == READS)

    def reading(self) -> bool:
        """Whether the process still runs (it ends once it has read all it will)."""
        return bool(self._process.is_alive())

    def stop(self) -> int:
        """Stop reading: how many articles, counted from the end of the list, are the reader's."""
        if self._claimed is None:
            with self._shared.get_lock():
                self._shared[STOPPED] = 1
                self._claimed = int(self._shared[CLAIMED_FROM_END])
        return self._claimed

    def results(self, kind: str, timezone: str | None = None) -> Found:
        """What it read of a kind ("article", "author"), once it has stopped; articles only when
        read in `timezone`; nothing when its answer can't be read (it died, say)."""
        self.stop()
        if not self._ended:
            self._ended = True
            self._process.join()
            if self._process.exitcode == 0:
                self._take(os.path.getsize(self._answer))
            else:
                self._zone = None
        if self._zone is None or (kind == "article" and self._zone != timezone):
            return {}
        return self._found[kind]

    def _take(self, written: int) -> None:
        """Take in the answer's chunks written so far (`written` bytes of it)."""
        try:
            if self._file is None:
                if written == 0:
                    return
                self._file = open(self._answer, "rb")  # noqa: SIM115 (closed by close)
                self._zone = pickle.load(self._file)
            while self._file.tell() < written:
                kind, chunk = pickle.load(self._file)
                self._found[kind].update(chunk)
        except Exception:  # noqa: BLE001 (a damaged answer: every source is read here)
            self._zone = None

    def close(self) -> None:
        """End the process if it still runs and remove its answer."""
        atexit.unregister(self.close)
        if self._process.is_alive():
            self.stop()
            self._process.join()
        if self._file is not None:
            self._file.close()
        with contextlib.suppress(OSError):
            os.unlink(self._answer)


CHUNK = 32  # sources a chunk of the answer


def _read_early(site_dir: Path, base_url: str | None, shared: Any, answer: str) -> None:
    """In the forked process: the author profiles, then the articles from the last one back
    until the two meet."""
    config, problems = load_config(site_dir, base_url)
    content = site_dir / "content"
    sources = discover(content)
    if any(p.is_error for p in problems) or not EARLY_FROM <= len(sources.articles) < EARLY_BELOW:
        sources.articles, sources.authors = [], []
    shared[DECIDED] = READS if sources.articles else DECLINES
    with open(answer, "wb") as file:
        pickle.dump(config.timezone, file)
        authors = {}
        for author_id in sources.authors:
            found = _read(content, author_id, read_author)
            if found is not None:
                authors[author_id] = found
        _write(file, "author", authors, shared)
        tz = config.tz if sources.articles else None
        _read_articles(file, content, sources.articles, tz, shared)


def _read(content: Path, source_id: str, read: Callable[..., ReadResult], *args: Any) -> Any:
    """One source's digest and result (a file over the size limit is refused by `read`, as the
    build refuses it); None when it can't be read here (the build reads it again and reports why)."""
    found = digested(content / source_id)
    if found is None:
        return None
    digest, data = found
    return digest, read(content, source_id, *args, data=data)


def _read_articles(file: Any, content: Path, ids: list[str], tz: Any, shared: Any) -> None:
    """The articles from the last one back, until the two meet."""
    chunk: Found = {}
    for article_id in reversed(ids):
        with shared.get_lock():
            if shared[STOPPED] or shared[CLAIMED_FROM_END] + shared[CLAIMED_FROM_START] >= len(ids):
                break
            shared[CLAIMED_FROM_END] += 1
        found = _read(content, article_id, read_article, tz)
        if found is not None:
            chunk[article_id] = found
        if len(chunk) >= CHUNK:
            _write(file, "article", chunk, shared)
            chunk = {}
    _write(file, "article", chunk, shared)


def _write(file: Any, kind: str, chunk: dict[str, Any], shared: Any) -> None:
    """One chunk of the answer, written through, and its end made known."""
    pickle.dump((kind, chunk), file, protocol=pickle.HIGHEST_PROTOCOL)
    file.flush()
    with shared.get_lock():
        shared[WRITTEN] = file.tell()
