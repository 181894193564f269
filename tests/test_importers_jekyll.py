"""The Jekyll importer, on a small site of our own: one test per mapping the issue lists."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.conftest import SITES, run_press

JEKYLL = SITES / "import" / "jekyll"
POSTS = JEKYLL / "_posts"


def front_matter(path: Path) -> tuple[dict, str]:
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head), body


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    site = tmp_path_factory.mktemp("jekyll") / "site"
    site.mkdir()
    (site / "site.toml").write_text('title = "T"\n', encoding="utf-8")
    result = run_press("import", "--from", "jekyll", str(JEKYLL), "--into", str(site / "content"))
    return site, result


def test_front_matter_mapped_to_v1(imported):
    site, _ = imported
    meta, _ = front_matter(site / "content/articles/2018/05/welcome.md")
    assert meta == {
        "title": "Welcome to the Newsroom",
        "date": date(2018, 5, 1),
        "authors": ["mara"],
        "tags": ["launch", "news", "meta"],  # Jekyll's space-separated tags, then categories
        "summary": "Our first post & plans.",
        "slug": "welcome",
        "layout": "post",
    }


def test_date_and_title_from_the_file_name_redirects_and_permalink_as_aliases(imported):
    site, _ = imported
    meta, _ = front_matter(site / "content/articles/2018/05/second.md")
    assert str(meta["date"]) == "2018-05-10"
    assert meta["title"] == "Second"
    assert meta["aliases"] == ["/second-post/", "/2018/05/second.html", "/news/second/"]
    assert meta["draft"] is True  # published: false


def test_posts_in_category_folders_with_time_zone_dates(imported):
    site, _ = imported
    meta, _ = front_matter(site / "content/articles/2018/06/in-subfolder.md")
    assert str(meta["date"]) == "2018-06-01 09:30:00+02:00"
    assert meta["authors"] == ["mara", "Guest Writer"]
    assert meta["tags"] == ["transport"]


def test_drafts_folder_imports_as_drafts(imported):
    site, _ = imported
    meta, _ = front_matter(site / "content/articles/2018/07/idea.md")
    assert meta["draft"] is True


def test_authors_data_file_becomes_profiles(imported):
    site, _ = imported
    meta, _ = front_matter(site / "content/authors/mara.md")
    assert meta == {"name": "Mara Quinn", "bio": "Covers transport.", "twitter": "maraq"}


def test_post_url_and_link_become_relative_md_links(imported):
    site, _ = imported
    _, body = front_matter(site / "content/articles/2018/05/welcome.md")
    assert "[the second post](second.md)" in body
    assert "[the same, with base URL](second.md)" in body  # {{ site.baseurl }} before it dropped
    assert "A [link in HTML](../06/in-subfolder.md) too." in body
    _, back = front_matter(site / "content/articles/2018/06/in-subfolder.md")
    assert "[the welcome](../05/welcome.md)" in back


def test_other_liquid_kept_as_text_and_listed(imported):
    site, result = imported
    _, body = front_matter(site / "content/articles/2018/05/welcome.md")
    assert '{% include figure.html src="tram.jpg" %}' in body and "{{ page.title }}" in body
    source = POSTS / "2018-05-01-welcome.md"
    assert f"{source}:15: warning: kept as text: Liquid tag {{% include %}}" in result.stdout
    assert f"{source}:17: warning: kept as text: Liquid output {{{{ page.title }}}}" in result.stdout
    assert f"{source}:19: warning: kept as text: Liquid tag {{% highlight %}}" in result.stdout
    assert "endhighlight" not in result.stdout


def test_post_url_to_a_missing_post_is_listed(imported):
    _, result = imported
    assert (
        f"{POSTS / '2018-05-01-welcome.md'}:23: warning: link to '2017-01-01-not-here' matches no"
        in result.stdout
    )


def test_undated_post_fails_with_file_and_line(imported):
    _, result = imported
    assert result.returncode == 1
    assert f"{POSTS / 'not-dated.md'}:1: date: no date in front matter or file name" in result.stdout
    assert "5 created, 0 unchanged, 0 replaced, 0 skipped, 1 failed" in result.stdout


def test_imported_site_builds_with_links_resolved(imported):
    site, _ = imported
    built = run_press("build", str(site), "--drafts")
    assert built.returncode == 0, built.stderr
    assert "4 articles" in built.stdout
    page = (site / "output/2018/05/01/welcome/index.html").read_text(encoding="utf-8")
    assert '<a href="/2018/05/10/second/">the second post</a>' in page
    assert '<a href="/2018/06/01/in-subfolder/">link in HTML</a>' in page
    assert (site / "output/second-post/index.html").is_file()
    assert "Mara Quinn" in page


def test_a_date_written_but_wrong_gets_a_hint_about_the_date(tmp_path: Path):
    (tmp_path / "src/_posts").mkdir(parents=True)
    (tmp_path / "src/_posts/2014-07-01-t.md").write_text("---\ntitle: T\ndate: 2014-07-01 25:00:00\n---\nB\n")
    result = run_press(
        "import", "--from", "jekyll", str(tmp_path / "src"), "--into", str(tmp_path / "content")
    )
    assert result.returncode == 1
    assert (
        "2014-07-01-t.md:3: date: '2014-07-01 25:00:00' is not a date (hint: write it as YYYY-MM-DD or "
        "YYYY-MM-DD HH:MM:SS +0000, a real day and time)"
    ) in result.stdout + result.stderr
