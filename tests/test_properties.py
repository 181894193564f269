"""Property-based tests (hypothesis): slugs, URL building and the front-matter round trip hold for
any text, not only for the examples we thought of."""

from __future__ import annotations

import html
import posixpath
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.library import alias_path
from generator.read import Invalid, read_article, to_aliases
from generator.slugs import clean_slug, slug_problem, slugify
from generator.urls import UnsafePath, Urls, output_file
from tests.test_markdown import _both

TZ = ZoneInfo("UTC")
URLS = Urls("https://example.org/news/", "/{year}/{month}/{day}/{slug}/", "/{slug}/")
# What may appear in an href unescaped: no quotes, spaces, angle brackets or backslashes.
HREF = re.compile(r"^[A-Za-z0-9/:#?=&%~._-]*$")
settings.register_profile("press", max_examples=200, deadline=None)
settings.load_profile("press")


def _inside(rel: str) -> bool:
    normal = posixpath.normpath(rel)
    return not rel.startswith("/") and normal != ".." and not normal.startswith("../") and "\x00" not in rel


@given(st.text())
@example("../../etc/passwd")
@example("</script>")
@example("")
@example("—")
def test_slugify_is_always_one_safe_segment(text):
    slug = slugify(text)
    assert slug
    assert slug_problem(slug) is None
    assert clean_slug(slug) is None
    assert _inside(output_file(Urls.tag(slug)))
    assert HREF.match(URLS.href(Urls.author(slug)))


@given(st.text())
@example("/../x")
@example("/a/./b")
@example("a\\b")
@example("//etc/passwd")
def test_output_file_never_leaves_output(path):
    try:
        rel = output_file(path)
    except UnsafePath:
        return
    assert _inside(rel)
    assert ".." not in rel.split("/")
    assert rel.endswith("index.html") or rel.split("/")[-1] != ""


@given(st.text(min_size=1))
def test_any_usable_slug_makes_an_article_url_inside_output(slug):
    if slug_problem(slug) is not None:
        return
    slug = clean_slug(slug) or slug
    url = URLS.article(datetime(2012, 12, 3, tzinfo=TZ), slug)
    assert url.startswith("/2012/12/03/")
    assert _inside(output_file(url))
    assert HREF.match(URLS.href(url))
    assert URLS.absolute(url).startswith("https://example.org/news/2012/12/03/")


@given(st.lists(st.text(min_size=1), min_size=1, max_size=3))
@example(["/old/../../etc"])
@example(["javascript:alert(1)"])
def test_accepted_aliases_stay_inside_output(aliases):
    try:
        accepted = to_aliases(aliases)
    except Invalid:
        return
    for alias in accepted:
        try:
            rel = output_file(alias_path(alias))
        except UnsafePath:
            continue  # refused by the library with a located problem
        assert _inside(rel)


# -- the front-matter round trip ----------------------------------------------------------------------

# Text a person could type in a YAML value (no control characters other than tab, no lone surrogates).
_chars = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\u2028\u2029\x85")
texts = st.text(_chars, min_size=1, max_size=40).filter(lambda t: t.strip())
dates = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(TZ))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=texts,
    date=dates,
    authors=st.lists(texts, max_size=3),
    tags=st.lists(texts, max_size=4),
    summary=st.one_of(st.none(), texts),
    extra=st.dictionaries(
        st.sampled_from(["desk", "wordcount", "legacy_id"]), st.one_of(texts, st.integers()), max_size=2
    ),
)
def test_front_matter_round_trip(tmp_path_factory, title, date, authors, tags, summary, extra):
    meta = {"title": title, "date": date.isoformat(), "authors": authors, "tags": tags, **extra}
    if summary is not None:
        meta["summary"] = summary
    folder = tmp_path_factory.mktemp("rt")
    path = Path(folder, "content/articles/a.md")
    path.parent.mkdir(parents=True)
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{front}---\n\nBody.\n", encoding="utf-8")

    found, problems = read_article(folder / "content", "articles/a.md", TZ)

    assert problems == []
    assert found is not None
    assert found.title == html.unescape(title.strip())
    assert found.date == date
    assert found.authors == _list(authors)
    assert found.tags == _list(tags)
    assert found.summary == (summary.strip() if summary is not None else None)
    assert found.extra == extra
    assert found.body.strip() == "Body."
    for key in meta:
        assert found.line_of(key) == 2 + list(meta).index(key) + _lines_before(front, key), key


# Plain scalars YAML 1.1 would read as numbers: decimal, octal, hex, binary, with '_', base 60, floats.
_number_like = st.from_regex(
    r"\A[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+][0-9]+)?|0x[0-9a-fA-F_]+|0b[01_]+|[1-9][0-9]*:[0-5][0-9]"
    r"|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=_number_like, tag=_number_like, slug=st.from_regex(r"\A[0-9][0-9_]*(?:\.[0-9]+)?\Z"))
@example(title="3.10", tag="0x1F", slug="012345")
def test_numbers_written_unquoted_keep_their_text(tmp_path_factory, title, tag, slug):
    path = Path(tmp_path_factory.mktemp("num"), "content/articles/a.md")
    path.parent.mkdir(parents=True)
    path.write_text(f"---\ntitle: {title}\ndate: 2012-12-03\nslug: {slug}\ntags: [{tag}]\n---\n")
    found, problems = read_article(path.parents[1], "articles/a.md", TZ)
    assert found is not None, problems
    assert (found.title, found.slug, found.tags) == (title, slug, (tag,))


def _list(values: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        text = html.unescape(value.strip())
        if text and text not in out:
            out.append(text)
    return tuple(out)


def _lines_before(front: str, key: str) -> int:
    """Continuation lines (list items, folded values) that YAML wrote before `key:`."""
    lines = front.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    top_level = sum(1 for line in lines[:index] if line[:1] not in ("", " ", "-"))
    return index - top_level


@pytest.mark.parametrize("text", ["AT&amp;T", "&lt;b&gt;", "Q&amp;A: &quot;yes&quot;"])
def test_title_entities_are_decoded_once(text, tmp_path):
    path = tmp_path / "content/articles/a.md"
    path.parent.mkdir(parents=True)
    path.write_text(f"---\ntitle: {yaml.safe_dump(text).splitlines()[0]}\ndate: 2012-12-03\n---\n")
    found, _ = read_article(tmp_path / "content", "articles/a.md", TZ)
    assert found is not None and found.title == html.unescape(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab *_`[]()!<>&#;\\\n:/.\"'^-x1=|+\t", max_size=200))
def test_skipping_passes_are_python_markdown_on_any_text(text: str):
    plain, skipping = _both(text)
    assert skipping == plain


@given(st.text())
@example("/2012/12/03/caf\u00e9/")
@example("/tags/a b/")
@example("/plain-path_1.2~/")
def test_href_quotes_exactly_as_quote_does(path):
    """Plain paths skip quote(); every path must come out as quote() makes it."""
    from urllib.parse import quote

    assert URLS.href(path) == quote(URLS.base_path + path.lstrip("/"), safe="/:#?=&%~.-_")
