"""The Hugo importer: a small site of our own for every mapping, and the real corpus end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import CORPUS, ROOT, SITES, need_corpus, run_press

HUGO = SITES / "import" / "hugo"
POSTS = HUGO / "content" / "posts"


def front_matter(path: Path) -> tuple[dict, str]:
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head), body


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The fixture site imported once with the real CLI into a site with a site.toml."""
    site = tmp_path_factory.mktemp("hugo") / "site"
    site.mkdir()
    (site / "site.toml").write_text('title = "T"\n', encoding="utf-8")
    result = run_press("import", "--from", "hugo", str(HUGO), "--into", str(site / "content"))
    return site, result


def test_front_matter_mapped_to_v1(imported):
    site, _ = imported
    meta, _ = front_matter(site / "content/articles/2019/03/budgets-and-ballots.md")
    assert meta["title"] == "Budgets &amp; Ballots"  # v1 decodes entities in titles itself
    assert meta["authors"] == ["ana-lima", "ben-okafor"]
    assert meta["tags"] == ["council", "Open Data"]  # the topic's slug becomes its term page's title
    assert meta["summary"] == "The council’s budget—in short."
    assert meta["slug"] == "budgets-and-ballots"
    assert meta["aliases"] == ["/2019/03/04/old-budget-url/"]
    assert meta["weight"] == 3 and meta["expirydate"] == "2025-01-01"  # unknown keys kept for `extra`
    assert str(meta["date"]) == "2019-03-04 10:00:02-05:00"


def test_date_from_file_name_and_single_author_and_categories(imported):
    site, _ = imported
    meta, _ = front_matter(site / "content/articles/2019/03/follow-up.md")
    assert str(meta["date"]) == "2019-03-10"
    assert meta["authors"] == ["Ana Lima"]
    assert meta["tags"] == ["council", "politics"]
    assert meta["slug"] == "follow-up"


def test_a_v1_key_with_a_value_v1_refuses_is_kept_aside(imported):
    site, result = imported
    meta, _ = front_matter(site / "content/articles/2019/03/follow-up.md")
    assert "source_url" not in meta
    assert meta["source_url_original"] == "see the print edition"
    source = POSTS / "2019-03-10-follow-up.md"
    assert f"{source}:6: warning: source_url: 'see the print edition' is not an http(s) URL" in result.stdout


def test_toml_front_matter_lastmod_and_draft(imported):
    site, _ = imported
    meta, body = front_matter(site / "content/articles/2020/05/toml-story.md")
    assert meta["title"] == "Written in TOML"
    assert meta["draft"] is True
    assert str(meta["updated"]) == "2020-06-01"
    assert meta["tags"] == ["council", "open-data"]
    assert body.strip() == "TOML front matter works too."


def test_page_bundle_takes_its_folder_name_and_url_becomes_an_alias(imported):
    site, _ = imported
    meta, _ = front_matter(site / "content/articles/2019/02/bundle-post.md")
    assert meta["slug"] == "bundle-post"
    assert meta["aliases"] == ["/explainers/budget/"]
    assert meta["description"] == "An explainer."


def test_author_profiles_from_the_authors_taxonomy(imported):
    site, _ = imported
    meta, body = front_matter(site / "content/authors/ana-lima.md")
    assert meta == {
        "name": "Ana Lima",
        "bio": "Writes about city budgets.",
        "first_name": "Ana",
        "last_name": "Lima",
        "github": "analima",
    }
    assert body.strip() == "Ana has covered the council since 2015."
    assert front_matter(site / "content/authors/ben-okafor.md")[0]["name"] == "Ben Okafor"


def test_ref_and_relref_become_relative_md_links(imported):
    site, _ = imported
    _, body = front_matter(site / "content/articles/2019/03/budgets-and-ballots.md")
    assert "[the follow-up](follow-up.md)" in body
    assert "[the explainer](../02/bundle-post.md#how-it-works)" in body
    assert '[the follow-up, again](follow-up.md "Follow-up")' in body  # an <a href> in Markdown text
    _, back = front_matter(site / "content/articles/2019/03/follow-up.md")
    assert "[the budget](budgets-and-ballots.md)" in back


def test_other_shortcodes_kept_as_text_and_listed(imported):
    site, result = imported
    _, body = front_matter(site / "content/articles/2019/03/budgets-and-ballots.md")
    assert '{{< tweet user="council" id="1234" >}}' in body
    assert "{{% note %}}\nFigures are preliminary.\n{{% /note %}}" in body
    source = POSTS / "2019-03-04-first-post.md"
    assert f"{source}:23: warning: kept as text: Hugo shortcode {{{{< tweet >}}}}" in result.stdout
    assert f"{source}:25: warning: kept as text: Hugo shortcode {{{{< note >}}}}" in result.stdout


def test_unresolved_ref_is_listed_and_left_for_the_build_to_report(imported):
    site, result = imported
    assert (
        f"{POSTS / '2019-03-04-first-post.md'}:29: warning: link to '/about' matches no imported"
        in result.stdout
    )
    assert (
        "[the about page](/about.md)"
        in front_matter(site / "content/articles/2019/03/budgets-and-ballots.md")[1]
    )


