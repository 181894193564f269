"""The persistent build cache in `<site>/.cache/`: work that depends only on known inputs is done once.

Every entry is keyed by a hash of everything its value depends on: the input's bytes, the settings
that change it, and a fingerprint of the generator itself (its version, the bytes of its source and
the versions of the libraries that parse and render). So a stale entry can't be found by a changed
input: it is simply never looked up again, and pruned when the cache is saved.

The cache is an optimisation only. It is safe to delete, and a file that can't be read (corrupt,
truncated, from another Python) is ignored as if it were absent. It holds pickles, so like any build
artefact it must only come from your own builds: it is git-ignored and never shipped.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import re
import sys
import tempfile
import weakref
import zlib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import generator

# The processes a cache saves in (see Cache.save_beside) are imported there: a no-op build reads
# the generator's fingerprint and the last build's record from here, and multiprocessing was a
# fifth of what it imported to do so.
if TYPE_CHECKING:
    from generator.parallel import Background

CACHE_DIR = ".cache"
_FORMAT = 2  # 2: digests are SHA-256's, not blake2b's
# The libraries whose versions can change what a build writes: parsing, rendering, sanitizing,
# and the related lists' arithmetic (a sum's last bit can move with numpy's or scipy's version).
_LIBRARIES = (
    "markdown",
    "PyYAML",
    "python-frontmatter",
    "Jinja2",
    "MarkupSafe",
    "nh3",
    "numpy",
    "scipy",
    "sparse-dot-topn",
)

T = TypeVar("T")


@cache
def generator_fingerprint() -> str:
    """Version + bytes of the generator's files + versions of the libraries its output depends on."""
    digest = hashlib.blake2b(f"{_FORMAT}:{generator.__version__}".encode(), digest_size=16)
    package = Path(generator.__file__).resolve().parent
    # Every file of the package, not only the code: the stop words list decides related lists too.
    files = (path for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    for source in sorted(files):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    versions = installed_versions(_LIBRARIES)
    for name in _LIBRARIES:
        digest.update(f"{name}={versions.get(name, '?')}".encode())
    return digest.hexdigest()


def installed_versions(names: Iterable[str]) -> dict[str, str]:
    """Each installed distribution's version, read from its `name-version.dist-info` folder's name
    on sys.path (what pip writes, PEP 427), else from importlib.metadata.

    Every build asks: importlib.metadata's import (it parses metadata with the email package)
    was 20 ms of each press process, a twentieth of a no-op build at 2,083 articles."""
    wanted = {_normalized(name): name for name in names}
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            entries = os.listdir(folder) if folder else []  # not the working folder: a site's
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(".dist-info") and "-" in entry:
                project, version = entry[: -len(".dist-info")].rsplit("-", 1)
                name = wanted.get(_normalized(project))
                if name is not None and name not in found:  # the first on sys.path is the one imported
                    found[name] = version
    for name in wanted.values():
        if name not in found:
            found.update(_metadata_version(name))
    return found


def _normalized(project: str) -> str:
    return re.sub(r"[-_.]+", "_", project).lower()


def _metadata_version(name: str) -> dict[str, str]:
    """Installed some other way (an egg, a system package): asked of importlib.metadata."""
    from importlib import metadata

    try:
        return {name: metadata.version(name)}
    except metadata.PackageNotFoundError:
        return {}


def key(*parts: str | bytes) -> str:
    """A cache key: the hash of the generator fingerprint and every part, unambiguously separated."""
    digest = _keyed().copy()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


@cache
def _keyed() -> Any:
    """The hash every key starts from (a build makes two keys per content file)."""
    return hashlib.blake2b(generator_fingerprint().encode(), digest_size=20)


def files_fingerprint(folders: Iterable[Path]) -> str:
    """Names and bytes of every file under the given folders (a theme's templates, say)."""
    digest = Hasher()
    for folder in folders:
        hash_tree(digest, folder)
    return digest.hexdigest()


def hash_tree(
    digest: Any,
    root: Path,
    files: dict[str, bytes] | None = None,
    digest_file: Callable[[str], bytes | None] | None = None,
) -> None:
    """Feed a folder's file names and contents to a hash, in a fixed order. Symlinked folders are
    followed once (as discover.py does), so a symlink loop is not walked round and round.

    Each file counts by its own digest (`digest_of`), noted in `files` (path relative to the
    folder → digest) when given: the read stage keys its cache by them instead of reading every
    file a second time. `digest_file` gives a file's digest, None for what is not a regular file
    (default: read it; see digests.py)."""
    digest_file = digest_file or _regular_file_digest
    top = str(root)
    digest.update(top.encode())
    seen: set[str] = set()
    for folder, dirs, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            rel = path[len(top) + 1 :]  # os.walk's folders start with the top it was given
            digest.update(rel.encode() + b"\0")
            one = digest_file(path)
            if one is None:  # a broken symlink: its name counts, it has no bytes
                digest.update(b"\0not a file\0")
                continue
            digest.update(one)
            if files is not None:
                files[rel.replace(os.sep, "/")] = one


DIGEST_SIZE = 16


class Hasher:
    """The hash of press's digests and fingerprints: SHA-256, cut to its first DIGEST_SIZE bytes
    here, once, for every caller. On a processor with SHA instructions (AMD's since 2017, Intel's
    since Ice Lake, ARMv8) OpenSSL's SHA-256 hashes 1.4 times as fast as blake2b at a kilobyte and
    1.8 times from ten, and a cold build at 2,083 articles hashes some 120 MB (every page's
    inputs, the sources, the texts): hashing went from 2.4% to 1.8% of its CPU. (Without them it
    is the slower of the two.) Cache keys, made from a few short strings, keep blake2b (see key).

    `update` is SHA-256's own bound method, so what pickles straight into the hash (pagememo.py)
    calls no Python code."""

    __slots__ = ("_hash", "update")

    def __init__(self, data: bytes = b""):
        self._hash = hashlib.sha256(data)
        self.update = self._hash.update

    def digest(self) -> bytes:
        return self._hash.digest()[:DIGEST_SIZE]

    def hexdigest(self) -> str:
        return self.digest().hex()


def digest_of(data: bytes) -> bytes:
    """What some bytes (a file, a text, a page) are known by in the cache and the page records."""
    return Hasher(data).digest()


def stream_digest(path: str) -> bytes:
    """digest_of a file, read a chunk at a time (a file may be large)."""
    one = Hasher()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            one.update(chunk)
    return one.digest()


_CHUNK = 1 << 20


def _regular_file_digest(path: str) -> bytes | None:
    return stream_digest(path) if os.path.isfile(path) else None


BUCKETS = 64
WRITTEN_IN_LINE = 4  # buckets to rewrite that save_beside writes in this process (see there)


def bucket(entry_key: str) -> int:
    return zlib.crc32(entry_key.encode()) % BUCKETS


class Shelf:
    """One named table of the cache (`read`, `markdown`, `pages`), kept in a folder of buckets.

    Only entries used by the current build are saved, so the cache holds one site's worth of
    work and doesn't grow with every edit; only buckets whose entries changed are rewritten, so
    saving after a one-article edit writes two small files, not the whole table. A bucket is read
    when one of its entries is first asked for: looking up a key the cache doesn't hold (the
    related lists of a library just edited) doesn't load the lists of the last one.
    """

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._old: dict[str, Any] = {}
        self._loaded: dict[int, set[str]] = {}  # bucket read → the keys its file held
        self._files = _bucket_files(folder)  # buckets with a file at the start
        self.new: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0
        self._dirty: set[int] = set()
        self._taken: dict[str, weakref.ref[Any]] = {}  # see take

    @property
    def old(self) -> dict[str, Any]:
        """Every entry the cache held (read in full on first use; a page memo asks once a page)."""
        if not self._loaded.keys() >= self._files:
            for number in self._files:
                self._read(number)
        return self._old

    def _read(self, number: int) -> None:
        if number in self._loaded:
            return
        entries = _load(self.folder / f"{number:02d}.pickle") if self.folder and number in self._files else {}
        self._old.update(entries)
        self._loaded[number] = set(entries)

    def get(self, entry_key: str) -> Any | None:
        self._read(bucket(entry_key))
        value = self._old.get(entry_key)
        if value is None:
            value = self.new.get(entry_key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self.new[entry_key] = value
        return value

    def take(self, entry_key: str) -> Any | None:
        """The entry, which the shelf then holds no more, so that its user can let go of it part
        way (the last build's term counts, 150 MB at 100,000 articles, once their rows are
        reused). Put back as it was, the very object, it counts as unchanged and isn't rewritten."""
        value = self.get(entry_key)
        if value is not None:
            self._old.pop(entry_key, None)
            del self.new[entry_key]
            try:
                self._taken[entry_key] = weakref.ref(value)
            except TypeError:  # a value without weak references: written again when put back
                self._dirty.add(bucket(entry_key))
        return value

    def put(self, entry_key: str, value: Any) -> None:
        number = bucket(entry_key)
        self._read(number)
        old = self._old.get(entry_key)
        taken = self._taken.pop(entry_key, None)
        if old is None and taken is not None:
            old = taken()
        if old is None or old != value:
            self._dirty.add(number)
        self.new[entry_key] = value

    def get_or(self, entry_key: str, compute: Callable[[], T]) -> T:
        value = self.get(entry_key)
        if value is None:
            value = compute()
            self.put(entry_key, value)
        return value

    def save(self) -> None:
        """Atomically rewrite the buckets that changed, delete those holding nothing this build
        used; a cache that can't be written is just not written."""
        parts = self._parts()
        if self.folder is not None and _write_parts(self.folder, self._changes(parts)):
            self._saved(parts)

    def let_go(self) -> None:
        """Forget the entries (saved, or given to another process to save); counts stay."""
        self.new, self._old = {}, {}

    def keep_only(self, entry_key: str, value: Any) -> None:
        """Put the entry, save, and let go of the entries: for a detached shelf that carries one
        large value (term counts, text scores) from a build to the next."""
        self.put(entry_key, value)
        self.save()
        self.let_go()

    def save_elsewhere(self) -> Changes | None:
        """What `save` would write and delete, for another process to do (see Cache.save_beside);
        this shelf then counts as saved. None when there is no folder."""
        if self.folder is None:
            return None
        parts = self._parts()
        changes = self._changes(parts)
        self._saved(parts)
        return self.folder, changes

    def _parts(self) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = [{} for _ in range(BUCKETS)]
        for entry_key, value in self.new.items():
            parts[bucket(entry_key)][entry_key] = value
        return parts

    def _changes(self, parts: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any] | None]]:
        """Buckets to write (with their entries) or delete (None: nothing of this build's in them,
        so the old ones aren't kept)."""
        changes: list[tuple[int, dict[str, Any] | None]] = []
        for number, entries in enumerate(parts):
            if not entries:
                if number in self._files:
                    changes.append((number, None))
            elif number in self._dirty or entries.keys() != self._loaded.get(number):
                changes.append((number, entries))
        return changes

    def _saved(self, parts: list[dict[str, Any]]) -> None:
        self._files = {number for number, entries in enumerate(parts) if entries}
        self._loaded = {number: set(entries) for number, entries in enumerate(parts) if entries}
        self._old = dict(self.new)
        self._dirty.clear()


