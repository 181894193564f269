"""The raw-article-text importer: the seed, every variant of scraped text, errors, related titles."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from generator.importers import seedtext
from generator.importers.archive import import_archive
from tests.conftest import ROOT, SITES, run_press

FIXTURES = SITES / "import" / "seedtext"


def front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def imported(tmp_path: Path, *sources: Path) -> Path:
    """Import the given documents into a fresh content/ folder (in-process; the CLI has its own tests)."""
    content = tmp_path / "content"
    for source in sources:
        report = import_archive(source, content)
        assert report.ok, "\n".join(report.lines())
    return content


def test_seeds_import_to_exactly_the_example_archive(tmp_path: Path):
    """content/articles is what `press import seeds/` writes, byte for byte, and nothing else."""
    content = imported(tmp_path, ROOT / "seeds")
    made = sorted(p.relative_to(content).as_posix() for p in content.rglob("*.md"))
    shipped = sorted(
        p.relative_to(ROOT / "content").as_posix() for p in (ROOT / "content/articles").rglob("*.md")
    )
    assert made == shipped
    for rel in made:
        assert (content / rel).read_bytes() == (ROOT / "content" / rel).read_bytes(), rel


def test_seed_front_matter_and_body(tmp_path: Path):
    content = imported(tmp_path, ROOT / "seeds")
    meta, body = front_matter(content / "articles/2012/12/lavrov-yields-to-nato-missile-plan-in-turkey.md")
    url = "https://www.themoscowtimes.com/2012/12/03/lavrov-yields-to-nato-missile-plan-in-turkey-a19907"
    assert meta == {
        "title": "Lavrov Yields to NATO Missile Plan in Turkey",
        "date": date(2012, 12, 3),
        "authors": ["Nikolaus von Twickel"],
        "image": {
            "caption": "Lavrov, his hand bandaged, arriving at NATO headquarters to meet with fellow foreign "
            "ministers on Tuesday.",
            "credit": "Yves Herman",
        },
        "source_url": url,
        "aliases": ["/2012/12/03/lavrov-yields-to-nato-missile-plan-in-turkey-a19907"],
        "related": [
            "Lavrov to Meet With NATO Foreign Ministers",
            "Foreign Ministry Denies Lavrov Broke Arm in Turkey",
            "In Istanbul, Putin Slams Missile Plan",
        ],
    }
    assert body.startswith("\nBRUSSELS — Foreign Minister Sergei Lavrov signaled on Tuesday")
    assert body.endswith("Doctors diagnosed a fractured wrist, Turkey's NTV news channel reported.\n")
    assert "Related articles" not in body and "Original url" not in body and "Yves Herman" not in body


def test_importing_twice_changes_nothing_and_never_overwrites(tmp_path: Path):
    content = imported(tmp_path, ROOT / "seeds")
    target = content / "articles/2012/12/lavrov-yields-to-nato-missile-plan-in-turkey.md"
    first = target.read_bytes()
    again = run_press("import", str(ROOT / "seeds"), "--into", str(content))
    assert again.returncode == 0
    assert "0 created, 1 unchanged, 0 replaced, 0 skipped, 0 failed" in again.stdout
    assert target.read_bytes() == first
    target.write_bytes(first.replace(b"BRUSSELS", b"BRUSSELS (edited)"))
    kept = run_press("import", str(ROOT / "seeds"), "--into", str(content))
    assert "1 skipped" in kept.stdout and "--force" in kept.stdout
    assert b"(edited)" in target.read_bytes()
    forced = run_press("import", str(ROOT / "seeds"), "--into", str(content), "--force")
    assert "1 replaced" in forced.stdout
    assert target.read_bytes() == first


def _one(tmp_path: Path, name: str) -> tuple[str, dict, str]:
    content = imported(tmp_path, FIXTURES / name)
    (written,) = content.rglob("*.md")
    meta, body = front_matter(written)
    return written.relative_to(content).as_posix(), meta, body


def test_several_authors_joined_by_and(tmp_path: Path):
    path, meta, body = _one(tmp_path, "two-authors.txt")
    assert path == "articles/2011/03/harbor-ferry-returns-after-winter-pause.md"
    assert meta["authors"] == ["Anna Berg", "Tomas Field"]
    assert meta["image"] == {"caption": "The ferry at the north pier is back.", "credit": "Lena Ruiz"}
    assert meta["related"] == ["Ferry Service Paused for Winter"]
    assert (
        body == "\nThe harbor ferry resumed its route on Monday after a three-month pause.\n\n"
        "Riders said the morning crossing was calm.\n"
    )


def test_several_authors_with_commas_and_url_on_the_same_line(tmp_path: Path):
    path, meta, _ = _one(tmp_path, "three-authors.txt")
    assert meta["authors"] == ["Maria Olsen", "Peter Quill", "Jane Doe"]
    assert path == "articles/2010/06/city-council-approves-library-budget.md"
    assert meta["aliases"] == ["/2010/06/02/city-council-approves-library-budget-b7701"]


def test_no_byline(tmp_path: Path):
    path, meta, body = _one(tmp_path, "no-byline.txt")
    assert "authors" not in meta
    assert str(meta["date"]) == "2013-01-20"
    assert body.strip() == "Road crews closed the pass overnight."


def test_no_publisher_id_means_no_alias_equal_to_the_own_url(tmp_path: Path):
    """The URL has no trailing id, so the old path is the article's own URL: no alias claims it twice."""
    _, meta, _ = _one(tmp_path, "no-byline.txt")
    assert meta["source_url"] == "https://news.example.org/2013/01/20/snow-closes-mountain-pass"
    assert "aliases" not in meta