def test_sections_and_taxonomy_terms_are_skipped_with_a_reason(imported):
    _, result = imported
    assert f"skipped   {POSTS / '_index.md'}: section list page" in result.stdout
    assert f"skipped   {HUGO / 'content/topics/open-data/_index.md'}: topics term page" in result.stdout


def test_undated_page_fails_with_file_and_line_and_the_rest_are_imported(imported):
    _, result = imported
    assert result.returncode == 1
    assert f"{POSTS / 'undated.md'}:1: date: no date in front matter or file name" in result.stdout
    assert "7 created, 0 unchanged, 0 replaced, 3 skipped, 1 failed" in result.stdout


def test_imported_site_builds_and_links_resolve(imported):
    site, _ = imported
    built = run_press("build", str(site), "--drafts")
    assert built.returncode == 0, built.stderr
    assert "5 articles" in built.stdout
    assert "broken internal link '/about.md'" in built.stderr
    page = (site / "output/2019/03/04/budgets-and-ballots/index.html").read_text(encoding="utf-8")
    assert '<a href="/2019/03/10/follow-up/">the follow-up</a>' in page
    assert '<a href="/2019/02/01/bundle-post/#how-it-works">the explainer</a>' in page
    table = (site / "output/2019/04/01/html-table/index.html").read_text(encoding="utf-8")
    assert '<td><a href="/2019/03/10/follow-up/">Follow-up</a></td>' in table  # a link in raw HTML
    assert (site / "output/explainers/budget/index.html").is_file()  # the Hugo url, kept as an alias
    assert "Ana Lima" in (site / "output/authors/ana-lima/index.html").read_text(encoding="utf-8")


def test_importing_again_changes_nothing(imported, tmp_path: Path):
    site, _ = imported
    before = {p: p.read_bytes() for p in (site / "content").rglob("*.md")}
    again = run_press("import", "--from", "hugo", str(HUGO), "--into", str(site / "content"))
    assert "0 created, 7 unchanged, 0 replaced" in again.stdout
    assert {p: p.read_bytes() for p in (site / "content").rglob("*.md")} == before


@pytest.mark.corpus
def test_real_corpus_imports_2083_articles_that_build_without_errors(tmp_path: Path):
    need_corpus()
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text('title = "T"\ntimezone = "America/New_York"\n', encoding="utf-8")
    imported = run_press("import", "--from", "hugo", str(CORPUS), "--into", str(site / "content"))
    assert imported.returncode == 0, imported.stdout[-3000:]
    assert len(list((site / "content/articles").rglob("*.md"))) == 2083
    assert "internal links converted:" in imported.stdout
    before = {p: p.read_bytes() for p in (site / "content").rglob("*.md")}
    again = run_press("import", "--from", "hugo", str(CORPUS), "--into", str(site / "content"))
    assert f"0 created, {len(before)} unchanged, 0 replaced" in again.stdout
    assert {p: p.read_bytes() for p in (site / "content").rglob("*.md")} == before
    built = run_press("build", str(site), "--drafts")
    assert built.returncode == 0, built.stderr[-3000:]
    assert "Built 2083 articles" in built.stdout
    assert not [line for line in built.stderr.splitlines() if ": warning: " not in line]


def test_bench_script_is_importable():
    """bench/import_links.py (the corpus link count) stays in step with the importer's API."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench/import_links.py"), "--help"], capture_output=True
    )
    assert result.returncode == 0, result.stderr


def test_json_front_matter_as_hugo_reads_it(tmp_path: Path):
    posts = tmp_path / "src/content/posts"
    posts.mkdir(parents=True)
    (posts / "j.md").write_text(
        '{\n  "title": "JSON post",\n  "date": "2014-07-01T10:00:00Z",\n  "tags": ["Budget"]\n}\nBody text.\n'
    )
    (posts / "broken.md").write_text('{\n  "title": "Broken",\n  "date": 2014-07-01\n}\nBody.\n')
    into = tmp_path / "site/content"
    result = run_press("import", "--from", "hugo", str(tmp_path / "src"), "--into", str(into))
    meta, body = front_matter(into / "articles/2014/07/j.md")
    assert (meta["title"], str(meta["date"]), meta["tags"], body) == (
        "JSON post",
        "2014-07-01 10:00:00+00:00",
        ["Budget"],
        "\nBody text.\n",
    )
    assert f"{posts / 'broken.md'}:3: invalid JSON front matter: Expecting ',' delimiter" in result.stdout


def test_numbers_in_text_fields_keep_what_was_written(tmp_path: Path):
    """YAML 1.1 reads 3.10 as 3.1 and 0x1F as 31: a headline or a tag must come across as typed;
    a number in an unknown key stays a number for templates when it is a plain decimal."""
    posts = tmp_path / "src/content/posts"
    posts.mkdir(parents=True)
    (posts / "n.md").write_text(
        "---\ntitle: 3.10\ndate: 2014-07-01\ntags: [1.50, 0x1F]\nweight: 3\ncode: 0x1F\n---\nBody.\n"
    )
    into = tmp_path / "site/content"
    result = run_press("import", "--from", "hugo", str(tmp_path / "src"), "--into", str(into))
    assert result.returncode == 0, result.stdout
    meta, _ = front_matter(into / "articles/2014/07/n.md")
    assert (meta["title"], meta["tags"], meta["weight"], meta["code"]) == (
        "3.10",
        ["1.50", "0x1F"],
        3,
        "0x1F",
    )
