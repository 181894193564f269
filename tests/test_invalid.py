"""Broken sites, one per case under tests/sites/invalid/<case>/: the exact report, a failed exit, and
the previous output/ left byte for byte as it was.

Each case folder holds a site (site.toml + content/, or themes/) and `expected.txt`, the exact
stderr of `press build`; an optional `args.txt` adds arguments. Cases whose files can't be
committed as text (bad bytes, a BOM, CRLF, a 10 MB file, a symlink loop) are written by
GENERATED below into a copy of their folder. After a deliberate change of a message, regenerate
every expected.txt with:

    PRESS_REGEN=1 python3 -m pytest tests/test_invalid.py

and review the diff.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.read import read_article
from generator.source import MAX_BYTES
from tests.conftest import SITES, article, write_site

INVALID = SITES / "invalid"
ARTICLE = "content/articles/2012/12/story.md"


def _bytes(site: Path, rel: str, data: bytes) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _not_utf8(site: Path) -> None:
    _bytes(site, ARTICLE, "---\ntitle: Café\ndate: 2012-12-03\n---\n\nThe café opened.\n".encode("latin-1"))


def _bom(site: Path) -> None:
    """A BOM is accepted; the lines after it still count from 1 (the date's problem is on line 3)."""
    _bytes(site, ARTICLE, b"\xef\xbb\xbf---\ntitle: With a BOM\ndate: 2012-02-30\n---\n\nBody.\n")


def _crlf(site: Path) -> None:
    """CRLF endings are accepted; line numbers are the ones an editor shows."""
    _bytes(site, ARTICLE, b"---\r\ntitle: Windows\r\ndate: 2012-12-03\r\ntags: 7\r\n---\r\n\r\nBody.\r\n")


def _huge(site: Path) -> None:
    head = b"---\ntitle: Huge\ndate: 2012-12-03\n---\n\n"
    _bytes(site, ARTICLE, head + b"word " * (10 * 2**20 // 5))


def _symlink_loop(site: Path) -> None:
    _bytes(site, ARTICLE, article("Fine", "2012-12-03").encode())
    os.symlink("..", site / "content/articles/2012/loop")


GENERATED: dict[str, Callable[[Path], None]] = {
    "not-utf8": _not_utf8,
    "bom": _bom,
    "crlf": _crlf,
    "huge-file": _huge,
    "symlink-loop": _symlink_loop,
}
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def previous_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real output/ from an earlier, good build: every failed build must leave it as it was."""
    from generator.cli import main

    site = write_site(
        tmp_path_factory.mktemp("good"),
        {"content/articles/2012/12/good.md": article("Good", "2012-12-03", tags=["A"], authors=["B"])},
    )
    assert main(["build", str(site)]) == 0
    return site / "output"


def test_every_case_has_an_expected_report():
    assert set(GENERATED) <= set(CASES)
    missing = [c for c in CASES if not (INVALID / c / "expected.txt").exists()]
    assert not missing or os.environ.get("PRESS_REGEN"), f"no expected.txt in {missing}"


@pytest.mark.parametrize("case", CASES)
def test_broken_site_reports_exactly_and_leaves_output(case, tmp_path, previous_output, press):
    site = tmp_path / "site"
    shutil.copytree(INVALID / case, site, symlinks=True)
    (site / "expected.txt").unlink(missing_ok=True)
    if case in GENERATED:
        GENERATED[case](site)
    out = tmp_path / "output"
    shutil.copytree(previous_output, out)
    before = _snapshot(out)
    args_file = INVALID / case / "args.txt"
    extra = args_file.read_text().split() if args_file.exists() else []

    code, stdout, stderr = press("build", str(site), "--out", str(out), *extra)

    expected_file = INVALID / case / "expected.txt"
    if os.environ.get("PRESS_REGEN"):
        expected_file.write_text(stderr)
    assert stderr == expected_file.read_text()
    assert code == 1
    assert "output left untouched" in stderr
    assert _snapshot(out) == before
    assert not list(tmp_path.glob(".output.staging-*"))


def test_every_problem_line_is_located(tmp_path):
    """Every reported line has the `path:line: ` shape except the few that have no line to give."""
    for case in CASES:
        lines = (INVALID / case / "expected.txt").read_text().splitlines()[:-1]
        for line in lines:
            where = line.split(": ", 1)[0]
            assert where.startswith(("content/", "site.toml", "themes/")), (case, line)
            if case not in ("huge-file", "symlink-loop"):
                assert ":" in where and where.rsplit(":", 1)[1].isdigit(), (case, line)
            assert "(hint: " in line, (case, line)


# -- what is *not* an error ---------------------------------------------------------------------------

TZ = ZoneInfo("UTC")


def test_bom_and_crlf_articles_read_cleanly(tmp_path):
    content = tmp_path / "content"
    _bytes(tmp_path, "content/articles/a.md", b"\xef\xbb\xbf---\ntitle: BOM\ndate: 2012-12-03\n---\nText.\n")
    _bytes(tmp_path, "content/articles/b.md", b"---\r\ntitle: CRLF\r\ndate: 2012-12-03\r\n---\r\nText.\r\n")
    for name, title in (("a.md", "BOM"), ("b.md", "CRLF")):
        found, problems = read_article(content, f"articles/{name}", TZ)
        assert problems == []
        assert found is not None
        assert (found.title, found.date.date(), found.body.strip()) == (title, date(2012, 12, 3), "Text.")
        assert "\r" not in found.body


def test_unknown_front_matter_keys_go_to_extra(tmp_path):
    text = article("Kept", "2012-12-03", desk="Foreign", wordcount=812, legacy={"id": 7})
    _bytes(tmp_path, "content/articles/a.md", text.encode())
    found, problems = read_article(tmp_path / "content", "articles/a.md", TZ)
    assert problems == []
    assert found is not None
    assert found.extra == {"desk": "Foreign", "wordcount": 812, "legacy": {"id": 7}}


def test_a_file_just_under_the_limit_is_read(tmp_path):
    head = b"---\ntitle: Long\ndate: 2012-12-03\n---\n\n"
    _bytes(tmp_path, "content/articles/a.md", head + b"x" * (MAX_BYTES - len(head)))
    found, problems = read_article(tmp_path / "content", "articles/a.md", TZ)
    assert problems == [] and found is not None