def test_agency_byline_without_by(tmp_path: Path):
    _, meta, body = _one(tmp_path, "agency-byline.txt")
    assert meta["authors"] == ["Reuters", "AP"]
    assert "Reuters" not in body


@pytest.mark.parametrize("name", ["date-abbreviated.txt", "date-day-first.txt", "date-iso.txt"])
def test_other_date_spellings(tmp_path: Path, name: str):
    path, meta, _ = _one(tmp_path, name)
    assert str(meta["date"]) == "2012-12-03"
    assert path.startswith("articles/2012/12/")
    assert meta["authors"] == ["Carla Stone"]


def test_no_dateline_takes_the_date_from_the_original_url(tmp_path: Path):
    path, meta, body = _one(tmp_path, "date-from-url.txt")
    assert str(meta["date"]) == "2019-02-05"
    assert path == "articles/2019/02/harbor-crane-retired.md"
    assert body.strip() == "The old crane at the south dock was taken down after sixty years."


def test_no_caption_keeps_a_bold_ending_paragraph_in_the_body(tmp_path: Path):
    _, meta, body = _one(tmp_path, "no-caption.txt")
    assert "image" not in meta
    assert body.startswith("\nThe choir from the east district")
    assert "practiced **every evening** for a year." in body
    assert meta["related"] == ["Choir Heads to National Final", "East District Opens Music School"]


def test_no_related_list(tmp_path: Path):
    _, meta, body = _one(tmp_path, "no-related.txt")
    assert "related" not in meta
    assert meta["image"] == {"caption": "Crews at work on a line east of town.", "credit": "Sam Park"}
    assert body.strip() == "Power returned to most homes by Tuesday night."


def test_url_without_angle_brackets(tmp_path: Path):
    path, meta, _ = _one(tmp_path, "url-bare.txt")
    assert meta["source_url"] == "https://news.example.org/2016/08/25/school-year-starts-early-a1111"
    assert path == "articles/2016/08/school-year-starts-early.md"


def test_crlf_line_endings(tmp_path: Path):
    assert b"\r\n" in (FIXTURES / "crlf.txt").read_bytes()
    path, meta, body = _one(tmp_path, "crlf.txt")
    assert path == "articles/2017/04/market-hall-reopens.md"
    assert meta["authors"] == ["Nora Vale"] and meta["image"]["credit"] == "Ivan Roe"
    assert body == "\nThe market hall reopened after repairs.\n\nTraders welcomed the first customers.\n"
    assert b"\r" not in (tmp_path / "content" / path).read_bytes()


