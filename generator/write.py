"""Outputs → output/, so that a reader never sees a half-built site and a deploy sees only changes.

Every output is compared with what is already on disk; only files whose bytes differ are
staged (in a sibling folder), and only once everything is staged are they moved into place
and stale files removed. A build that fails before this point leaves output/ as it was;
unchanged files keep their bytes and mtimes, so rsync and `aws s3 sync` upload only changes.
Staging is done by a `Stager`, which the render workers run themselves: creating thousands of
files is kernel work that two processes do in half the time of one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator.cache import digest_of
from generator.errors import Problem, error
from generator.listing import MARKER, Listing, folders_of
from generator.models import Output, Unchanged
from generator.texts import write_all


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    # Every file now in output/ (but the marker) → (size, mtime_ns), when the write walked it anyway.
    files: dict[str, tuple[int, int]] | None = None

    @property
    def total(self) -> int:
        return len(self.written) + self.unchanged


class UnsafeOutput(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.format())
        self.problem = problem

    def __reduce__(self) -> tuple[type[UnsafeOutput], tuple[Problem]]:
        return UnsafeOutput, (self.problem,)  # raised in a render worker, re-raised in the parent


@dataclass(frozen=True)
class Staged:
    """What staging did with one output; small, so workers send this back instead of the bytes."""

    url: str
    path: str
    written: bool  # its bytes differ from output/'s and are staged
    kept: bool = False  # an `Unchanged` output: not rendered, the file on disk stays
    digest: str = ""  # hash of its bytes (what the page memo records); "" when kept or not needed
    stat: tuple[int, int] | None = None  # size and mtime_ns of the staged file (moving keeps them)


def digest(data: bytes) -> str:
    return digest_of(data).hex()


class Stager:
    """Compares outputs with output/ and stages those that differ, in whichever process runs it
    (render workers share one staging folder; folders already made are remembered per process)."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
        self._made: set[str] = set()
        # No output/ yet (a first build): nothing to compare with, every output is staged. Paths
        # are joined as strings: a cold build stages tens of thousands of pages.
        self._fresh = not out_dir.exists()
        self._staging_root = str(self.staging)

    def clear(self) -> None:
        """Remove this process's staging folder, and those of builds no longer running (a build
        killed mid-way leaves its own beside output/; a build running now keeps its)."""
        prefix = f".{self.out_dir.name}.staging-"
        try:
            names = os.listdir(self.out_dir.parent)
        except OSError:
            return
        for name in names:
            pid = name[len(prefix) :] if name.startswith(prefix) else ""
            path = self.out_dir.parent / name
            if path == self.staging or (pid.isdigit() and not _running(int(pid))):
                shutil.rmtree(path, ignore_errors=True)

    def stage(self, output: Output, hash_bytes: bool = True) -> Staged:
        """Stage one output; `hash_bytes=False` when the page memo fingerprints it already."""
        _refuse_escape(output)
        if isinstance(output, Unchanged):
            return Staged(output.url, output.path, written=False, kept=True)
        hashed = digest(output.data) if hash_bytes else ""
        if not self._fresh and _same(self.out_dir / output.path, output.data):
            return Staged(output.url, output.path, written=False, digest=hashed)
        staged = os.path.join(self._staging_root, output.path)
        folder = os.path.dirname(staged)
        if folder not in self._made:
            _make_folder(folder)
            self._made.add(folder)
        stat = _write_file(staged, output.data)
        return Staged(output.url, output.path, True, digest=hashed, stat=(stat.st_size, stat.st_mtime_ns))


def _make_folder(folder: str) -> None:
    """A page's own folder, whose parent mostly exists already: made with one mkdir, where
    os.makedirs first stats the parent (a cold build makes a folder for each of its pages)."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def _write_file(path: str, data: bytes) -> os.stat_result:
    """Write a new file and stat it through its descriptor: a third less time than pathlib's
    write_bytes and stat, for the tens of thousands of pages of a cold build."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        write_all(handle, data)
        return os.fstat(handle)
    finally:
        os.close(handle)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True


