"""Listing output/: on one thread, or on threads once the first folders come slowly off the disk."""

import os
import threading

import pytest

from generator import listing as lister
from generator.listing import MARKER, list_output


def _site_like(root):
    """A folder per page, as a build leaves output/: nested, some empty, a broken symlink, the marker."""
    root.mkdir()
    (root / MARKER).write_text("press")
    (root / "index.html").write_bytes(b"home")
    for year in ("2011", "2012"):
        for month in ("01", "02", "11"):
            for slug in ("a", "b", "c-d"):
                page = root / year / month / slug
                page.mkdir(parents=True)
                (page / "index.html").write_bytes(f"{year}{month}{slug}".encode())
    (root / "tags/empty/inner").mkdir(parents=True)
    (root / "static").mkdir()
    (root / "static/style.css").write_bytes(b"body{}" * 100)
    os.symlink(root / "nowhere", root / "static/broken")
    return root


def _listing(root, monkeypatch, threaded: bool):
    monkeypatch.setattr(lister, "PROBE_FOLDERS", 2)
    monkeypatch.setattr(lister, "SLOW_FOLDER", 0.0 if threaded else 1e9)
    return list_output(root)


def test_threads_list_what_one_thread_lists(tmp_path, monkeypatch):
    """The probe's verdict decides only how output/ is listed, never what the listing holds."""
    root = _site_like(tmp_path / "out")
    one = _listing(root, monkeypatch, threaded=False)
    many = _listing(root, monkeypatch, threaded=True)
    assert one is not None and many is not None
    assert many.files == one.files and many.entries == one.entries
    assert many.files["static/broken"] is None  # can't be stat'ed
    assert MARKER not in many.files and many.entries[""] == 6  # marker, home, 2011, 2012, tags, static
    assert many.entries["tags/empty/inner"] == 0
    assert len([f for f in many.files if f.endswith("/index.html")]) == 18


def test_threads_are_used_only_after_a_slow_start(tmp_path, monkeypatch):
    """Folders the kernel holds are listed on this thread alone (threads fighting over the
    interpreter's lock took twice as long); slow ones start THREADS threads, all ended after."""
    root = _site_like(tmp_path / "out")
    started: list[str] = []
    real = threading.Thread.start

    def counted(thread):
        started.append(thread.name)
        real(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    assert _listing(root, monkeypatch, threaded=False) is not None
    assert started == []
    before = threading.active_count()
    assert _listing(root, monkeypatch, threaded=True) is not None
    assert len(started) == lister.THREADS
    assert threading.active_count() == before


@pytest.mark.parametrize("threaded", [False, True], ids=["one thread", "threads"])
def test_a_folder_that_cannot_be_listed_gives_no_listing(tmp_path, monkeypatch, threaded):
    """No listing rather than a wrong one (the build then walks output/ itself). The failure is
    made by wrapping the scan: this suite runs as root, whom folder permissions don't stop."""
    root = _site_like(tmp_path / "out")
    real = lister._scanned

    def failing(folder, rel):
        if rel == "2012/02":
            raise PermissionError(13, "Permission denied", folder)
        return real(folder, rel)

    monkeypatch.setattr(lister, "_scanned", failing)
    before = threading.active_count()
    assert _listing(root, monkeypatch, threaded) is None
    assert threading.active_count() == before
