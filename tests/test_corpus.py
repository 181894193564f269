"""The real corpus (2,083 digital.gov articles) built end to end with the real CLI."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.build import Options, load
from generator.slugs import slugify

pytestmark = pytest.mark.corpus
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def loaded(corpus_archive: Path):
    result = load(corpus_archive, Options())
    assert result.errors == []
    return result


def test_corpus_builds_without_errors(corpus_build: Path, loaded):
    assert len(loaded.site.library.articles) >= 2080
    assert (corpus_build / "index.html").is_file()


def test_article_pages_have_author_links_and_dates(corpus_build: Path, loaded):
    library = loaded.site.library
    with_authors = [a for a in library.articles if library.article_authors[a.id]][:50]
    assert with_authors
    for article in with_authors:
        page = (corpus_build / library.url[article.id].lstrip("/") / "index.html").read_text()
        when = library.local[article.id].isoformat()
        assert f'<time datetime="{when}">' in page
        for slug in library.article_authors[article.id]:
            assert f'href="/authors/{slug}/"' in page
            assert (corpus_build / "authors" / slug / "index.html").is_file()


def test_author_page_lists_that_authors_articles(corpus_build: Path, loaded):
    library = loaded.site.library
    entry = max(library.authors.values(), key=lambda e: len(e.article_ids))
    page = (corpus_build / "authors" / entry.slug / "index.html").read_text()
    for article_id in entry.article_ids[:20]:
        assert f'href="{library.url[article_id]}"' in page
    assert f"{len(entry.article_ids)} articles" in page


def test_every_year_and_month_index_exists(corpus_build: Path, loaded):
    months = {(w.year, w.month) for w in loaded.site.library.local.values()}
    assert len(months) > 100
    for year, month in months:
        assert (corpus_build / f"{year:04d}/index.html").is_file()
        assert (corpus_build / f"{year:04d}/{month:02d}/index.html").is_file()


def test_feed_and_sitemap_parse(corpus_build: Path, loaded):
    entries = list(ET.parse(corpus_build / "feed.xml").getroot().iter(f"{ATOM}entry"))
    assert len(entries) == 50
    newest = loaded.site.library.newest_first()[0]
    assert entries[0].findtext(f"{ATOM}title") == newest.title
    urls = ET.parse(corpus_build / "sitemap.xml").getroot()
    assert len(list(urls)) > len(loaded.site.library.articles)


def test_tags_have_pages(corpus_build: Path, loaded):
    for entry in loaded.site.library.tags.values():
        assert entry.slug == slugify(entry.name)
        assert (corpus_build / "tags" / entry.slug / "index.html").is_file()