def check_out_dir(out_dir: Path, site_dir: Path) -> Problem | None:
    """Refuse to manage a folder that isn't ours: we delete stale files in it."""
    out, site = out_dir.resolve(), site_dir.resolve()
    if out == site or out in site.parents or (site / "content").resolve().is_relative_to(out):
        return error(
            str(out_dir),
            None,
            None,
            "output folder would contain the site's sources",
            "choose a separate folder, e.g. --out output",
        )
    if out.exists() and not out.is_dir():
        return error(str(out_dir), None, None, "output path is a file", "remove it or choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        return error(
            str(out_dir),
            None,
            None,
            "folder is not empty and was not made by press",
            "empty it or choose another --out; press deletes stale files in its output folder",
        )
    return None


def _same(target: Path, data: bytes) -> bool:
    try:
        if target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False


def _refuse_escape(output: Output) -> None:
    """Last line of defence: urls.output_file already refuses these; a path made some other way
    (a plugin, a future stage) still never writes outside output/."""
    parts = output.path.replace("\\", "/").split("/")
    if output.path.startswith("/") or "" in parts or ".." in parts or "." in parts or "\x00" in output.path:
        raise UnsafeOutput(
            error(output.path, None, None, f"output path for {output.url} would leave the output folder")
        )


def write(
    outputs: Iterable[Output | Staged],
    out_dir: Path,
    stager: Stager | None = None,
    listing: Callable[[], Listing | None] | None = None,
) -> WriteReport:
    """Stage changed outputs (unless workers already did, with `stager`, cleared before they
    began), then move them in and delete stale files. `listing` hands over output/ as listed
    while the pages were made (see list_output); without it output/ is walked after the move."""
    report = WriteReport()
    if stager is None:
        stager = Stager(out_dir)
        stager.clear()
    keep: set[str] = {MARKER}
    claimed: dict[str, str] = {}
    stats: dict[str, tuple[int, int] | None] = {}  # written files' size and mtime, as staged
    try:
        for item in outputs:
            staged = item if isinstance(item, Staged) else stager.stage(item)
            if staged.path in claimed:
                raise UnsafeOutput(
                    error(
                        staged.path,
                        None,
                        None,
                        f"two outputs claim one file: {claimed[staged.path]} and {staged.url}",
                        "run `press check` to see the sources that claim them, then change a slug"
                        " or alias so each URL has a file of its own",
                    )
                )
            claimed[staged.path] = staged.url
            keep.add(staged.path)
            if staged.written:
                report.written.append(staged.path)
                stats[staged.path] = staged.stat
            else:
                report.unchanged += 1
    except BaseException:
        shutil.rmtree(stager.staging, ignore_errors=True)
        raise
    listed = listing() if listing is not None else None  # before the move: output/ as it was
    _commit(stager.staging, out_dir, report, keep, listed, stats)
    return report


def _commit(
    staging: Path,
    out_dir: Path,
    report: WriteReport,
    keep: set[str],
    listed: Listing | None,
    stats: dict[str, tuple[int, int] | None],
) -> None:
    """Move the staged files in and sweep stale ones; `stats` are the written files' sizes and
    mtimes as staged (moving a file keeps them)."""
    if not out_dir.exists():
        staging.mkdir(parents=True, exist_ok=True)
        (staging / MARKER).write_text(
            "This folder is written by press build; stale files in it are deleted.\n"
        )
        staging.rename(out_dir)
        # output/ is the staging folder: its files are those staged, as stat'ed when staged
        if None not in stats.values():
            report.files = dict(stats)  # type: ignore[arg-type] (no None, checked)
        return
    for rel in report.written:
        target = out_dir / rel
        _make_way(out_dir, target, report)
        os.replace(staging / rel, target)
    if not (out_dir / MARKER).exists():  # not touched when present: a deploy would upload it every time
        (out_dir / MARKER).touch()
    shutil.rmtree(staging, ignore_errors=True)
    if listed is not None and listed.fits(report.written):
        _remove_listed(out_dir, keep, report, listed, stats)
    else:
        _remove_stale(out_dir, keep, report)


