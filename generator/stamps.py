"""Whether files were written while a build read them: each file's stat, taken before and after.

A build reads site.toml, the theme and the git history after the input check hashed them. A file
saved in between, even saved back to the same bytes (an editor that saves by truncating and
writing), was read as other bytes than those hashed; no hash taken afterwards can tell. Its stat
can: every write changes a file's ctime (and mtime), which no ordinary tool sets back. So the
stats of those files (device, inode, size, mtime, ctime) are taken before and compared after.

On a filesystem with coarse timestamps (whole seconds: FAT, HFS+, ext3), a write in the same
second as the one before keeps the stat: stamps taken while such a file is that fresh (see
digests.MARGIN_NS) count as written whatever comes after. (Nanosecond timestamps that fall on a
whole second, one in a billion, only cost a build that is not remembered.)
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from generator.cache import hash_tree
from generator.digests import MARGIN_NS
from generator.themes import DEFAULT_THEME


@dataclass(frozen=True)
class Stamps:
    value: str  # hash of the paths and stats
    fresh: bool  # a file with coarse timestamps was written less than MARGIN_NS before


class Stamper:
    """Stamps of files, added one at a time in a fixed order."""

    def __init__(self, seed: bytes = b""):
        self._hash = hashlib.blake2b(seed, digest_size=20)
        self._since = time.time_ns() - MARGIN_NS
        self._fresh = False

    def add(self, path: str) -> None:
        try:
            stat = os.stat(path)
        except OSError:
            self._hash.update(path.encode() + b"\0missing\0")
            return
        numbers = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        self._hash.update(path.encode() + b"\0" + repr(numbers).encode())
        recent = max(stat.st_mtime_ns, stat.st_ctime_ns) >= self._since
        self._fresh = self._fresh or (recent and coarse(stat.st_mtime_ns, stat.st_ctime_ns))

    def add_tree(self, root: Path) -> None:
        """Every file under a folder, in hash_tree's order (symlinked folders followed once)."""

        def stamped(path: str) -> bytes:
            self.add(path)
            return b""

        hash_tree(hashlib.blake2b(), root, digest_file=stamped)

    def done(self) -> Stamps:
        return Stamps(self._hash.hexdigest(), self._fresh)


def coarse(*times_ns: int) -> bool:
    """Whether timestamps look like a filesystem's that keeps whole seconds only."""
    return all(t % 1_000_000_000 == 0 for t in times_ns)


def theme_roots(site_dir: Path) -> tuple[Path, Path]:
    """The folders of every theme a site may use (its own, and press's default), in the order
    both the input check's hash (lastbuild.surroundings) and the stamps walk them: stamps taken
    by either must match when nothing was written."""
    return site_dir / "themes", DEFAULT_THEME


def theme_stamps(site_dir: Path, stamper: Stamper | None = None) -> Stamps:
    """site.toml and every file of the themes (see theme_roots), after what `stamper` holds
    already (lastbuild.surroundings stamps the same files in the same order)."""
    stamper = stamper or Stamper()
    stamper.add(str(site_dir / "site.toml"))
    for folder in theme_roots(site_dir):
        stamper.add_tree(folder)
    return stamper.done()


def unwritten(before: Stamps | None, after: Stamps | None) -> bool:
    """Whether nothing stamped was written between the two stampings (None: not stamped)."""
    return before is not None and after is not None and not before.fresh and before.value == after.value
