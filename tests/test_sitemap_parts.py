"""A sitemap file may list 50,000 URLs (sitemaps.org): a larger site gets numbered parts, and
sitemap.xml becomes their index, so robots.txt and search consoles keep one address."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from generator import feeds
from generator.build import Options, build, load
from tests.conftest import article

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _site(make_site, name: str) -> Path:
    files = {
        f"content/articles/2020/03/s{n}.md": article(
            f"Story {n}", f"2020-03-{n + 1:02d}", "Body.", tags=["news"]
        )
        for n in range(7)
    }
    files["content/articles/2020/03/s3.md"] = article("Story 3", "2020-03-04", "Body.", updated="2021-06-01")
    return make_site(files, 'title = "T"\nbase_url = "https://example.org/"\n', name=name)


def _locs(path: Path, tag: str) -> list[tuple[str, str | None]]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{NS}{tag}"
    child = "url" if tag == "urlset" else "sitemap"
    return [(e.findtext(f"{NS}loc"), e.findtext(f"{NS}lastmod")) for e in root.iter(f"{NS}{child}")]


def test_a_sitemap_over_the_limit_is_split_into_parts_under_an_index(make_site, monkeypatch):
    whole = _site(make_site, "whole")
    assert build(whole, Options(jobs=1)).ok
    listed = _locs(whole / "output/sitemap.xml", "urlset")
    assert len(listed) > 6 and not (whole / "output/sitemap-1.xml").exists()
    loaded = load(whole, Options(jobs=1)).site  # what the load-time check counts (see reserved.py)
    assert loaded is not None
    assert feeds.sitemap_size(loaded.library, len({p.first_url for p in loaded.index_pages})) == len(listed)

    monkeypatch.setattr(feeds, "SITEMAP_URLS", 3)
    split = _site(make_site, "split")
    assert build(split, Options(jobs=2)).ok
    index = _locs(split / "output/sitemap.xml", "sitemapindex")
    parts = -(-len(listed) // 3)
    assert [loc for loc, _ in index] == [f"https://example.org/sitemap-{n}.xml" for n in range(1, parts + 1)]
    together = []
    for number, (_, lastmod) in enumerate(index, start=1):
        part = _locs(split / f"output/sitemap-{number}.xml", "urlset")
        assert 1 <= len(part) <= 3
        assert lastmod == max((m for _, m in part if m), default=None)
        together += part
    assert together == listed
    assert "2021-06-01" in {m for _, m in index}
    robots = (split / "output/robots.txt").read_text()
    assert "https://example.org/sitemap.xml" in robots


def test_a_source_claiming_a_sitemap_part_is_an_error_only_when_the_part_exists(make_site, monkeypatch):
    """An alias over /sitemap-2.xml is a page like any other while the sitemap is one file; once
    the sitemap is split, that file is its second part, and the build must say so before writing."""
    files = {
        f"content/articles/2020/03/s{n}.md": article(f"Story {n}", f"2020-03-{n + 1:02d}", "Body.")
        for n in range(7)
    }
    files["content/articles/2020/03/s6.md"] = article(
        "Story 6", "2020-03-07", "Body.", aliases=["/sitemap-2.xml"]
    )
    site = make_site(files)
    assert load(site, Options(jobs=1)).ok
    monkeypatch.setattr(feeds, "SITEMAP_URLS", 3)
    found = load(site, Options(jobs=1)).errors
    assert [(p.path, p.key) for p in found] == [("content/articles/2020/03/s6.md", "aliases")]
    assert "part 2 of the sitemap" in found[0].message
    monkeypatch.setattr(feeds, "SITEMAP_URLS", 100)
    assert load(site, Options(jobs=1)).ok
