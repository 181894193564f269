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
