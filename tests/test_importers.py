"""What every importer shares: the v1 file writer, settling clashes, the report, the command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.config import Config
from generator.importers.archive import Document, Harvest, render_document, write_documents
from generator.source import split
from generator.urls import Urls
from tests.conftest import ROOT, article, run_press

TRICKY = [
    "Plain title",
    "Colon: inside",
    "#hashtag first",
    "'quoted' start",
    '"double" start',
    "2012-12-03",
    "yes",
    "null",
    "123",
    "- dash",
    "a, b [c] {d}",
    "Ends with colon:",
    "Tab\there",
    "Bell\x07char",
    "Ünïcödé — dash",
    "@at & *star !bang %pct `tick`",
]


@pytest.mark.parametrize("text", TRICKY)
def test_any_text_survives_the_front_matter_writer(text: str):
    meta = {"title": text, "date": "2012-12-03", "authors": [text, "B"], "related": [text], "extra key": text}
    written = render_document(meta, "Body.")
    src, problems = split(written, "x.md")
    assert not problems and src is not None
    assert src.meta["title"] == text
    assert src.meta["authors"] == [text, "B"]
    assert src.meta["related"] == [text]
    assert src.meta["extra key"] == text
    assert src.body == "\nBody.\n"


def test_keys_in_a_fixed_order_whatever_order_they_come_in():
    one = render_document({"related": ["R"], "title": "T", "zeta": 1, "date": "2012-12-03", "alpha": 2}, "B")
    two = render_document({"title": "T", "date": "2012-12-03", "related": ["R"], "zeta": 1, "alpha": 2}, "B")
    assert one == two
    keys = [line.split(":")[0] for line in one.split("\n") if line and line[0].isalpha()]
    assert keys == ["title", "date", "related", "zeta", "alpha", "B"]


def _doc(source: str, target: str, date: str, **meta) -> Document:
    return Document(source, target, {"title": source, "date": date, **meta}, "Body.")


def _write(tmp_path: Path, *docs: Document):
    config = Config()
    return write_documents(
        Harvest(documents=list(docs)), tmp_path / "content", False, Urls.from_config(config), config.tz
    )


def test_same_slug_same_month_gets_a_second_file_name_but_keeps_its_url(tmp_path: Path):
    report = _write(
        tmp_path,
        _doc("a.txt", "articles/2012/12/story.md", "2012-12-03"),
        _doc("b.txt", "articles/2012/12/story.md", "2012-12-20"),
    )
    assert report.created == ["content/articles/2012/12/story.md", "content/articles/2012/12/story-2.md"]
    second = (tmp_path / "content/articles/2012/12/story-2.md").read_text()
    assert "slug: story\n" in second
    assert any("already taken by a.txt" in p.message for p in report.problems)


def test_same_url_gets_a_new_slug(tmp_path: Path):
    report = _write(
        tmp_path,
        _doc("a.txt", "articles/2012/12/story.md", "2012-12-03"),
        _doc("b.txt", "articles/2012/12/story.md", "2012-12-03T18:00:00"),
    )
    assert "slug: story-2\n" in (tmp_path / "content/articles/2012/12/story-2.md").read_text()
    assert len(report.created) == 2


def test_alias_naming_another_articles_url_is_dropped_with_a_warning(tmp_path: Path):
    report = _write(
        tmp_path,
        _doc("a.txt", "articles/2012/12/old.md", "2012-12-03"),
        _doc("b.txt", "articles/2013/01/new.md", "2013-01-05", aliases=["/2012/12/03/old/", "/kept/"]),
    )
    assert "aliases: [/kept/]" in (tmp_path / "content/articles/2013/01/new.md").read_text()
    assert any("alias /2012/12/03/old/ dropped: it is the URL of a.txt" in p.message for p in report.problems)


@pytest.mark.parametrize(
    ("alias", "why"),
    [
        ("/story.php?id=5", "alias '/story.php?id=5' has a query"),
        ("/%CF%F0%E8/", "URL path '/%CF%F0%E8/' percent-encodes bytes"),  # not UTF-8: no file to name
    ],
)
def test_an_alias_the_build_would_refuse_is_dropped_with_a_warning(tmp_path: Path, alias: str, why: str):
    report = _write(
        tmp_path,
        _doc("b.txt", "articles/2013/01/new.md", "2013-01-05", aliases=[alias, "/kept/"]),
    )
    assert "aliases: [/kept/]" in (tmp_path / "content/articles/2013/01/new.md").read_text()
    (dropped,) = [p for p in report.problems if p.key == "aliases"]
    assert (dropped.path, dropped.is_error) == ("b.txt", False)
    assert f"alias {alias} dropped: {why}" in dropped.message


def test_an_alias_percent_encoding_another_articles_url_is_dropped(tmp_path: Path):
    """The build compares URLs as the files a server reads them from, decoded; so does the import."""
    report = _write(
        tmp_path,
        _doc("a.txt", "articles/2012/12/при.md", "2012-12-03"),
        _doc("b.txt", "articles/2013/01/new.md", "2013-01-05", aliases=["/2012/12/03/%D0%BF%D1%80%D0%B8"]),
    )
    assert "aliases" not in (tmp_path / "content/articles/2013/01/new.md").read_text()
    assert any("dropped: it is the URL of a.txt" in p.message for p in report.problems)


def test_default_into_is_content_of_the_current_folder(tmp_path: Path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "seeds", site / "seeds")
    (site / "site.toml").write_text('title = "T"\n', encoding="utf-8")
    (site / "content/articles/2011/01").mkdir(parents=True)
    (site / "content/articles/2011/01/other.md").write_text(article("Other", "2011-01-02"), encoding="utf-8")
    result = run_press("import", "seeds", cwd=site)
    assert result.returncode == 0, result.stderr
    assert (
        "created   content/articles/2012/12/lavrov-yields-to-nato-missile-plan-in-turkey.md" in result.stdout
    )
    assert (site / "content/articles/2011/01/other.md").read_text(encoding="utf-8") == article(
        "Other", "2011-01-02"
    )
    assert run_press("build", str(site)).returncode == 0


def test_unknown_format_is_refused_by_the_command():
    result = run_press("import", "seeds", "--from", "wordpress")
    assert result.returncode == 2
    assert "invalid choice: 'wordpress'" in result.stderr


def test_missing_source_fails_and_an_empty_one_says_so(tmp_path: Path):
    missing = run_press("import", str(tmp_path / "nowhere"), "--into", str(tmp_path / "content"))
    assert missing.returncode == 1
    assert f"{tmp_path / 'nowhere'}: no such file or folder" in missing.stdout
    (tmp_path / "empty").mkdir()
    empty = run_press("import", str(tmp_path / "empty"), "--into", str(tmp_path / "content"))
    assert empty.returncode == 0
    assert "warning: no documents to import as seedtext" in empty.stdout


def test_a_different_article_already_at_the_path_is_never_overwritten_even_with_force(tmp_path: Path):
    content = tmp_path / "content"
    (content / "articles/2012/12").mkdir(parents=True)
    mine = content / "articles/2012/12/lavrov-yields-to-nato-missile-plan-in-turkey.md"
    mine.write_text(article("Another Story", "2012-12-03", slug="other"), encoding="utf-8")
    result = run_press("import", str(ROOT / "seeds"), "--into", str(content), "--force")
    assert result.returncode == 0, result.stdout
    assert mine.read_text(encoding="utf-8") == article("Another Story", "2012-12-03", slug="other")
    second = content / "articles/2012/12/lavrov-yields-to-nato-missile-plan-in-turkey-2.md"
    assert "title: Lavrov Yields to NATO Missile Plan in Turkey" in second.read_text(encoding="utf-8")
    assert "already taken by content/articles/2012/12/lavrov-yields" in result.stdout
    again = run_press("import", str(ROOT / "seeds"), "--into", str(content))
    assert "0 created, 1 unchanged" in again.stdout  # the re-import finds its own file again


def test_an_article_already_at_the_url_makes_the_import_take_another_slug(tmp_path: Path):
    content = tmp_path / "content"
    (content / "articles/2012/12").mkdir(parents=True)
    slug = "lavrov-yields-to-nato-missile-plan-in-turkey"
    (content / "articles/2012/12/elsewhere.md").write_text(
        article("Elsewhere", "2012-12-03", slug=slug), encoding="utf-8"
    )
    result = run_press("import", str(ROOT / "seeds"), "--into", str(content))
    assert result.returncode == 0, result.stdout
    written = (content / f"articles/2012/12/{slug}-2.md").read_text(encoding="utf-8")
    assert f"slug: {slug}-2\n" in written
    site_build = run_press("check", str(tmp_path))
    assert site_build.returncode == 0, site_build.stderr