def test_byte_order_mark(tmp_path: Path):
    assert (FIXTURES / "bom.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    _, meta, _ = _one(tmp_path, "bom.txt")
    assert meta["title"] == "Park Gets New Trees"


def test_unreadable_documents_fail_with_file_and_line_and_the_rest_are_imported(tmp_path: Path):
    source = SITES / "import" / "seedtext-broken"
    content = tmp_path / "content"
    result = run_press("import", str(source), "--into", str(content))
    assert result.returncode == 1
    assert f"{source / 'no-headline.txt'}:1: no headline" in result.stdout
    assert f"{source / 'bad-date.txt'}:5: dateline: 'February 30, 2019' is not a real date" in result.stdout
    assert f"{source / 'latin1.txt'}:1: not valid UTF-8 (byte 0xe9)" in result.stdout
    assert f"{source / 'no-date.txt'}:5: no dateline" in result.stdout
    assert "1 created, 0 unchanged, 0 replaced, 0 skipped, 4 failed" in result.stdout
    assert [p.name for p in content.rglob("*.md")] == ["airport-adds-night-flights.md"]


def test_related_title_resolves_when_the_related_article_is_imported_later(tmp_path: Path):
    fixtures = SITES / "import" / "related-later"
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text('title = "T"\n', encoding="utf-8")
    imported(site, fixtures / "first.txt")
    before = run_press("build", str(site))
    assert before.returncode == 0, before.stderr
    assert "no article matches 'Harbor Ferry Returns After Winter Pause'" in before.stderr
    imported(site, fixtures / "later.txt")
    after = run_press("build", str(site))
    assert after.returncode == 0, after.stderr
    assert "no article matches" not in after.stderr
    page = (site / "output/2011/04/02/second-ferry-joins-the-route/index.html").read_text(encoding="utf-8")
    assert '<a href="/2011/03/14/harbor-ferry-returns-after-winter-pause/">Harbor Ferry Returns' in page


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("December 03, 2012", "2012-12-03"),
        ("Sept. 3, 2012", "2012-09-03"),
        ("Monday, Dec 3, 2012", "2012-12-03"),
        ("3 Dec. 2012", "2012-12-03"),
        ("Dec. 3, 2012 | 2:30 pm", "2012-12-03T14:30:00"),
        ("2012-12-03 09:05", "2012-12-03T09:05:00"),
        ("Not a date", None),
    ],
)
def test_parse_dateline(line: str, expected: str | None):
    assert seedtext.parse_dateline(line)[0] == expected


def test_a_single_file_can_be_imported(tmp_path: Path):
    single = tmp_path / "one.txt"
    shutil.copy(ROOT / "seeds" / "000_f27f8c8aae5a2c3a.txt", single)
    content = imported(tmp_path, single)
    assert [p.name for p in content.rglob("*.md")] == ["lavrov-yields-to-nato-missile-plan-in-turkey.md"]


ENCODED = (
    "https://www.example.ru/2012/12/03/%D0%BF%D1%83%D1%82%D0%B8%D0%BD-%D0%B8-%D0%BD%D0%B0%D1%82%D0%BE-a12345"
)


def test_a_percent_encoded_url_gives_a_slug_and_alias_of_its_words(tmp_path: Path):
    """Not 'd0-bf-d1-83-...': the publisher's server decoded the path, so the words are the slug."""
    source = tmp_path / "encoded.txt"
    source.write_text(f"# Путин и НАТО\n\nDecember 3, 2012\n\nText.\n\nOriginal url: <{ENCODED}>\n")
    content = imported(tmp_path, source)
    (written,) = content.rglob("*.md")
    meta, _ = front_matter(written)
    assert written.relative_to(content).as_posix() == "articles/2012/12/путин-и-нато.md"
    assert meta["aliases"] == ["/2012/12/03/путин-и-нато-a12345"]


def test_slug_from_url_decodes_the_path_when_it_is_utf8():
    assert seedtext.slug_from_url(ENCODED) == "путин-и-нато"
    assert seedtext.slug_from_url("https://x.ru/2012/12/03/%CF%F0%E8") == "cf-f0-e8"  # cp1251: as before