def _make_way(out_dir: Path, target: Path, report: WriteReport) -> None:
    """The folder a file goes in, with its parents, and nothing of an earlier build in the way
    (no output claims it: a file and a folder can't share a path). A folder where the file now
    goes is removed; so is a file where one of its folders now goes: an alias `/old/story.html`
    that became `/old/story.html/amp/`. (The listing taken before the move then doesn't fit,
    see Listing.fits: output/ is walked instead.)"""
    if target.is_dir():
        shutil.rmtree(target)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return
    except (FileExistsError, NotADirectoryError):
        pass
    path = out_dir
    for part in folder.relative_to(out_dir).parts:
        path = path / part
        if not path.is_dir():  # (a link to a folder is one)
            if path.is_symlink() or path.exists():
                path.unlink()
                report.removed.append(path.relative_to(out_dir).as_posix())
            break  # nothing is below it
    folder.mkdir(parents=True, exist_ok=True)


def _remove_stale(out_dir: Path, keep: set[str], report: WriteReport) -> None:
    """Delete files no output claimed, and folders left empty (plain strings and os.scandir: a
    large archive's output holds hundreds of thousands of files). The files kept are listed with
    their sizes and mtimes on the way, for the last-build record (see lastbuild.py)."""
    report.files = {}
    _prune(str(out_dir), "", keep, report)
    report.removed.sort()


def _prune(folder: str, prefix: str, keep: set[str], report: WriteReport) -> bool:
    """Clean one folder, depth first; True when nothing is left in it."""
    empty = True
    assert report.files is not None
    with os.scandir(folder) as entries:
        for entry in list(entries):
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if _prune(entry.path, rel + "/", keep, report):
                    os.rmdir(entry.path)
                else:
                    empty = False
            elif rel in keep:
                empty = False
                if rel != MARKER:
                    stat = entry.stat()  # as output_files() sees it
                    report.files[rel] = (stat.st_size, stat.st_mtime_ns)
            else:
                os.unlink(entry.path)
                report.removed.append(rel)
    return empty


def _remove_listed(
    out_dir: Path,
    keep: set[str],
    report: WriteReport,
    listed: Listing,
    stats: dict[str, tuple[int, int] | None],
) -> None:
    """_remove_stale from a listing taken before the move: delete files no output claimed and
    folders left empty, and note the files kept (those moved in with their staged stats)."""
    entries = dict(listed.entries)
    written = set(report.written)
    for rel in written - listed.files.keys():  # a new file: its folder holds one entry more
        for folder in folders_of(rel):
            if folder in entries:
                entries[folder] += 1
                break  # the folders below it are new, made by the move, and hold this file
    report.files = {}
    for rel, stat in listed.files.items():
        if rel not in keep:
            os.unlink(out_dir / rel)
            report.removed.append(rel)
            entries[next(folders_of(rel))] -= 1
        elif rel not in written and stat is not None:
            report.files[rel] = stat
    for rel in written:
        found = stats.get(rel)
        if found is None:
            stat = os.stat(out_dir / rel)
            found = (stat.st_size, stat.st_mtime_ns)
        report.files[rel] = found
    for folder in sorted((f for f in entries if f), key=lambda f: f.count("/"), reverse=True):
        if entries[folder] == 0:
            os.rmdir(out_dir / folder)
            entries[next(folders_of(folder))] -= 1
    report.removed.sort()


def update(outputs: Iterable[Output], removed: Iterable[str], out_dir: Path) -> WriteReport:
    """Write some outputs and delete some files of a folder `write` made, for rebuilds that know
    exactly what changed (`press serve`); each file is replaced atomically, unchanged ones untouched."""
    report = WriteReport()
    for output in outputs:
        target = out_dir / output.path
        if _same(target, output.data):
            report.unchanged += 1
            continue
        _make_way(out_dir, target, report)
        temp = target.parent / f".{target.name}.{os.getpid()}.tmp"
        temp.write_bytes(output.data)
        os.replace(temp, target)
        report.written.append(output.path)
    for rel in sorted(set(removed)):
        target = out_dir / rel
        if not target.is_file():
            continue
        target.unlink()
        report.removed.append(rel)
        folder = target.parent
        while folder != out_dir and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return report
