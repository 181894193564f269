"""The last build, remembered: a rebuild whose inputs and output/ are exactly as it left them does nothing.

Inputs are known by the hash of their bytes, never by modification times alone: every file under
content/ and themes/, site.toml, the default theme, the generator itself (its fingerprint covers
its source and the libraries its output depends on), the build options, and the git commit the
dates were read from. And the clock, which decides what is published: the record keeps when the
first article it held back for being in the future goes live, and from then on it stands no more.
A file is read again only when its stat changed (see digests.py). Output
is compared by each file's size and mtime against what the last build wrote, so a file touched
by hand is noticed. When everything matches, the last build's warnings are reported again and
nothing else runs: no parsing, no cache loading, no rendering. At 100,000 articles that turns a
half-minute no-op into a look at each source's stat.

Any doubt (no record, an unreadable file, a different anything) means a normal build, which
records afresh when it succeeds.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.cache import CACHE_DIR, generator_fingerprint, hash_tree, stream_digest
from generator.digests import KnownDigests
from generator.errors import Problem
from generator.pagememo import output_files
from generator.stamps import Stamper, Stamps, theme_roots, theme_stamps, unwritten

RECORD = "last-build.pickle"
_HASH = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")  # a commit's id, SHA-1 or SHA-256


@dataclass(frozen=True)
class Before:
    """What a build knows of its inputs before it reads any: their fingerprint (None: some can't
    be read), each content file's digest, and the last build when this one would only redo it."""

    inputs: str | None
    digests: dict[str, bytes]
    last: LastBuild | None
    site_dir: Path  # what it was checked for: the site, output folder and settings
    out_dir: Path
    settings: str
    around: Surroundings | None  # site.toml, the themes and the git commit, as checked


@dataclass(frozen=True)
class Surroundings:
    """What a build reads besides content/ (site.toml, the themes, the git history the dates come
    from), known two ways: by the hash of their bytes (`inputs`, part of the inputs' fingerprint)
    and by their stats (`stamps`, see stamps.py), which show a write even back to the same bytes."""

    inputs: str
    stamps: Stamps


@dataclass(frozen=True)
class LastBuild:
    inputs: str  # hash of every input (see inputs_fingerprint)
    files: dict[str, tuple[int, int]]  # output file → (size, mtime_ns) as written
    problems: list[Problem]  # the warnings it reported
    articles: int
    # When the first article it held back for being in the future goes live (seconds since the
    # epoch; None: none was held back): from then on the same inputs make another site.
    release: float | None = None


def inputs_fingerprint(site_dir: Path, settings: str, content: dict[str, bytes] | None = None) -> str | None:
    """Hash of everything a build reads; None when something can't be read (then: just build).

    `content` receives the digest of each file under content/ (see cache.hash_tree). Files whose
    stat is that of the last build are not read again (see digests.py)."""
    return _inputs(site_dir, settings, content)[0]


def _inputs(
    site_dir: Path, settings: str, content: dict[str, bytes] | None
) -> tuple[str | None, Surroundings | None]:
    """inputs_fingerprint, and the surroundings it includes, which `before` keeps: the build
    compares them with those it finds when done (see settled)."""
    known = KnownDigests(site_dir)
    around = surroundings(site_dir, known)
    if around is None:
        return None, None
    digest = hashlib.blake2b(generator_fingerprint().encode(), digest_size=20)
    digest.update(settings.encode())
    digest.update(around.inputs.encode())
    try:
        hash_tree(digest, site_dir / "content", content, known.of)
    except OSError:
        if content is not None:
            content.clear()
        return None, around
    known.save()
    return digest.hexdigest(), around


def surroundings(site_dir: Path, known: KnownDigests | None = None) -> Surroundings | None:
    """site.toml, the themes and the git commit, hashed and stamped in one walk (None: something
    can't be read); stamped alone, as `settled` does, they give the same stamps."""
    head, stamper = _git_stamper(site_dir)
    digest = hashlib.blake2b(head, digest_size=20)
    of = known.of if known is not None else _file_digest

    def digest_file(path: str) -> bytes | None:
        stamper.add(path)
        return of(path)

    try:
        config = site_dir / "site.toml"
        stamper.add(str(config))
        digest.update(config.read_bytes() if config.is_file() else b"\0no site.toml\0")
        for folder in theme_roots(site_dir):
            hash_tree(digest, folder, digest_file=digest_file)
    except OSError:
        return None
    return Surroundings(digest.hexdigest(), stamper.done())