Changes = tuple[Path, list[tuple[int, "dict[str, Any] | None"]]]


def _write_parts(folder: Path, changes: list[tuple[int, dict[str, Any] | None]]) -> bool:
    try:
        for number, entries in changes:
            path = folder / f"{number:02d}.pickle"
            if entries is None:
                path.unlink(missing_ok=True)
            else:
                folder.mkdir(parents=True, exist_ok=True)
                _save(path, entries)
    except OSError:
        return False
    return True


def _bucket_files(folder: Path | None) -> set[int]:
    """Bucket numbers whose file is in the folder."""
    if folder is None:
        return set()
    try:
        names = os.listdir(folder)
    except OSError:
        return set()
    found = {name.removesuffix(".pickle") for name in names if name.endswith(".pickle")}
    return {number for number in range(BUCKETS) if f"{number:02d}" in found}


def _save(path: Path, entries: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        pickle.dump(generator_fingerprint(), handle)
        pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _load(path: Path) -> dict[str, Any]:
    """A bucket's entries; none when it was written by another generator (all its keys are stale)."""
    try:
        with path.open("rb") as handle:
            if pickle.load(handle) != generator_fingerprint():
                return {}
            data = pickle.load(handle)
    except FileNotFoundError:
        return {}
    except Exception:  # noqa: BLE001 (any unreadable cache is a cold cache, never a failed build)
        return {}
    return data if isinstance(data, dict) else {}


class Cache:
    """The shelves of one site's cache; `Cache(None)` remembers nothing (as with --no-cache)."""

    def __init__(self, site_dir: Path | None):
        self.folder = site_dir / CACHE_DIR if site_dir else None
        self._shelves: dict[str, Shelf] = {}
        self._saving: list[Background[None]] = []
        self._closed: set[str] = set()  # shelves saved for good (see save_and_close)

    def shelf(self, name: str) -> Shelf:
        if name not in self._shelves:
            self._shelves[name] = self.detached(name)
        return self._shelves[name]

    def detached(self, name: str) -> Shelf:
        """A shelf the caller loads, saves and lets go of itself (one large entry that only a
        background process needs, say): `save` here doesn't see it, so it isn't kept in memory."""
        return Shelf(self.folder / name if self.folder else None)

    def save(self) -> None:
        self.wait()
        if not self._ignored():
            return
        for name, shelf in self._shelves.items():
            if name not in self._closed:
                shelf.save()

    def _ignored(self) -> bool:
        """The folder exists and tells git to ignore it; False when it can't be written."""
        if self.folder is not None and not (self.folder / ".gitignore").exists():
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / ".gitignore").write_text("# press build cache: safe to delete\n*\n")
            except OSError:
                return False
        return True

    def save_and_close(self, name: str) -> None:
        """Save a shelf now and let go of it: a later `save` doesn't see it (a build empties the
        articles' Markdown once the read shelf is saved, see build.let_go_of_markdown)."""
        shelf = self._shelves.get(name)
        if shelf is not None and self._ignored():
            shelf.save()
        self._close(name)

    def _close(self, name: str) -> None:
        """A later `save` leaves the shelf alone, and its entries are let go of: they may hold the
        articles as read, Markdown and all, when the library holds others (given git dates)."""
        self._closed.add(name)
        if name in self._shelves:
            self._shelves[name].let_go()

    def save_beside(self, *names: str) -> None:
        """Save these shelves in a forked process, while this one goes on (`wait` and `save` wait
        for it, and so does Python's exit); a few buckets' changes (WRITTEN_IN_LINE) are written
        here instead.

        For shelves whose entries no forked process would copy much of by pickling them (the
        Markdown drafts: compressed HTML and a few strings): the work leaves the building
        process's path, and pickling there would also leave a UTF-8 copy on every non-ASCII
        string it holds (CPython keeps the encoding it makes for pickle on the str). The read
        shelf, whose articles a forked writer copied whole, is saved in-process instead (see
        save_and_close and Article.__reduce__). The shelves count as saved from now; if the
        writing fails, the next build finds fewer entries, never wrong ones (keys are content
        hashes)."""
        if not self._ignored():
            return
        changes = [found for n in names if n in self._shelves if (found := self._shelves[n].save_elsewhere())]
        for name in names:
            self._close(name)
        if changes and sum(len(buckets) for _folder, buckets in changes) <= WRITTEN_IN_LINE:
            # A few buckets (an edit's): written here, in milliseconds. A forked writer would share
            # the pages of every entry this process then frees, and each page freed after the fork
            # is copied: 0.45 GB at 100,000 articles, as the build waited for the text process.
            _write_all(changes)
        elif changes:
            from generator.parallel import in_background

            writer = in_background(_write_all, changes)
            # The writer has the entries now: this process lets go of them before it forks the
            # render processes (0.3 GB of drafts at 100,000 articles). A writer that dies leaves
            # fewer entries for the next build, never wrong ones.
            writer.without_retry(None)
            self._saving.append(writer)
            atexit.register(self.wait)  # a build that stops early still lets the writing finish

    def wait(self) -> None:
        """Wait for the shelves being saved beside (see save_beside)."""
        while self._saving:
            self._saving.pop()()

    def stats(self) -> dict[str, tuple[int, int]]:
        return {name: (s.hits, s.misses) for name, s in self._shelves.items()}


def _write_all(changes: list[Changes]) -> None:
    for folder, buckets in changes:
        _write_parts(folder, buckets)
