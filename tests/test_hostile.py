"""Hostile input: markup and `</script>` in every field a reader sees stay text, everywhere they appear,
and no name can make the build write outside output/.

The site is built for real; the outputs are read back with real parsers (html.parser, JSON,
ElementTree), so "inert" means what a browser or feed reader would see, not a string search.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import article

TITLE = '</script><script>alert("title")</script><b>Bold</b> & "quotes"'
AUTHOR = '<img src=x onerror=alert("author")>'
TAG = "</script><svg onload=alert('tag')>"
SUMMARY = "</title></script><script>alert('summary')</script>"
CAPTION = '"><script>alert("caption")</script>'
CREDIT = "<iframe src=javascript:alert('credit')>"
SITE_TITLE = "</title><script>alert('site')</script>"
BODY_SCRIPT = '<script>alert("body")</script>'
BODY_HANDLER = {"onclick": "alert('p')"}
HOSTILE = (TITLE, AUTHOR, TAG, SUMMARY, CAPTION, CREDIT)

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class _Page(HTMLParser):
    """What a browser would build: the elements, their attributes, the script blocks, the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.text: list[str] = []
        self._script_type: str | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script, self._script_type = True, dict(attrs).get("type")
            self.scripts.append((self._script_type, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)
        else:
            self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _hostile_site(make_site, sanitize: bool = False) -> Path:
    body = f"First paragraph.\n\n{BODY_SCRIPT}\n\n<p onclick=\"alert('p')\">Raw paragraph.</p>\n"
    toml = f'title = {json.dumps(SITE_TITLE)}\nbase_url = "https://example.org/news/"\n'
    return make_site(
        {
            "content/articles/2012/12/hostile.md": article(
                TITLE,
                "2012-12-03",
                body,
                authors=[AUTHOR, "../../../../tmp/escape"],
                tags=[TAG, "../../etc/passwd"],
                summary=SUMMARY,
                image={"src": "/img/a.jpg", "caption": CAPTION, "credit": CREDIT},
                aliases=["/old/<script>alert('alias')</script>/"],
            ),
            "content/articles/2012/12/plain.md": article("Plain", "2012-12-04", related=[TITLE]),
        },
        site_toml=toml + ("sanitize_html = true\n" if sanitize else ""),
    )


@pytest.fixture
def hostile_build(make_site, press) -> Path:
    site = _hostile_site(make_site)
    code, _, err = press("build", str(site))
    assert code == 0, err
    return site


def test_nothing_is_written_outside_output(hostile_build):
    site = hostile_build
    ours = (site / "output", site / ".cache")  # the output and the build cache (git-ignored)
    files = [p for p in site.parent.rglob("*") if p.is_file()]
    outside = [p for p in files if not any(p.is_relative_to(d) for d in ours)]
    assert sorted(p.relative_to(site).as_posix() for p in outside) == [
        "content/articles/2012/12/hostile.md",
        "content/articles/2012/12/plain.md",
        "site.toml",
    ]
    assert not Path("/tmp/escape").exists()
    names = {p.relative_to(site / "output").as_posix() for p in (site / "output").rglob("*")}
    assert "tags/etc-passwd/index.html" in names
    assert "authors/tmp-escape/index.html" in names


def test_markup_in_names_is_inert_in_every_html_page(hostile_build):
    pages = sorted((hostile_build / "output").rglob("*.html"))
    assert len(pages) > 10
    seen_title = False
    for path in pages:
        page = _parse(path)
        where = path.relative_to(hostile_build).as_posix()
        for tag, attrs in page.tags:
            assert tag != "iframe" and (tag != "img" or attrs.get("src") == "/img/a.jpg"), (where, tag)
            handlers = {a: v for a, v in attrs.items() if a.startswith("on")}
            assert handlers in ({}, BODY_HANDLER), (where, tag, attrs)  # only the body's own raw HTML
        for kind, text in page.scripts:
            if kind == "application/ld+json":
                data = json.loads(text)
                assert "</" not in text
                if data["headline"] == "Plain":
                    continue
                assert data["headline"] == TITLE
                assert data["description"] == SUMMARY
                assert [a["name"] for a in data["author"]][0] == AUTHOR
                assert TAG in data["keywords"]
            elif kind == "application/json":  # the graph page's embedded graph
                assert "<" not in text, where
                assert TITLE in [node["title"] for node in json.loads(text)["nodes"]]
            elif text:  # (an empty one is the theme's own <script src>)
                assert text == 'alert("body")', (where, kind, text)  # the body's own raw HTML, kept
        if path.name == "index.html" and "hostile" in path.parent.name:
            text = "".join(page.text)
            for value in (TITLE, AUTHOR, TAG, CAPTION, CREDIT):
                assert value in text, (where, value)
            assert (None, 'alert("body")') in page.scripts  # raw body HTML is kept by default
            seen_title = True
    assert seen_title


def test_markup_in_names_is_text_in_feeds_and_sitemap(hostile_build):
    out = hostile_build / "output"
    feed = ET.parse(out / "feed.xml").getroot()
    assert feed.findtext(f"{ATOM}title") == SITE_TITLE
    entry = next(e for e in feed.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == TITLE)
    assert list(entry.find(f"{ATOM}title")) == []  # text, not elements
    assert entry.findtext(f"{ATOM}summary") == SUMMARY
    assert AUTHOR in [a.findtext(f"{ATOM}name") for a in entry.iter(f"{ATOM}author")]
    assert TAG in [c.get("term") for c in entry.iter(f"{ATOM}category")]
    author_feeds = sorted(out.glob("authors/*/feed.xml"))
    assert author_feeds
    for path in author_feeds:
        ET.parse(path)
    locs = [e.text or "" for e in ET.parse(out / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")]
    assert locs and all(loc.startswith("https://example.org/news/") for loc in locs)
    assert not [loc for loc in locs if any(c in loc for c in "<>\"' ")]
    graph = out / "graph.json"
    if graph.exists():
        text = graph.read_text(encoding="utf-8")
        json.loads(text)
        assert "</script" not in text.lower()


def test_alias_with_markup_is_a_safe_path_and_redirect(hostile_build):
    out = hostile_build / "output"
    redirects = [p for p in out.rglob("index.html") if 'http-equiv="refresh"' in p.read_text()]
    assert len(redirects) == 1
    assert redirects[0].relative_to(out).parts[0] == "old"
    page = _parse(redirects[0])
    assert page.scripts == []
    refresh = next(a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "refresh")
    assert refresh["content"] == "0; url=/news/2012/12/03/hostile/"


def test_raw_body_html_is_kept_by_default_and_sanitised_on_request(make_site, press, tmp_path):
    site = _hostile_site(make_site, sanitize=True)
    code, _, err = press("build", str(site))
    assert code == 0, err
    page = _parse(site / "output/2012/12/03/hostile/index.html")
    assert [kind for kind, _ in page.scripts] == ["application/ld+json"]
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    assert "Raw paragraph." in "".join(page.text)
    assert "First paragraph." in "".join(page.text)
    feed = ET.parse(site / "output/feed.xml").getroot()
    content = next(
        e.findtext(f"{ATOM}content") or ""
        for e in feed.iter(f"{ATOM}entry")
        if e.findtext(f"{ATOM}title") == TITLE
    )
    assert "Raw paragraph." in content and "<script" not in content and "onclick" not in content


def test_sanitizer_drops_script_handlers_and_javascript_urls():
    from generator.sanitize import sanitize_html

    dirty = (
        '<p onclick="x()">Text <a href="javascript:alert(1)">link</a> <a href="/ok" id="n1">ok</a></p>'
        '<script>alert(1)</script><style>p{}</style><table><tr><td colspan="2">cell</td></tr></table>'
    )
    assert sanitize_html(dirty) == (
        '<p>Text <a>link</a> <a href="/ok" id="n1">ok</a></p>'
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>'
    )


@pytest.mark.parametrize(
    "bad", ["../escape.html", "/etc/passwd", "a/../../escape.html", "a//b.html", "./x.html"]
)
def test_write_refuses_a_path_that_leaves_output(tmp_path, bad):
    from generator.models import Output
    from generator.write import UnsafeOutput, write

    out = tmp_path / "site" / "output"
    good = Output(url="/ok/", path="ok/index.html", data=b"ok")
    with pytest.raises(UnsafeOutput, match="would leave the output folder"):
        write([good, Output(url="/x", path=bad, data=b"x")], out)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["site"]  # nothing staged, nothing written
