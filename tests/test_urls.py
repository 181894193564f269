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


def test_output_file_is_the_decoded_path_a_server_looks_up():
    assert output_file("/%D0%BF%D1%80%D0%B8/") == "при/index.html"
    assert output_file("/caf%C3%A9.html") == "café.html"
    assert output_file("/100%/") == "100%/index.html"  # not an escape: kept


@pytest.mark.parametrize("path", ["/a/%2E%2E/%2e%2e/b/", "/a%2F..%2F..%2Fb/", "/a%5Cb/", "/a%00/"])
def test_output_file_refuses_climbing_once_decoded(path):
    with pytest.raises(UnsafePath):
        output_file(path)


def test_output_file_refuses_escapes_that_are_not_utf8():
    with pytest.raises(UnsafePath) as caught:
        output_file("/caf%E9/")
    assert "not UTF-8" in str(caught.value)
    assert "/caf%C3%A9/" in caught.value.hint
