"""Reading begun before the build is ready to read, on the core that would idle meanwhile.

A cold build spends its first tenths of a second on one core: checking every input against the
last build, the theme check, importing what the related lists need and forking the processes
that wait for work. When nothing of the read stage is cached, every article will be read, so a
process forked at the very start reads them meanwhile, from the end of the list, and leaves what
it read in a file, a few dozen articles at a time. When the read stage begins, this process
reads from the start of the list until the two meet, taking in the other's results as they
come. A result counts only for a file whose bytes had the digest the build knows it by (the
input check hashed them) and for the time zone the build reads in; any other article is read
again here, so the result is that of reading every file in this process.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.cache import CACHE_DIR, digest_of
from generator.config import load_config
from generator.discover import discover
from generator.errors import Problem
from generator.models import Article
from generator.parallel import can_fork
from generator.read import read_article
from generator.source import MAX_BYTES

ReadResult = tuple[Article | None, list[Problem]]
EARLY_FROM = 200  # fewer articles read in a blink: not worth a process
EARLY_BELOW = 20_000  # a larger archive's build starts its processes on its own plan (see build.py)


def reads_everything(site_dir: Path, cache: bool) -> bool:
    """Whether this build will read every article: no read cache to take them from."""
    if not cache:
        return True
    folder = site_dir / CACHE_DIR / "read"
    return not folder.is_dir() or not any(folder.glob("*.pickle"))


class EarlyReader:
    """The process reading from the end of the article list (see the module's docstring)."""

    def __init__(self, process: Any, shared: Any, answer: str):
        self._process = process
        # [articles claimed from the end, stopped, claimed from the start, bytes of answer written]
        self._shared = shared
        self._answer = answer
        self._claimed: int | None = None
        self._file: Any = None  # the answer, read as it is written
        self._zone: str | None = None  # the time zone the reader read in
        self._found: dict[str, tuple[bytes, ReadResult]] = {}
        atexit.register(self.close)  # a build that stops early (an error in site.toml, say)

    @classmethod
    def start(cls, site_dir: Path, base_url: str | None) -> EarlyReader | None:
        """The reader, forked now; None where forking isn't safe."""
        if not can_fork():
            return None
        context = multiprocessing.get_context("fork")
        shared = context.Array("q", 4)
        handle, answer = tempfile.mkstemp(prefix="press-early-read-", suffix=".pickle")
        os.close(handle)
        process = context.Process(target=_read_from_the_end, args=(site_dir, base_url, shared, answer))
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
                at = shared[2]
                if shared[1] or at + shared[0] >= count:
                    shared[1] = 1
                    self._claimed = int(shared[0])
                    break
                shared[2] = at + 1
                written = int(shared[3])
            work(at)
            self._take(written)
        return self._claimed

    def reading(self) -> bool:
        """Whether the process still runs (it ends once it has read all it will)."""
        return bool(self._process.is_alive())

    def stop(self) -> int:
        """Stop reading: how many articles, counted from the end of the list, are the reader's."""
        if self._claimed is None:
            with self._shared.get_lock():
                self._shared[1] = 1
                self._claimed = int(self._shared[0])
        return self._claimed

    def results(self, timezone: str) -> dict[str, tuple[bytes, ReadResult]]:
        """What it read (content id → digest of the bytes read, result), once it has stopped;
        nothing when it read in another time zone or its answer can't be read (it died, say)."""
        self.stop()
        self._process.join()
        found = self._take(None)
        self.close()
        return found if self._zone == timezone else {}

    def _take(self, written: int | None) -> dict[str, tuple[bytes, ReadResult]]:
        """Take in the answer's chunks written so far (`written` bytes; None: all of it, the
        reader has ended)."""
        try:
            if self._file is None:
                if written == 0:
                    return self._found
                self._file = open(self._answer, "rb")  # noqa: SIM115 (closed by close)
                self._zone = pickle.load(self._file)
            while written is None or self._file.tell() < written:
                self._found.update(pickle.load(self._file))
        except EOFError:
            pass
        except Exception:  # noqa: BLE001 (a damaged answer: every article is read here)
            self._zone = None
        return self._found

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


CHUNK = 32  # articles a chunk of the answer


def _read_from_the_end(site_dir: Path, base_url: str | None, shared: Any, answer: str) -> None:
    """In the forked process: the articles from the last one back, until the two meet."""
    config, problems = load_config(site_dir, base_url)
    content = site_dir / "content"
    ids = [] if any(p.is_error for p in problems) else discover(content).articles
    if not EARLY_FROM <= len(ids) < EARLY_BELOW:
        ids = []
    tz = config.tz if ids else None
    with open(answer, "wb") as file:
        pickle.dump(config.timezone, file)
        chunk: dict[str, tuple[bytes, ReadResult]] = {}
        for article_id in reversed(ids):
            with shared.get_lock():
                if shared[1] or shared[0] + shared[2] >= len(ids):
                    break
                shared[0] += 1
            try:
                data = (content / article_id).read_bytes()
            except OSError:
                continue  # read again by the build, which reports why it can't be
            if len(data) <= MAX_BYTES:
                chunk[article_id] = (digest_of(data), read_article(content, article_id, tz, data))
            if len(chunk) >= CHUNK:
                _write(file, chunk, shared)
                chunk = {}
        _write(file, chunk, shared)


def _write(file: Any, chunk: dict[str, tuple[bytes, ReadResult]], shared: Any) -> None:
    """One chunk of the answer, written through, and its end made known."""
    pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)
    file.flush()
    with shared.get_lock():
        shared[3] = file.tell()
