"""Articles read by the early reader (see earlyread.py) are those reading them here gives, and a
file or time zone that changed after it read them is read again."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from generator import lastbuild
from generator.build import read_all
from generator.cache import Cache
from generator.config import load_config
from generator.earlyread import EARLY_FROM, EarlyReader
from tests.conftest import article, run_press

COUNT = EARLY_FROM + 40  # enough that the reader reads at all


@pytest.fixture(autouse=True)
def own_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of the test's own, where the reader's answer file goes."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _site(make_site, site_toml: str = 'title = "Test"\n', broken: bool = True) -> Path:
    files = {
        f"content/articles/2020/{1 + n % 12:02d}/story-{n:03d}.md": article(
            f"Story {n}", f"2020-{1 + n % 12:02d}-{1 + n % 28:02d}", f"Body of story {n}.", tags=[f"T{n % 7}"]
        )
        for n in range(COUNT)
    }
    for n in range(5):
        files[f"content/authors/writer-{n}.md"] = f"---\nname: Writer {n}\nbio: Writes.\n---\nLonger bio.\n"
    if broken:
        files["content/articles/2020/05/broken.md"] = "---\ntitle: [unclosed\n---\nBody.\n"
    return make_site(files, site_toml)


def _read(site: Path, early: EarlyReader | None = None, digests: dict[str, bytes] | None = None):
    config, _ = load_config(site)
    problems: list = []
    articles, authors, _ = read_all(site, config, problems, Cache(None), 1, digests, None, early)
    if early is not None:  # read_all took everything from it: it has ended, its answer is gone
        assert not early.reading()
        assert list(Path(tempfile.gettempdir()).iterdir()) == []
    return articles, authors, sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))


def _finished(reader: EarlyReader) -> EarlyReader:
    """Wait until the reader has read every article (nobody meets it from the start)."""
    deadline = time.monotonic() + 60
    while reader.reading() and time.monotonic() < deadline:
        time.sleep(0.01)
    return reader


def test_what_the_early_reader_read_is_what_reading_here_gives(make_site):
    site = _site(make_site)
    reader = _finished(EarlyReader.start(site, None))
    read = _read(site, reader)
    assert read == _read(site)
    assert len(read[0]) == COUNT and len(read[1]) == 5
    assert reader.stop() == COUNT + 1, "every article, the broken one too, was the early reader's"


def test_a_source_changed_after_the_early_reader_read_it_is_read_again(make_site):
    site = _site(make_site)
    reader = _finished(EarlyReader.start(site, None))
    changed = site / "content/articles/2020/03/story-002.md"
    changed.write_text(changed.read_text().replace('"Story 2"', '"Story 2, corrected"'))
    profile = site / "content/authors/writer-3.md"
    profile.write_text(profile.read_text().replace("Writer 3", "Writer Three"))
    digests: dict[str, bytes] = {}
    lastbuild.inputs_fingerprint(site, "", digests)  # what the build knows the files by: now
    articles, authors, _ = _read(site, reader, digests)
    titles = {a.id: a.title for a in articles}
    assert titles["articles/2020/03/story-002.md"] == "Story 2, corrected"
    assert titles["articles/2020/04/story-003.md"] == "Story 3"
    assert sorted(a.name for a in authors) == [f"Writer {n}" for n in (0, 1, 2, 4)] + ["Writer Three"]
    assert reader.stop() == COUNT + 1


def test_a_time_zone_changed_after_the_early_reader_read_is_read_in(make_site):
    site = _site(make_site)
    reader = _finished(EarlyReader.start(site, None))
    (site / "site.toml").write_text('title = "Test"\ntimezone = "Europe/Moscow"\n')
    articles, _, _ = _read(site, reader)
    assert {a.date.utcoffset().total_seconds() for a in articles} == {3 * 3600}
    assert articles == _read(site)[0]


def test_reading_from_both_ends_at_once_gives_every_article_once(make_site):
    """The build's reading meets the early reader somewhere in the list: wherever that is,
    each article is read by one of the two and the result is that of reading them all here."""
    site = _site(make_site)
    reader = EarlyReader.start(site, None)
    assert reader is not None
    assert _read(site, reader) == _read(site)
    assert 0 <= reader.stop() <= COUNT + 1


@pytest.mark.parametrize(
    ("site_toml", "broken", "error"),
    [
        ('title = "Test"\n', False, None),
        ('title = "Test"\ntimezone = "Mars/Olympus"\n', False, "unknown time zone 'Mars/Olympus'"),
        ('title = "Test"\n', True, "broken.md:2: invalid YAML"),
    ],
)
def test_builds_leave_no_early_reader_behind(make_site, tmp_path: Path, site_toml, broken, error):
    """A cold build, a no-op build, builds stopped by a bad site.toml or a bad article: no
    answer file is left behind."""
    site = _site(make_site, site_toml, broken)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"TMPDIR": str(temp)}
    first = run_press("build", str(site), "--jobs", "2", env=env)
    again = run_press("build", str(site), "--jobs", "2", env=env)
    if error:
        assert first.returncode == again.returncode == 1
        assert error in first.stderr
    else:
        assert first.returncode == again.returncode == 0, first.stderr[-2000:]
        assert f"Built {COUNT} articles" in first.stdout
        assert "0 files written" in again.stdout
    assert list(temp.iterdir()) == []
    assert tempfile.gettempdir() != str(temp)


def test_an_archive_the_early_reader_declines_is_read_as_usual(make_site, monkeypatch):
    """From EARLY_BELOW articles the reader reads nothing (the build's own processes read them,
    as without it): the read stage then reads in parallel as usual."""
    import generator.earlyread as earlyread

    site = _site(make_site)
    monkeypatch.setattr(earlyread, "EARLY_BELOW", COUNT // 2)  # inherited by the forked reader
    reader = EarlyReader.start(site, None)
    assert reader is not None
    assert not reader.reads()
    config, _ = load_config(site)
    problems: list = []
    articles, authors, _ = read_all(site, config, problems, Cache(None), 2, None, None, reader)
    assert (articles, authors) == _read(site)[:2]
    assert reader.stop() == 0


def test_a_file_over_the_size_limit_is_refused_as_reading_here_refuses_it(make_site):
    from generator.source import MAX_BYTES

    site = _site(make_site, broken=False)
    huge = site / "content/articles/2020/12/huge.md"
    huge.write_text("---\ntitle: Huge\ndate: 2020-12-01\n---\n" + "x" * MAX_BYTES + "\n")
    reader = _finished(EarlyReader.start(site, None))
    articles, authors, problems = _read(site, reader)
    assert (articles, authors, problems) == _read(site)
    assert [p.message for p in problems] == ["file is 5.0 MB, over the 5 MB limit for one article"]
    assert reader.stop() == COUNT + 1, "the early reader read it, and refused it"


def test_press_build_forks_the_reader_before_importing_the_build(make_site):
    """`press build` starts the reader before it imports Jinja, Markdown and the pipeline (a tenth
    of a second of a cold build on one core, with the reader reading meanwhile), and the build
    reads with that reader, not a second one; the importers' writing is `press import`'s alone.
    Run in a fresh interpreter, whose imports are those of the command alone."""
    import subprocess
    import sys

    site = _site(make_site, broken=False)
    probe = (
        "import sys\n"
        "import generator.earlyread as e\n"
        "started = []\n"
        "real = e.EarlyReader.start.__func__\n"
        "def start(cls, *args):\n"
        "    heavy = ('generator.build', 'jinja2', 'markdown', 'generator.importers.archive')\n"
        "    started.append(sorted(m for m in heavy if m in sys.modules))\n"
        "    return real(cls, *args)\n"
        "e.EarlyReader.start = classmethod(start)\n"
        "from generator.cli import main\n"
        "code = main(['build', sys.argv[1], '--jobs', '2'])\n"
        "print('code', code, 'starts', started)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(site)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "code 0 starts [[]]", done.stderr[-2000:]
