from datetime import datetime
from zoneinfo import ZoneInfo

from generator.config import Config
from generator.library import make_library
from generator.models import Article, Author
from generator.urls import Urls

UTC = ZoneInfo("UTC")
URLS = Urls.from_config(Config())


def art(aid: str, title: str, day: int, **kw) -> Article:
    return Article(
        id=aid,
        title=title,
        date=datetime(2012, 12, day, 12, tzinfo=UTC),
        slug=aid.rsplit("/", 1)[-1][:-3],
        body="",
        **kw,
    )


def lib(articles, profiles=(), **kw):
    return make_library(
        list(articles), list(profiles), [], URLS, UTC, now=datetime(2030, 1, 1, tzinfo=UTC), **kw
    )


def test_byline_name_and_slug_resolve_to_one_author():
    library, problems = lib(
        [
            art("articles/a.md", "A", 1, authors=("Jane Doe",)),
            art("articles/b.md", "B", 2, authors=("jane-doe",)),
        ],
        [Author(id="authors/jane-doe.md", slug="jane-doe", name="Jane Q. Doe")],
    )
    assert problems == []
    assert list(library.authors) == ["jane-doe"]
    entry = library.authors["jane-doe"]
    assert entry.name == "Jane Q. Doe"
    assert entry.article_ids == ("articles/b.md", "articles/a.md")


def test_author_without_profile_takes_most_used_spelling():
    library, _ = lib(
        [
            art(f"articles/{i}.md", str(i), i + 1, authors=(name,))
            for i, name in enumerate(["Jose Diaz", "José Díaz", "José Díaz"])
        ]
    )
    assert [(e.slug, e.name) for e in library.authors.values()] == [("jose-diaz", "José Díaz")]


def test_url_collision_lists_every_file():
    library, problems = lib(
        [
            art("articles/2012/12/x.md", "X", 3),
            art("articles/other/x.md", "X again", 3),
            art("articles/y.md", "Y", 4, aliases=("/2012/12/03/x/",)),
        ]
    )
    errors = [p for p in problems if p.is_error]
    assert {p.path for p in errors} == {
        "content/articles/2012/12/x.md",
        "content/articles/other/x.md",
        "content/articles/y.md",
    }
    assert all("URL /2012/12/03/x/ is claimed by 3 sources" in p.message for p in errors)
    assert all("content/articles/y.md (alias)" in p.message for p in errors)


def test_related_by_title_and_path_and_unresolved_warning():
    library, problems = lib(
        [
            art("articles/2012/12/a.md", "First Story", 1),
            art("articles/2012/12/b.md", "Second", 2, related=("first  story", "a.md", "Missing one")),
        ]
    )
    refs = library.editorial["articles/2012/12/b.md"]
    assert [r.article_id for r in refs] == ["articles/2012/12/a.md", "articles/2012/12/a.md", None]
    assert [p.format() for p in problems] == [
        "content/articles/2012/12/b.md: warning: related: no article matches 'Missing one'; "
        "shown as plain text (hint: use the exact title or the path to the article's file)"
    ]


def test_drafts_and_future_are_left_out_unless_asked():
    articles = [
        art("articles/a.md", "A", 1, draft=True),
        art("articles/b.md", "B", 2),
        Article(id="articles/c.md", title="C", date=datetime(2031, 1, 1, tzinfo=UTC), slug="c", body=""),
    ]
    assert [a.id for a in lib(articles)[0].articles] == ["articles/b.md"]
    assert len(lib(articles, drafts=True, future=True)[0].articles) == 3


def test_local_dates_use_site_zone():
    tz = ZoneInfo("America/New_York")
    a = Article(id="articles/a.md", title="A", date=datetime(2012, 12, 4, 2, tzinfo=UTC), slug="a", body="")
    library, _ = make_library([a], [], [], URLS, tz, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert library.url["articles/a.md"] == "/2012/12/03/a/"


def test_neighbours_in_time():
    library, _ = lib(
        [art("articles/b.md", "B", 2), art("articles/a.md", "A", 1), art("articles/c.md", "C", 3)]
    )
    assert library.neighbours()["articles/b.md"] == ("articles/a.md", "articles/c.md")


def test_alias_onto_the_file_of_an_article_url_is_a_collision():
    """`/x/index.html` and `/x/` are one file on a static host: check must say so, not the write."""
    _, problems = lib(
        [
            art("articles/2012/12/x.md", "X", 3),
            art("articles/y.md", "Y", 4, aliases=("/2012/12/03/x/index.html",)),
        ]
    )
    assert [(p.path, p.key) for p in problems] == [
        ("content/articles/2012/12/x.md", None),
        ("content/articles/y.md", "aliases"),
    ]
    assert problems[1].format() == (
        "content/articles/y.md: aliases: URLs /2012/12/03/x/ and /2012/12/03/x/index.html are one file, "
        "2012/12/03/x/index.html, claimed by 2 sources: content/articles/2012/12/x.md (article "
        "/2012/12/03/x/), content/articles/y.md (alias /2012/12/03/x/index.html) "
        "(hint: remove the alias, or move the article that owns this URL)"
    )


def test_percent_encoded_alias_and_its_text_are_one_claim():
    _, problems = lib(
        [
            art("articles/a.md", "A", 3, aliases=("/при/",)),
            art("articles/b.md", "B", 4, aliases=("/%D0%BF%D1%80%D0%B8",)),
        ]
    )
    assert {p.path for p in problems} == {"content/articles/a.md", "content/articles/b.md"}
    assert all("one file, при/index.html" in p.message for p in problems)


def test_alias_listed_twice_in_one_article_is_told_once():
    _, problems = lib([art("articles/a.md", "A", 3, aliases=("/old/", "/old"))])
    assert [p.message for p in problems] == [
        "URL /old/ is claimed by 2 sources: content/articles/a.md (alias), content/articles/a.md (alias)"
    ]


def test_alias_escaping_bytes_that_are_not_utf8_is_an_error_with_a_hint():
    _, problems = lib([art("articles/a.md", "A", 3, aliases=("/caf%E9/",))])
    assert [p.format() for p in problems] == [
        "content/articles/a.md: aliases: URL path '/caf%E9/' percent-encodes bytes that are not UTF-8 "
        "(hint: write the path as text (/café/) or encode it as UTF-8 (/caf%C3%A9/))"
    ]


def test_different_tag_names_with_one_slug_are_a_warning_at_each_name_not_shown():
    """'C++', 'C#' and 'C' all make /tags/c/: merged, two of them would vanish from the article
    page without a word. Spellings of one name ('NATO', 'Nato') are merged quietly, as before."""
    library, problems = lib(
        [
            art("articles/a.md", "A", 1, tags=("C++", "C#", "C", "NATO")),
            art("articles/b.md", "B", 2, tags=("C", "Nato")),
        ]
    )
    assert library.article_tags["articles/a.md"] == ("c", "nato")  # the slugs, and URLs, stay
    assert [p.format() for p in problems] == [
        "content/articles/a.md: warning: tags: 'C++' makes the same slug as 'C', 'C#' ('c'): they share "
        "the topic page /tags/c/, shown as 'C' (hint: rename one of them so its letters and digits "
        "differ, e.g. 'C plus plus' for 'C++')",
        "content/articles/a.md: warning: tags: 'C#' makes the same slug as 'C', 'C++' ('c'): they share "
        "the topic page /tags/c/, shown as 'C' (hint: rename one of them so its letters and digits "
        "differ, e.g. 'C plus plus' for 'C++')",
    ]
