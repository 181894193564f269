from datetime import datetime

import pytest

from generator.config import Config, Permalinks
from generator.urls import UnsafePath, Urls, output_file


def urls(base: str = "/", pattern: str = "/{year}/{month}/{day}/{slug}/") -> Urls:
    return Urls.from_config(Config(base_url=base, permalinks=Permalinks(article=pattern)))


def test_article_default_pattern():
    assert urls().article(datetime(2012, 12, 3), "lavrov") == "/2012/12/03/lavrov/"


def test_article_custom_pattern_and_id():
    u = urls(pattern="/news/{id}/")
    assert u.article(datetime(2012, 12, 3), "x", "articles/2012/12/x.md") == "/news/articles/2012/12/x/"


def test_href_under_sub_path_and_root():
    assert urls("https://example.org/news/").href("/2012/") == "/news/2012/"
    assert urls("/").href("/2012/") == "/2012/"
    assert urls("https://example.org/news").href("/") == "/news/"


def test_absolute_needs_a_host():
    assert urls("https://example.org/news/").absolute("/a/") == "https://example.org/news/a/"
    assert urls("/").absolute("/a/") == "/a/"


def test_href_percent_encodes_non_ascii():
    assert urls().href("/tags/café/") == "/tags/caf%C3%A9/"


def test_pagination():
    assert Urls.paginated("/2012/", 1) == "/2012/"
    assert Urls.paginated("/2012/", 3) == "/2012/page/3/"


@pytest.mark.parametrize(
    ("path", "file"),
    [("/", "index.html"), ("/2012/", "2012/index.html"), ("/feed.xml", "feed.xml"), ("/a/b", "a/b")],
)
def test_output_file(path, file):
    assert output_file(path) == file


@pytest.mark.parametrize("path", ["/../etc/passwd", "/a/../../b/", "/a\\b/", "/./x/"])
def test_output_file_refuses_climbing(path):
    with pytest.raises(UnsafePath):
        output_file(path)
