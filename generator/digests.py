"""Source files' digests remembered by their stat, as git's index does, so a rebuild reads only
the files that changed.

A build knows every input by the hash of its bytes (see lastbuild.py and the read stage). Reading
and hashing every file is most of a no-op build of a large archive, so each digest is kept with
the file's device, inode, size, mtime and ctime. A file whose stat is unchanged is not read
again. Editing a file, replacing it, or restoring its mtime by hand all change its ctime, which
no ordinary tool can set. Only files whose ctime is older than the start of the build, with a
margin well above any filesystem's timestamp granularity, are remembered. A file written in the
same clock tick as it was hashed would otherwise keep its stat while its bytes change. Windows
reports creation time as st_ctime, so there every file is hashed.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from pathlib import Path
from stat import S_ISREG

from generator.cache import CACHE_DIR, generator_fingerprint, stream_digest

RECORD = "file-digests.pickle"
MARGIN_NS = 3 * 10**9  # well above coarse timestamps (FAT's 2 s); a file this fresh is hashed
Stamp = tuple[int, int, int, int, int]  # st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns


class KnownDigests:
    """Digests of files by path; `of` reads a file only when its stat differs from the record."""

    def __init__(self, site_dir: Path | None):
        self.path = site_dir / CACHE_DIR / RECORD if site_dir is not None and os.name != "nt" else None
        self.started = time.time_ns()
        self.old: dict[str, tuple[Stamp, bytes]] = _load(self.path) if self.path else {}
        self.new: dict[str, tuple[Stamp, bytes]] = {}
        self.read = 0  # files read and hashed (the others were known)

    def of(self, path: str) -> bytes | None:
        """The digest of a file's bytes (cache.digest_of), from the record when its stat is the
        same; None when the path is not a regular file (a broken symlink, say)."""
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None
        if not S_ISREG(stat.st_mode):
            return None
        stamp = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        known = self.old.get(path)
        if known is not None and known[0] == stamp:
            digest = known[1]
        else:
            digest = stream_digest(path)
            self.read += 1
        if max(stat.st_mtime_ns, stat.st_ctime_ns) < self.started - MARGIN_NS:
            self.new[path] = (stamp, digest)
        return digest

    def save(self) -> None:
        """Keep the digests of the files seen this time (a deleted file's is dropped)."""
        if self.path is None or self.new == self.old:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{RECORD}.", dir=self.path.parent)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump((generator_fingerprint(), self.new), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.path)
        except OSError:
            return  # not remembered: the next build hashes every file


def _load(path: Path) -> dict[str, tuple[Stamp, bytes]]:
    """The record; empty when missing, unreadable or written by another generator."""
    try:
        with path.open("rb") as handle:
            fingerprint, known = pickle.load(handle)
    except Exception:  # noqa: BLE001 (a cache that can't be read is a cold one)
        return {}
    if fingerprint != generator_fingerprint() or not isinstance(known, dict):
        return {}
    return known