def settled(site_dir: Path, checked: Before) -> bool:
    """Whether site.toml, the themes and the git history are as the input check found them, not
    written since (stats only): a build reads them after the check (the config at once, the
    templates before the pages render, the dates from git), and one that read other bytes is not
    remembered under the check's fingerprint (saved back to the bytes hashed, the next build would
    skip, showing the ones read)."""
    now = theme_stamps(site_dir, _git_stamper(site_dir)[1])
    return checked.around is not None and unwritten(checked.around.stamps, now)


def history_state(site_dir: Path) -> bytes:
    """What the git dates come from, as bytes to compare: HEAD's commit and the shallow file
    (`press serve` asks before each rebuild; a repository may keep no reflog to watch)."""
    return _git_stamper(site_dir)[0]


def _git_stamper(site_dir: Path) -> tuple[bytes, Stamper]:
    """The history the dates come from, and stamps begun with it and the stats of the files that
    change with it: the reflog, which a commit, reset or checkout writes to (even going back to
    the same commit), and `shallow`, which `git fetch --unshallow` deletes and `--deepen` rewrites
    (history grows behind the same commit, and a shallow clone's dates come from the front matter)."""
    head, git_dir = _git_head(site_dir)
    if git_dir is None:
        return head, Stamper(head)
    shallow = os.path.join(_common_dir(git_dir), "shallow")
    try:
        with open(shallow, "rb") as file:
            head += b"shallow\0" + file.read()
    except FileNotFoundError:
        head += b"full\0"
    except OSError:
        head += b"shallow file unreadable\0"
    stamper = Stamper(head)
    stamper.add(os.path.join(git_dir, "logs", "HEAD"))
    stamper.add(shallow)
    return head, stamper


def _common_dir(git_dir: str) -> str:
    """The folder a linked work tree shares with the main one (where `shallow` is): named by its
    git folder's `commondir` file, as git finds it."""
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as file:
            return os.path.normpath(os.path.join(git_dir, file.read().strip()))
    except OSError:
        return git_dir


def _file_digest(path: str) -> bytes | None:
    return stream_digest(path) if os.path.isfile(path) else None


def before(site_dir: Path, out_dir: Path, settings: str, cache: bool) -> Before:
    """The inputs checked against the last build (without the cache: nothing is remembered)."""
    digests: dict[str, bytes] = {}
    inputs, around = _inputs(site_dir, settings, digests) if cache else (None, None)
    last = unchanged(site_dir, out_dir, inputs)
    return Before(inputs, digests, last, site_dir, out_dir, settings, around)


def recorded(site_dir: Path) -> bool:
    """Whether a build is remembered at all (a first build has nothing to check against)."""
    return _record_path(site_dir).is_file()


def _git_head(site_dir: Path) -> tuple[bytes, str | None]:
    """The commit the git dates come from (history can change while no file does), and the
    repository's git folder (None: no repository, or no commit)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(site_dir), "rev-parse", "--absolute-git-dir", "HEAD"],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return b"no git", None
    # The folder first, then the commit: split at the last line break, a folder's name may hold one.
    git_dir, _, head = done.stdout.removesuffix(b"\n").rpartition(b"\n")
    if done.returncode != 0 or not git_dir or not _HASH.fullmatch(head):
        return b"no commit", None
    return head + b"\n", os.fsdecode(git_dir)


def _record_path(site_dir: Path) -> Path:
    return site_dir / CACHE_DIR / RECORD


def unchanged(site_dir: Path, out_dir: Path, inputs: str | None) -> LastBuild | None:
    """The last build, when this one would do exactly what it did."""
    if inputs is None:
        return None
    try:
        with open(_record_path(site_dir), "rb") as file:
            last = pickle.load(file)
    except Exception:  # noqa: BLE001 (missing, corrupt or from another version: build normally)
        return None
    if not isinstance(last, LastBuild) or last.inputs != inputs:
        return None
    if last.release is not None and time.time() >= last.release:
        return None
    if output_files(str(out_dir)) != last.files:
        return None
    return last


def remember(
    site_dir: Path,
    out_dir: Path,
    inputs: str | None,
    problems: list[Problem],
    articles: int,
    files: dict[str, tuple[int, int]] | None = None,
    release: datetime | None = None,
) -> None:
    """After a successful build: its inputs, the output as now on disk (`files` when the write
    listed it already), its warnings, and when the first article it held back goes live."""
    path = _record_path(site_dir)
    if inputs is None:
        path.unlink(missing_ok=True)
        return
    if files is None:
        files = output_files(str(out_dir))
    if files is None:
        return
    warnings = [p for p in problems if not p.is_error]
    record = LastBuild(inputs, files, warnings, articles, release.timestamp() if release else None)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_bytes(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temp, path)
    except OSError:
        return  # not remembered: the next build is a normal one
