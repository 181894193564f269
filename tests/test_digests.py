"""Source files' digests are remembered by stat (digests.py): a file is read again whenever its
bytes may have changed, even when its size and mtime are those of the last build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import digests
from generator.build import Options, build
from generator.cache import digest_of
from generator.digests import KnownDigests
from tests.conftest import article


@pytest.fixture
def old_files(monkeypatch):
    """Files written by the test count as old enough to remember (digests.MARGIN_NS keeps files
    written in the last seconds out of the record; a test would have to wait that long)."""
    monkeypatch.setattr(digests, "MARGIN_NS", 0)


def remembered(site: Path, *paths: Path) -> KnownDigests:
    known = KnownDigests(site)
    for path in paths:
        known.of(str(path))
    known.save()
    return KnownDigests(site)


def same_size_other_bytes(path: Path) -> None:
    """Rewrite a file in place, "alpha" becoming "omega", then put its mtime back."""
    before = path.stat()
    data = path.read_bytes()
    assert b"alpha" in data
    path.write_bytes(data.replace(b"alpha", b"omega"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_file_whose_stat_is_unchanged_is_not_read_again(tmp_path, old_files):
    path = tmp_path / "a.md"
    path.write_text("alpha")
    known = remembered(tmp_path, path)
    assert known.of(str(path)) == digest_of(b"alpha")
    assert known.read == 0


@pytest.mark.parametrize("change", ["edited keeping size and mtime", "replaced by another file"])
def test_a_changed_file_is_read_again(tmp_path, old_files, change):
    path = tmp_path / "a.md"
    path.write_text("alpha")
    known = remembered(tmp_path, path)
    if change == "edited keeping size and mtime":
        same_size_other_bytes(path)  # only the ctime tells
    else:
        other = tmp_path / "b.md"
        other.write_text("omega")
        os.utime(other, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
        os.replace(other, path)  # same size and mtime, another inode
    assert known.of(str(path)) == digest_of(path.read_bytes()) != digest_of(b"alpha")
    assert known.read == 1


def test_a_file_written_moments_ago_is_not_remembered(tmp_path):
    """It could change again within the same timestamp tick; the next build reads it again."""
    path = tmp_path / "a.md"
    path.write_text("alpha")
    known = remembered(tmp_path, path)
    known.of(str(path))
    assert known.read == 1


def test_a_corrupt_record_is_ignored(tmp_path, old_files):
    path = tmp_path / "a.md"
    path.write_text("alpha")
    remembered(tmp_path, path)
    (tmp_path / ".cache" / digests.RECORD).write_bytes(b"\x80\x05 not a pickle")
    known = KnownDigests(tmp_path)
    assert known.of(str(path)) == digest_of(b"alpha")
    assert known.read == 1


def test_not_a_regular_file_has_no_digest(tmp_path):
    (tmp_path / "broken").symlink_to(tmp_path / "missing")
    (tmp_path / "folder").mkdir()
    known = KnownDigests(tmp_path)
    assert known.of(str(tmp_path / "broken")) is None
    assert known.of(str(tmp_path / "folder")) is None


def test_a_build_sees_an_edit_that_keeps_size_and_mtime(make_site, old_files):
    site = make_site({"content/articles/2012/12/alpha.md": article("Alpha", "2012-12-03", "Body alpha.")})
    page = site / "output/2012/12/03/alpha/index.html"
    assert build(site, Options(jobs=1)).ok
    assert "Body alpha." in page.read_text()
    assert (site / ".cache" / digests.RECORD).is_file()
    same_size_other_bytes(site / "content/articles/2012/12/alpha.md")
    assert build(site, Options(jobs=1)).ok
    assert "Body omega." in page.read_text()
