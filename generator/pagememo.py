"""Which pages need rendering at all: a page whose render inputs are those of the file on disk is kept.

A page's fingerprint is the hash of everything its template sees — the context dicts, built on
purpose from plain values (see views.py) — plus the theme's files, the output folder and the
generator's own fingerprint. If it equals the fingerprint recorded when the file now on disk was
written (and the file's size and mtime are still those we recorded), rendering it again would
give the same bytes, so it isn't rendered. Anything that can't be fingerprinted is just rendered.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any, TypeVar

from generator.cache import Hasher, Shelf, key
from generator.listing import list_output

Record = tuple[str, int, int]  # fingerprint, size, mtime_ns of the file written with it
SITE = ""  # the shelf key of the whole site's fingerprint (no output has an empty path)


class PageMemo:
    def __init__(self, shelf: Shelf, out_dir: Path, salt: str):
        self.shelf = shelf
        self.out_dir = out_dir
        self._root = str(out_dir)
        self.salt = key("pages", salt, str(out_dir))
        self.fresh: dict[str, str] = {}  # output path → fingerprint, for pages rendered in this process

    def fingerprint(self, template: str, url: str, context: dict[str, Any]) -> str | None:
        return site_fingerprint(self.salt, template, url, context)

    def unchanged(self, path: str, fingerprint: str) -> bool:
        """True when the file on disk was written from this very fingerprint and not touched since."""
        record: Record | None = self.shelf.old.get(path)
        if record is None or record[0] != fingerprint:
            return False
        try:
            stat = os.stat(os.path.join(self._root, path))
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == record[1:]

    def keep(self, path: str) -> None:
        """In the main process: a page found unchanged (maybe by a worker) keeps its record."""
        self.shelf.put(path, self.shelf.old[path])

    def record(self, fingerprints: dict[str, str], known: dict[str, tuple[int, int]] | None = None) -> None:
        """After writing: remember the fingerprint, size and mtime of each page now on disk
        (`known`: sizes and mtimes the write took already, see WriteReport.files)."""
        for path, fingerprint in fingerprints.items():
            found = known.get(path) if known is not None else None
            if found is None:
                try:
                    stat = os.stat(os.path.join(self._root, path))
                except OSError:
                    continue
                found = (stat.st_size, stat.st_mtime_ns)
            self.shelf.put(path, (fingerprint, *found))

    def site_unchanged(self, fingerprint: str) -> bool:
        """True when the whole site's inputs are those of the last build and output/ holds exactly
        the files that build wrote, untouched: then no page needs rendering or comparing."""
        old = self.shelf.old
        if old.get(SITE) != fingerprint:
            return False
        recorded = {path: record for path, record in old.items() if path != SITE}
        on_disk = output_files(self._root)
        if on_disk is None or on_disk.keys() != recorded.keys():
            return False
        if any(on_disk[path] != record[1:] for path, record in recorded.items()):
            return False
        self.shelf.new = dict(old)
        return True

    def record_site(self, fingerprint: str) -> None:
        self.shelf.put(SITE, fingerprint)


class CheckedPages(PageMemo):
    """`press check`'s memo: the pages that rendered without error from these very inputs.

    A check writes no file, so none is compared: a page's fingerprint alone says it rendered from
    the same inputs (templates, theme, settings and generator included, see PageMemo) and so would
    render, without error, again. The pre-commit hook runs a check on every commit: rendering
    every page was most of it (1.4 of 2.2 s at 2,083 articles)."""

    def __init__(self, shelf: Shelf, salt: str):
        super().__init__(shelf, Path("."), key("checked", salt))

    def unchanged(self, path: str, fingerprint: str) -> bool:
        return self.shelf.old.get(path) == fingerprint

    def record_checked(self, fingerprints: dict[str, str]) -> None:
        """After every page rendered: those rendered now, beside those kept (see `keep`)."""
        for path, fingerprint in fingerprints.items():
            self.shelf.put(path, fingerprint)


def site_fingerprint(salt: str, *parts: Any) -> str | None:
    """Hash of everything a page (or a whole site) is made from, pickled straight into the hash
    (no copy). Anything that can't be pickled gives None: no shortcut, the page is just rendered."""
    digest = _hashed(salt, parts)
    return digest.hexdigest() if digest is not None else None


def input_digest(salt: str, *parts: Any) -> bytes | None:
    """site_fingerprint as its DIGEST_SIZE bytes: what a page's inputs hold of each article they
    name (see views.ViewMaker.teaser_print), a whole archive's worth kept in each render process."""
    digest = _hashed(salt, parts)
    return digest.digest() if digest is not None else None


def _hashed(salt: str, parts: tuple[Any, ...]) -> Hasher | None:
    digest = Hasher(salt.encode())
    return digest if _dump(digest, parts) else None


class SharedDict(dict):  # type: ignore[type-arg]
    """A value many pages show (an article's teaser is on five index pages and a feed): its
    fingerprint is its content's digest, taken once (see `shared`), not its content pickled again
    for every page. Templates see a plain dict."""

    __slots__ = ("digest",)
    digest: bytes


class SharedList(list):  # type: ignore[type-arg]
    """As SharedDict, for a list (the links to every page of one index, shown on each of them)."""

    __slots__ = ("digest",)
    digest: bytes


Shareable = TypeVar("Shareable", dict, list)  # type: ignore[type-arg]


def shared(value: Shareable) -> Shareable:
    """The value as a SharedDict or SharedList, its digest taken from its content (two equal
    values have one digest, whichever pages show them); None digest when it can't be pickled."""
    made: SharedDict | SharedList = SharedDict(value) if isinstance(value, dict) else SharedList(value)
    digest = Hasher()
    made.digest = digest.digest() if _dump(digest, value) else b""
    return made if made.digest else value  # type: ignore[return-value]


def _dump(digest: Any, value: Any) -> bool:
    pickler = _Fingerprinter(_HashWriter(digest), protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: equal values give equal bytes whether or not they are one object
    try:
        pickler.dump(value)
    except Exception:  # noqa: BLE001 (not picklable: render, don't guess)
        return False
    return True


class _Fingerprinter(pickle.Pickler):
    """Pickles shared values as their digest (pickle asks this only of values that are not plain
    dicts, lists, strings or numbers, so plain contexts pickle at C speed)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, (SharedDict, SharedList)):
            return _shared_digest, (obj.digest,)
        return NotImplemented


def _shared_digest(digest: bytes) -> bytes:
    """Names a shared value in fingerprints; fingerprints are never unpickled."""
    return digest


class _HashWriter:
    def __init__(self, digest: Any):
        self.write = digest.update  # pickle ignores what write returns


def output_files(root: str) -> dict[str, tuple[int, int]] | None:
    """Every file under output/ (except press's marker) → (size, mtime_ns); None when output/
    can't be listed or a file in it can't be stat'ed (then nothing is taken as unchanged)."""
    listing = list_output(Path(root))
    if listing is None or None in listing.files.values():
        return None
    return listing.files  # type: ignore[return-value] (no None, checked)
