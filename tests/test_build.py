"""The whole pipeline on small sites: what a reader gets, and what a failed build must not touch."""

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.build import Options, build
from tests.conftest import SITES, article

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small") / "out"
    result = build(SITES / "small", Options(out_dir=out))
    assert result.ok, [p.format() for p in result.problems]
    return out


def read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def test_article_page(small):
    page = read(small, "2012/12/03/ferry-schedule/index.html")
    assert "<h1>New Ferry Schedule &lt;b&gt;Announced&lt;/b&gt;</h1>" in page
    assert '<a rel="author" href="/news/authors/bob-sample/">Bob Sample</a>' in page
    assert '<time datetime="2012-12-03T18:00:00+04:00">December 3, 2012</time>' in page
    assert '<link rel="canonical" href="https://example.org/news/2012/12/03/ferry-schedule/">' in page
    assert '<meta property="og:title" content="New Ferry Schedule &lt;b&gt;Announced&lt;/b&gt;">' in page
    assert 'The ferry leaving port. <span class="credit">C. Photographer</span>' in page
    assert 'Originally published at <a href="https://example.com/2012/12/03/ferry-schedule-a456">' in page
    assert '<a rel="prev" href="/news/2012/11/28/council-votes-budget/">' in page
    assert 'rel="next"' not in page
    assert '<a rel="tag" href="/news/tags/port/">Port</a>' in page
    assert '<a href="/news/2012/11/28/council-votes-budget/">the budget vote</a>' in page


def test_article_related_resolved_by_title_and_path_unresolved_as_text(small):
    page = read(small, "2012/12/03/ferry-schedule/index.html")
    assert (
        '<li class="editorial"><a href="/news/2012/11/20/harbour-reopens/">Harbour Reopens After Storm</a>'
        in page
    )
    assert (
        '<a href="/news/2012/11/28/council-votes-budget/">Council Votes on the &#34;Harbour&#34; Budget</a>'
        in page
    )
    assert '<li class="editorial">A Story We Never Published</li>' in page


def test_json_ld_is_a_news_article(small):
    page = read(small, "2012/11/28/council-votes-budget/index.html")
    block = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    data = json.loads(block)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == 'Council Votes on the "Harbour" Budget'
    assert [a["name"] for a in data["author"]] == ["Ann Example", "Bob Sample"]
    assert data["datePublished"] == "2012-11-28T00:00:00+04:00"


def test_json_ld_and_open_graph_name_full_urls_and_an_author_for_every_article(make_site):
    """An image given as a site path or beside the article is a full URL for crawlers (resolved
    as the page's <img> is); an article without a byline has the publication as its author."""
    site = make_site(
        {
            "content/articles/2013/01/a.md": article(
                "A", "2013-01-01T09:00:00+00:00", "A.", image={"src": "/images/lead.jpg"}
            ),
            "content/articles/2013/01/b.md": article(
                "B", "2013-01-02T09:00:00+00:00", "B.", authors=["Ann Lee"], image={"src": "chart.png"}
            ),
        },
        'title = "Daily"\nbase_url = "https://example.org/news/"\ntimezone = "UTC"\n',
    )
    assert build(site, Options(jobs=1)).ok
    pages = {
        name: (site / f"output/2013/01/{day}/{name}/index.html").read_text()
        for name, day in (("a", "01"), ("b", "02"))
    }
    data = {
        name: json.loads(page.split('type="application/ld+json">', 1)[1].split("</script>", 1)[0])
        for name, page in pages.items()
    }
    publisher = {"@type": "Organization", "name": "Daily", "url": "https://example.org/news/"}
    assert data["a"]["author"] == [publisher] and data["a"]["publisher"] == publisher
    assert data["b"]["author"][0]["name"] == "Ann Lee"
    assert data["a"]["image"] == "https://example.org/images/lead.jpg"
    assert data["b"]["image"] == "https://example.org/news/2013/01/02/b/chart.png"
    assert '<meta property="og:image" content="https://example.org/images/lead.jpg">' in pages["a"]
    assert '<img src="/images/lead.jpg"' in pages["a"]  # the page's own <img> as written
    assert '<meta name="twitter:card" content="summary_large_image">' in pages["a"]
    home = (site / "output/index.html").read_text()  # shared as the publication, with its full URL
    assert '<meta property="og:url" content="https://example.org/news/">' in home
    assert '<meta property="og:title" content="Daily">' in home


