from datetime import datetime
from zoneinfo import ZoneInfo

from generator.config import Config
from generator.indexes import Group, all_index_pages, date_groups, elided, month_counts, paginate
from generator.library import make_library
from generator.models import Article
from generator.urls import Urls

UTC = ZoneInfo("UTC")


def library(dates):
    articles = [
        Article(id=f"articles/{i}.md", title=str(i), date=d, slug=str(i), body="", tags=("T",))
        for i, d in enumerate(dates)
    ]
    return make_library(
        articles, [], [], Urls.from_config(Config()), UTC, now=datetime(2030, 1, 1, tzinfo=UTC)
    )[0]


def test_paginate_splits_and_links_pages():
    pages = paginate(Group("tag", "t", "T", "/tags/t/", tuple(str(i) for i in range(5))), per_page=2)
    assert [p.url for p in pages] == ["/tags/t/", "/tags/t/page/2/", "/tags/t/page/3/"]
    assert [p.article_ids for p in pages] == [("0", "1"), ("2", "3"), ("4",)]
    assert (pages[0].prev_page, pages[0].next_page) == (None, "/tags/t/page/2/")
    assert (pages[2].prev_page, pages[2].next_page) == ("/tags/t/page/2/", None)


def test_page_links_are_elided_around_the_current_page_and_at_the_ends():
    assert elided(1, 1) == [1]
    assert elided(4, 10) == list(range(1, 11))  # few pages: all of them
    assert elided(1, 11) == [1, 2, 3, 4, None, 10, 11]
    assert elided(7, 20) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None, 19, 20]  # no gap of one page
    assert elided(8, 20) == [1, 2, None, 5, 6, 7, 8, 9, 10, 11, None, 19, 20]
    assert elided(20, 20) == [1, 2, None, 17, 18, 19, 20]
    for pages in range(1, 40):
        for number in range(1, pages + 1):
            shown = elided(number, pages)
            numbers = [n for n in shown if n is not None]
            assert numbers == sorted(set(numbers)) and {1, number, pages} <= set(numbers)
            assert len(shown) <= 13  # never grows with the index
            for at, n in enumerate(shown):  # a gap hides two pages or more
                if n is None:
                    assert shown[at + 1] - shown[at - 1] > 2


def test_empty_group_still_has_one_page():
    assert len(paginate(Group("tag", "t", "T", "/tags/t/", ()), per_page=2)) == 1


def test_date_groups_newest_first_and_neighbours():
    lib = library(
        [
            datetime(2011, 5, 1, tzinfo=UTC),
            datetime(2012, 1, 2, tzinfo=UTC),
            datetime(2012, 1, 2, 8, tzinfo=UTC),
        ]
    )
    groups = date_groups(lib)
    assert [g.key for g in groups["year"]] == ["2011", "2012"]
    assert [g.key for g in groups["month"]] == ["2011-05", "2012-01"]
    assert groups["day"][1].article_ids == ("articles/2.md", "articles/1.md")
    pages = {p.url: p for p in all_index_pages(lib, per_page=10)}
    assert pages["/2012/01/"].older.url == "/2011/05/" and pages["/2012/01/"].newer is None
    assert pages["/2011/05/"].older is None and pages["/2011/05/"].newer.label == "January 2012"
    assert "/tags/t/" in pages


def test_month_counts_include_empty_months():
    lib = library([datetime(2011, 11, 1, tzinfo=UTC), datetime(2012, 2, 1, tzinfo=UTC)])
    counts = [(m.year, m.month, m.count) for m in month_counts(lib)]
    assert counts == [(2011, 11, 1), (2011, 12, 0), (2012, 1, 0), (2012, 2, 1)]
