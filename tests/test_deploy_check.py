"""The deploy check's own logic, without a server: which broken links are the generator's fault, and
which pages stand for each template. (The check itself runs from tests/run.sh after pytest.)"""

from __future__ import annotations

from pathlib import Path

from generator.build import Options, build
from tests.conftest import SITES
from tests.deploy_check import Site, _BodyLinks, _page_file, template_pages


def test_links_in_article_text_are_told_apart_from_template_links():
    links = _BodyLinks()
    links.feed(
        '<nav><a href="/news/archive/">Archive</a></nav>'
        '<div class="body"><p><a href="../old.md">old</a></p><div><a href="/x/">x</a></div></div>'
        '<footer><a href="/news/tags/">Tags</a><img src="/news/static/logo.png"></footer>'
    )
    assert links.body == {"../old.md", "/x/"}
    assert links.template == {"/news/archive/", "/news/tags/", "/news/static/logo.png"}


def test_html_errors_in_article_text_are_located_by_line():
    page = _BodyLinks()
    page.feed(
        '<header>\n<h1>T</h1>\n</header>\n<div class="body">\n<p>a</p></p>\n<div>\n</div>\n</div>\n<footer>\n'
    )
    assert page.body_lines == [(4, 8)]
    assert [n for n in range(1, 11) if page.in_body(n)] == [5, 6, 7, 8]


def test_one_page_per_template_kind_is_found(tmp_path):
    out = tmp_path / "out"
    result = build(SITES / "small", Options(out_dir=out, base_url="http://127.0.0.1:1/news/"))
    assert result.ok, [p.format() for p in result.problems]
    site = Site("small", "/news/", out, "http://127.0.0.1:1/news/")
    pages = template_pages(site)
    expected = {
        "article",
        "year",
        "month",
        "day",
        "author",
        "tag",
        "home",
        "archive",
        "authors",
        "tags",
        "404",
    }
    assert expected <= set(pages)
    assert 'http-equiv="refresh"' not in pages["article"].read_text()
    for kind, path in pages.items():
        assert path.is_file(), kind
    assert _page_file(site, "http://127.0.0.1:1/news/") == out / "index.html"
    assert _page_file(site, "http://127.0.0.1:1/news/404.html") == out / "404.html"
    assert _page_file(site, "http://127.0.0.1:1/elsewhere/") is None
    assert isinstance(pages["home"], Path)