def test_date_indexes_paginated_newest_first_with_neighbours(small):
    year = read(small, "2012/index.html")
    assert year.index("New Ferry Schedule") < year.index("Council Votes")
    assert "page 1 of 2" in year
    assert "Harbour Reopens" in read(small, "2012/page/2/index.html")
    month = read(small, "2012/11/index.html")
    assert '<a href="/news/2012/12/">December 2012 →</a>' in month
    assert '<a href="/news/2012/11/">← November 2012</a>' in read(small, "2012/12/index.html")
    assert "Harbour Reopens" in read(small, "2012/11/20/index.html")


def test_a_long_index_links_the_pages_around_each_page_not_all(make_site):
    files = {
        f"content/articles/2012/12/a{n:02d}.md": article(f"A{n}", f"2012-12-{1 + n % 28:02d}", tags=["Port"])
        for n in range(30)
    }
    site = make_site(files, 'title = "Test"\nper_page = 2\n')
    assert build(site, Options()).ok
    page = read(site / "output", "tags/port/page/8/index.html")
    nav = page[page.index('<nav class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    linked = [int(n) for n in re.findall(r'<a href="/tags/port/(?:page/\d+/)?">(\d+)</a>', nav)]
    assert linked == [1, 2, 5, 6, 7, 9, 10, 11, 14, 15]
    assert '<span aria-current="page">8</span>' in nav and nav.count('<span class="gap">…</span>') == 2
    assert '<a href="/tags/port/page/4/">' not in nav and '<a href="/tags/port/page/12/">' not in nav


def test_archive_lists_months_and_draws_svg_chart(small):
    page = read(small, "archive/index.html")
    assert '<a href="/news/2012/11/">Nov 2012</a> <span class="count">2</span>' in page
    assert page.count("<rect ") == 2
    assert "<script" not in page


def test_authors_and_tags(small):
    authors = read(small, "authors/index.html")
    assert authors.index("Ann Example") < authors.index("Bob Sample")
    assert '<a href="/news/authors/bob-sample/">Bob Sample</a> <span class="count">2</span>' in authors
    ann = read(small, "authors/ann-example/index.html")
    assert "Ann covers the port." in ann and "since 2001" in ann
    assert '<a href="https://ann.example.org">Website</a>' in ann
    assert "Harbour Reopens" in ann and "Council Votes" in ann
    assert "3 articles" in read(small, "tags/port/index.html")
    assert '<a href="/news/tags/weather/">Weather</a>' in read(small, "tags/index.html")


def test_feeds_and_sitemap_parse(small):
    feed = ET.parse(small / "feed.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == [
        "New Ferry Schedule <b>Announced</b>",
        'Council Votes on the "Harbour" Budget',
        "Harbour Reopens After Storm",
    ]
    for entry in feed.iter(f"{ATOM}entry"):  # relative links in a body resolve against its page
        page = entry.find(f"{ATOM}link").get("href")
        assert entry.find(f"{ATOM}content").get("{http://www.w3.org/XML/1998/namespace}base") == page
    ann = ET.parse(small / "authors/ann-example/feed.xml").getroot()
    assert len(list(ann.iter(f"{ATOM}entry"))) == 2
    sitemap = ET.parse(small / "sitemap.xml").getroot()
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/news/2012/12/03/ferry-schedule/" in locs
    assert "Sitemap: https://example.org/news/sitemap.xml" in read(small, "robots.txt")


def test_feed_and_sitemap_dates_are_instants_and_days_of_the_site(make_site):
    """An update keeps the offset it was written in: the feed's <updated> is the latest instant
    (not the greatest string: 18:30+04:00 is 14:30 UTC), and the sitemap dates each article on
    the site's day, as its page does (23:30-05:00 is the next day in UTC)."""
    site = make_site(
        {
            "content/articles/2013/01/a.md": article(
                "A", "2013-01-01T09:00:00+00:00", "A.", updated="2013-01-10T18:30:00+04:00"
            ),
            "content/articles/2013/01/b.md": article("B", "2013-01-10T15:00:00+00:00", "B."),
            "content/articles/2012/12/c.md": article("C", "2012-12-03T23:30:00-05:00", "C."),
        },
        'title = "T"\nbase_url = "https://example.org/"\ntimezone = "UTC"\n',
    )
    assert build(site, Options(jobs=1)).ok
    feed = ET.parse(site / "output/feed.xml").getroot()
    assert feed.findtext(f"{ATOM}updated") == "2013-01-10T15:00:00+00:00"
    sitemap = ET.parse(site / "output/sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    lastmod = {e.findtext(f"{ns}loc"): e.findtext(f"{ns}lastmod") for e in sitemap.iter(f"{ns}url")}
    assert lastmod["https://example.org/2012/12/04/c/"] == "2012-12-04"
    assert lastmod["https://example.org/2013/01/01/a/"] == "2013-01-10"


def test_control_characters_pasted_into_an_article_leave_its_feeds_readable(make_site):
    """XML forbids them even escaped (a vertical tab, an escape from a word processor's paste):
    one made every feed reader reject the whole feed."""
    site = make_site(
        {
            "content/articles/2013/01/a.md": article(
                "Vote\x0bcount",
                "2013-01-01T09:00:00+00:00",
                "Body with \x0b a tab and \x1b an escape.",
                authors=["Ann\x08 Lee"],
            ),
        },
        'title = "T"\nbase_url = "https://example.org/"\n',
    )
    assert build(site, Options(jobs=1)).ok
    for feed in ("feed.xml", "authors/ann-lee/feed.xml"):
        entry = ET.parse(site / "output" / feed).getroot().find(f"{ATOM}entry")
        assert entry is not None and entry.findtext(f"{ATOM}title") == "Votecount"
        assert "a tab and  an escape" in entry.findtext(f"{ATOM}content", "")
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Ann Lee"
    ET.parse(site / "output/sitemap.xml")


@pytest.mark.parametrize(
    "document",
    [
        "<feed>plain</feed>",
        "caf\u00e9 \u2014 \u201cquoted\u201d \U0001f600",
        "vote\x0bcount and \x1b escape \x00 nul",
        "tab\t newline\n return\r kept",
        "nonchars \ufffe and \uffff and \ufffd kept",
        "a lone surrogate \ud800 here",
        "\uefbf\ubebf bytes that only look alike",
    ],
)
def test_feeds_are_checked_as_bytes_with_the_same_result(document):
    """feeds.xml_bytes looks for what XML forbids in the UTF-8 bytes, and runs the expression only
    on a document that holds some: the same bytes as the expression over every document."""
    from generator.feeds import xml_bytes, xml_safe

    assert xml_bytes(document) == xml_safe(document).encode("utf-8")


def test_alias_redirect_page(small):
    page = read(small, "2012/11/28/council-votes-budget-a123/index.html")
    assert '<meta http-equiv="refresh" content="0; url=/news/2012/11/28/council-votes-budget/">' in page
    assert '<link rel="canonical" href="https://example.org/news/2012/11/28/council-votes-budget/">' in page
    assert '<a href="/news/2012/11/28/council-votes-budget/">' in page


def test_drafts_only_with_flag(small, tmp_path):
    assert not (small / "2012/12/04").exists()
    result = build(SITES / "small", Options(out_dir=tmp_path / "o", drafts=True))
    assert result.ok and (tmp_path / "o/2012/12/04/draft-story/index.html").is_file()


def test_rebuild_is_byte_identical_and_touches_nothing(make_site, tmp_path):
    site = make_site(
        {
            "content/articles/2012/12/a.md": article("A", "2012-12-03"),
            "content/articles/2012/12/b.md": article("B", "2012-12-04"),
        }
    )
    first = build(site, Options())
    page = site / "output/2012/12/03/a/index.html"
    mtime = page.stat().st_mtime_ns
    second = build(site, Options())
    assert first.report.written and second.report.written == [] and second.report.removed == []
    assert page.stat().st_mtime_ns == mtime


def test_deleted_article_leaves_no_stale_page(make_site):
    site = make_site(
        {
            "content/articles/2012/12/a.md": article("A", "2012-12-03", tags=["X"]),
            "content/articles/2012/12/b.md": article("B", "2012-12-04"),
        }
    )
    build(site, Options())
    (site / "content/articles/2012/12/a.md").unlink()
    result = build(site, Options())
    assert "2012/12/03/a/index.html" in result.report.removed
    assert not (site / "output/2012/12/03").exists()
    assert not (site / "output/tags/x").exists()


def test_failed_build_leaves_previous_output_untouched(make_site):
    site = make_site({"content/articles/2012/12/a.md": article("A", "2012-12-03")})
    assert build(site, Options()).ok
    before = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
    (site / "content/articles/2012/12/a.md").write_text("---\ntitle: [broken\n---\n")
    (site / "content/articles/2012/12/b.md").write_text("---\ntitle: B\n---\n")
    result = build(site, Options())
    assert [p.format() for p in result.errors] == [
        "content/articles/2012/12/a.md:2: invalid YAML: did not find expected ',' or ']' "
        "(hint: quote values that contain ': ' or start with [ { * & ! | > ' \" % @ `)",
        "content/articles/2012/12/b.md:1: date: is missing (hint: add e.g. 'date: 2012-12-03')",
    ]
    after = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
    assert after == before


def test_strict_turns_warnings_into_errors(make_site):
    site = make_site({"content/articles/2012/12/a.md": article("A", "2012-12-03", body="[x](nope.md)")})
    assert build(site, Options()).ok
    strict = build(site, Options(strict=True))
    assert not strict.ok
    assert (
        strict.errors[0]
        .format()
        .startswith("content/articles/2012/12/a.md:6: broken internal link 'nope.md'")
    )


def test_theme_overrides_one_template_and_falls_back_for_the_rest(make_site):
    site = make_site(
        {
            "content/articles/2012/12/a.md": article("A", "2012-12-03"),
            "themes/mine/templates/article.html": "<p>custom {{ article.title }}</p>\n",
        },
        site_toml='theme = "mine"\n',
    )
    assert build(site, Options()).ok
    assert (site / "output/2012/12/03/a/index.html").read_text() == "<p>custom A</p>\n"
    assert "<title>Test" not in (site / "output/index.html").read_text()
    assert 'class="teasers"' in (site / "output/index.html").read_text()


def test_template_error_names_template_file_and_line(make_site):
    site = make_site(
        {
            "content/articles/2012/12/a.md": article("A", "2012-12-03"),
            "themes/mine/templates/article.html": "<p>\n{{ article.no_such_field }}\n</p>\n",
        },
        site_toml='theme = "mine"\n',
    )
    result = build(site, Options())
    assert not result.ok
    problem = result.errors[0]
    assert (problem.path, problem.line) == ("themes/mine/templates/article.html", 2)
    assert "no_such_field" in problem.message


def test_unknown_theme_is_an_error(make_site):
    site = make_site(
        {"content/articles/2012/12/a.md": article("A", "2012-12-03")}, site_toml='theme = "nope"\n'
    )
    result = build(site, Options())
    assert (
        result.errors[0].format()
        == "site.toml:1: theme: no theme 'nope' in themes/ (hint: available: default)"
    )


@pytest.mark.parametrize("theme", ["../mine", "themes/../../mine", "..", "a\\\\b"])
def test_a_theme_outside_themes_is_an_error(make_site, theme):
    """Only themes/ is hashed for the no-op check: a theme elsewhere would go stale unnoticed."""
    site = make_site(
        {
            "content/articles/2012/12/a.md": article("A", "2012-12-03"),
            "mine/templates/base.html": "<p>mine</p>",
        },
        site_toml=f"theme = {json.dumps(theme)}\n",
    )
    result = build(site, Options())
    assert [p.format() for p in result.errors] == [
        f"site.toml:1: theme: {theme!r} is not the name of a folder "
        "(hint: name a folder in themes/ (link a theme kept elsewhere into themes/))"
    ]


def test_refuses_an_output_folder_it_did_not_make(make_site, tmp_path):
    site = make_site({"content/articles/2012/12/a.md": article("A", "2012-12-03")})
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    result = build(site, Options(out_dir=precious))
    assert not result.ok and "not made by press" in result.errors[0].message
    assert (precious / "keep.txt").read_text() == "mine"


def test_works_under_sub_path_and_root(make_site):
    site = make_site({"content/articles/2012/12/a.md": article("A", "2012-12-03")})
    build(site, Options(base_url="https://h.example/deep/path/"))
    home = (site / "output/index.html").read_text()
    assert 'href="/deep/path/2012/12/03/a/"' in home and 'href="/deep/path/static/style.css"' in home
    shutil.rmtree(site / "output")
    build(site, Options())
    assert 'href="/2012/12/03/a/"' in (site / "output/index.html").read_text()


def test_a_build_lists_its_index_pages_once(tmp_path):
    """The collision check, the index pages' process and the render workers share one listing:
    the pages rendered are the site's listing, not one made again."""
    from dataclasses import replace

    from generator.build import load
    from generator.indexes import all_index_pages
    from generator.pages import outputs

    site = load(SITES / "small", Options(out_dir=tmp_path / "out", cache=False)).site
    assert site is not None and len(site.index_pages) >= 2
    assert site.index_pages == all_index_pages(site.library, site.config.per_page)
    paths = {output.path for output in outputs(site)}
    files = [page.url.strip("/") + "/index.html" for page in site.index_pages]
    assert set(files) <= paths
    fewer = {output.path for output in outputs(replace(site, index_pages=site.index_pages[:-1]))}
    assert files[-1] not in fewer and set(files[:-1]) <= fewer


def _listing_seen_from(out_dir: Path):
    """In the process that lists output/: whether it was forked after the site was loading."""
    import os

    from generator.listing import list_output

    Path(os.environ["PRESS_TEST_LISTED"]).write_text("loading" if "_loading" in globals() else "before")
    return list_output(out_dir)


def test_output_is_listed_by_a_process_forked_before_the_site_is_loaded(make_site, monkeypatch, tmp_path):
    """A process forked later inherits the loaded archive and copies what this one then writes
    (0.75 GB at 100,000 articles, see build): the listing is forked first, and still drives the
    removal of a page that is gone."""
    from generator import build as builder

    site = make_site(
        {
            "content/articles/2012/12/a.md": article("A", "2012-12-03"),
            "content/articles/2012/12/b.md": article("B", "2012-12-04"),
        }
    )
    assert build(site, Options()).ok
    (site / "content/articles/2012/12/b.md").unlink()
    flag = tmp_path / "listed"
    monkeypatch.setenv("PRESS_TEST_LISTED", str(flag))
    monkeypatch.setattr(builder, "list_output", _listing_seen_from)
    real = builder._load

    def loading(*args, **kwargs):
        globals()["_loading"] = True
        return real(*args, **kwargs)

    monkeypatch.setattr(builder, "_load", loading)
    try:
        assert build(site, Options()).ok
    finally:
        globals().pop("_loading", None)
    assert flag.read_text() == "before"
    assert not (site / "output/2012/12/04/b").exists() and (site / "output/2012/12/03/a/index.html").exists()
