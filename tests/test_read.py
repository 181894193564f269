from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.models import Image
from generator.read import read_article, read_author, read_page

MOSCOW = ZoneInfo("Europe/Moscow")


def read(tmp_path: Path, text: str, name: str = "articles/2012/12/story.md"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return read_article(tmp_path, name, MOSCOW)


def test_full_article(tmp_path):
    article, problems = read(
        tmp_path,
        "---\ntitle: AT&amp;T &lt;b&gt; deal\ndate: 2012-12-03\nauthors: Jane Doe\ntags: [NATO, Russia]\n"
        "image:\n  caption: A caption\n  credit: Someone\nsource_url: https://example.org/x\n"
        "aliases: [/old/path]\nrelated: [Other story]\nupdated: 2012-12-04T10:00:00+00:00\n"
        "section: World\nsummary: 'Sponsorship&#58; the &ldquo;deal&rdquo;'\n---\n\nBody.\n",
    )
    assert problems == []
    assert article.title == "AT&T <b> deal"
    assert article.summary == "Sponsorship: the \u201cdeal\u201d"  # decoded once, as the title is
    assert article.date == datetime(2012, 12, 3, tzinfo=MOSCOW)
    assert article.authors == ("Jane Doe",)
    assert article.tags == ("NATO", "Russia")
    assert article.image == Image(src=None, caption="A caption", credit="Someone")
    assert article.aliases == ("/old/path",)
    assert article.related == ("Other story",)
    assert article.updated == datetime(2012, 12, 4, 10, tzinfo=UTC)
    assert article.extra == {"section": "World"}
    assert article.slug == "story"
    assert article.body.strip() == "Body."
    assert article.body_line == 16


def test_datetime_with_offset_keeps_it(tmp_path):
    article, _ = read(tmp_path, "---\ntitle: A\ndate: 2019-03-17T10:49:00-05:00\n---\n")
    assert article.date.utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: A", "f:1: date: is missing (hint: add e.g. 'date: 2012-12-03')"),
        ("title: ''\ndate: 2012-12-03", "f:2: title: is empty (hint: add e.g. 'title: My headline')"),
        (
            "title: A\ndate: 2012-02-30",
            "f:3: date: '2012-02-30' is not a real date: day is out of range for month "
            "(hint: check the day and month)",
        ),
        (
            "title: A\ndate: 2012-12-03\ntags: 5",
            "f:4: tags: must be a list of text, got a number (5) (hint: write it as a list, quoting "
            'numbers: ["5"])',
        ),
        (
            "title: A\ndate: 2012-12-03\nauthors: [{name: X}]",
            "f:4: authors: author 1 is a mapping (name), not text (hint: write the author as plain text)",
        ),
        (
            "title: A\ndate: 2012-12-03\nslug: a/b",
            "f:4: slug: 'a/b' must not contain '/' (hint: a slug is one path segment, like 'my-story')",
        ),
        (
            "title: A\ndate: 2012-12-03\naliases: [https://x.org/a]",
            "f:4: aliases: alias 'https://x.org/a' is an "
            "absolute URL (hint: an alias is a path on this site, like /2012/12/old-url)",
        ),
        (
            "title: A\ndate: 2012-12-03\naliases: [/news, /story.php?id=5]",
            "f:4: aliases: alias '/story.php?id=5' has a query or fragment, which a static host can't "
            "tell apart (hint: give the old path alone, or redirect old query URLs in the web server's "
            "own rules)",
        ),
        (
            "title: A\ndate: 2012-12-03\naliases: ['/old#part']",
            "f:4: aliases: alias '/old#part' has a query or fragment, which a static host can't tell "
            "apart (hint: give the old path alone, or redirect old query URLs in the web server's own "
            "rules)",
        ),
        (
            "title: A\ndate: 2012-12-03\ndraft: maybe",
            "f:4: draft: must be true or false, got text ('maybe') "
            "(hint: write true or false, without quotes)",
        ),
        (
            "title: A\ndate: 2012-12-03\ntags: [a, [b], c]",
            "f:4: tags: tag 2 must be text, got a list (hint: write each tag as text, quoted where YAML "
            "would read it otherwise ('yes', 'null'))",
        ),
    ],
)
def test_bad_values_name_file_line_and_key(tmp_path, front, expected):
    article, problems = read(tmp_path, f"---\n{front}\n---\nBody\n")
    assert article is None
    formatted = [p.format().replace("content/articles/2012/12/story.md", "f") for p in problems]
    assert expected in formatted


@pytest.mark.parametrize(
    "front",
    [
        "title: '  '\ndate: 2012-12-03",
        "title: A\ndate: 2012-12-03\ntags: [a, null]",
        "title: A\ndate: 2012-12-03\nauthors: [yes]",
        "title: A\ndate: 2012-12-03\ndraft: 1",
        "title: A\ndate: 2012-12-03\nimage: [a.jpg]",
    ],
)
def test_every_error_says_how_to_fix_it(tmp_path, front):
    _, problems = read(tmp_path, f"---\n{front}\n---\n")
    assert problems and all(p.hint for p in problems), [p.format() for p in problems]


def test_an_unreadable_file_is_an_error_with_a_hint(tmp_path):
    (tmp_path / "articles/folder.md").mkdir(parents=True)
    article, [problem] = read_article(tmp_path, "articles/folder.md", MOSCOW)
    assert article is None and problem.message.startswith("cannot read file") and problem.hint


def test_author_links_of_the_wrong_shape_say_how_to_write_them(tmp_path):
    (tmp_path / "authors").mkdir()
    (tmp_path / "authors/jane.md").write_text("---\nname: Jane\nlinks: https://j.example\n---\n")
    author, [problem] = read_author(tmp_path, "authors/jane.md")
    assert author is None and problem.key == "links" and "Name: https://" in problem.hint


def test_all_problems_of_a_file_at_once(tmp_path):
    _, problems = read(tmp_path, "---\ntitle: A\ndate: nope\ntags: 3\ndraft: 1\n---\n")
    assert [p.key for p in problems] == ["date", "tags", "draft"]


@pytest.mark.parametrize(
    ("updated", "kept"),
    [
        ("2013-04-01", False),  # a month before publication
        ("2013-04-30T19:00:00+00:00", False),  # 23:00 of April 30 in the site's zone (+04:00)
        ("2013-04-30T21:00:00+00:00", True),  # 01:00 of May 1 there: the publication day
        ("2013-05-01T00:10:00+04:00", True),  # the publication day (no update to show, not a mistake)
        ("2013-05-02", True),
    ],
)
def test_an_update_dated_before_the_publication_day_is_left_out_with_a_warning(tmp_path, updated, kept):
    article, problems = read(
        tmp_path, f"---\ntitle: T\ndate: 2013-05-01T10:00:00\nupdated: {updated}\n---\n\nB.\n"
    )
    assert (article.updated is not None) == kept
    if kept:
        assert problems == []
    else:
        [problem] = problems
        assert (problem.line, problem.key, problem.is_error) == (4, "updated", False)
        assert "before the publication date" in problem.message


def test_messy_slug_is_cleaned_with_a_warning(tmp_path):
    article, problems = read(tmp_path, "---\ntitle: A\ndate: 2012-12-03\n---\n", "articles/a%20b.md")
    assert article.slug == "a-b"
    assert (
        problems[0]
        .format()
        .endswith(
            "slug: 'a%20b' is not URL-safe; using 'a-b' "
            "(hint: use only letters, digits, '-', '_', '.' and '~')"
        )
    )


def test_author_profile_and_page(tmp_path):
    (tmp_path / "authors").mkdir()
    (tmp_path / "authors/jane-doe.md").write_text(
        "---\nname: Jane Doe\nlinks: {Site: https://j.example}\n---\nBio"
    )
    author, problems = read_author(tmp_path, "authors/jane-doe.md")
    assert problems == [] and author.slug == "jane-doe" and author.name == "Jane Doe"
    assert author.links == (("Site", "https://j.example"),)
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages/about.md").write_text("---\ntitle: About\n---\nHello")
    page, problems = read_page(tmp_path, "pages/about.md")
    assert problems == [] and page.slug == "about" and page.title == "About"


def test_numbers_in_text_fields_keep_the_text_written(tmp_path):
    """YAML 1.1 reads 3.10, 012345 (octal), 0x1F, 1_000 and 1:30 (base 60) as numbers; a headline,
    slug or tag is text, exactly as the file has it."""
    article, problems = read(
        tmp_path,
        "---\ntitle: 3.10\ndate: 2024-05-01\nslug: 012345\ntags: [1.50, 0x1F, 1_000, '7', 1:30, .inf]\n"
        "authors: [007]\nsummary: -0.0\nrelated: [2.0]\nimage:\n  caption: 1e+3\n  credit: 1.0e+3\n"
        "draft: yes\n---\n",
    )
    assert problems == []
    assert (article.title, article.slug, article.summary) == ("3.10", "012345", "-0.0")
    assert article.tags == ("1.50", "0x1F", "1_000", "7", "1:30", ".inf")
    assert (article.authors, article.related) == (("007",), ("2.0",))
    assert article.image == Image(caption="1e+3", credit="1.0e+3")
    assert all(type(text) is str for text in (article.title, article.slug, *article.tags))
    assert article.draft is True  # flags are still YAML's true/false (and yes/no)


def test_extra_numbers_in_plain_decimal_are_numbers_and_other_forms_stay_text(tmp_path):
    article, problems = read(
        tmp_path,
        "---\ntitle: T\ndate: 2024-05-01\nwordcount: 812\nratio: 3.50\nbelow: -7\nzip: 01234\n"
        "code: 0x1F\nsold: 1_000\nlength: 1:30\nlegacy: {id: 7, parts: [1, 02]}\n2024: year\n---\n",
    )
    assert problems == []
    assert article.extra == {
        "wordcount": 812,
        "ratio": 3.5,
        "below": -7,
        "zip": "01234",
        "code": "0x1F",
        "sold": "1_000",
        "length": "1:30",
        "legacy": {"id": 7, "parts": [1, "02"]},
        "2024": "year",
    }


@pytest.mark.parametrize(
    "front",
    [
        "date: 0001-01-01T00:00:00+14:00",  # year 0 in UTC
        "date: 2012-12-03\nupdated: 9999-12-31T23:59:59-12:00",  # year 10000 in UTC
        "date: 0001-01-01",  # midnight in Moscow (then +02:30) is year 0 in UTC
        "date: 9999-12-31T12:00:00",  # 09:00 UTC on the last day: year 10000 at +14:00
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_refused_where_they_are_written(tmp_path, front):
    article, problems = read(tmp_path, f"---\ntitle: T\n{front}\n---\n")
    [problem] = problems
    assert article is None and problem.line == 2 + front.count("\n") + 1
    assert "too close to the ends of the calendar" in problem.message
    assert problem.hint == "give a date between 0001-01-02 and 9999-12-30 (UTC), or check the year"


def test_a_key_given_twice_is_an_error_naming_both_lines(tmp_path):
    article, problems = read(
        tmp_path,
        "---\ntitle: First\ndate: 2024-05-03\ntitle: Second\nimage:\n  credit: A\n  credit: B\n---\n",
    )
    assert article is None
    assert [p.format().split(": ", 1)[1] for p in problems] == [
        "title: given twice, on lines 2 and 4 (hint: keep one of them: YAML keys must be unique)",
        "image: 'credit' given twice, on lines 6 and 7 (hint: keep one of them: YAML keys must be unique)",
    ]
    assert [p.line for p in problems] == [4, 7]


@pytest.mark.parametrize(("one", "other"), [("author", "authors"), ("tags", "tag"), ("alias", "aliases")])
def test_a_key_and_its_other_spelling_both_given_is_an_error(tmp_path, one, other):
    article, [problem] = read(tmp_path, f"---\ntitle: T\ndate: 2024-05-03\n{one}: [/a]\n{other}: [/b]\n---\n")
    assert article is None and (problem.line, problem.key) == (5, other)
    assert problem.message == f"given as well as {one!r} (line 4): one would replace the other"
    assert problem.hint.startswith("put them all under one key")


def test_an_image_with_an_empty_key_is_an_error_not_a_crash(tmp_path):
    """`~:` is a null key; sorting it among the text keys raised a TypeError."""
    article, [problem] = read(
        tmp_path, "---\ntitle: T\ndate: 2024-05-03\nimage: {~: a.jpg, caption: C}\n---\n"
    )
    assert article is None and (problem.key, problem.message) == ("image", "unknown image key 'None'")


@pytest.mark.parametrize(
    ("line", "meant"),
    [
        ("Draft: true", "draft"),  # the embargoed story was published
        ("autors: [Jane Doe]", "authors"),  # the story had no byline
        ("Author: Jane Doe", "author"),
        ("Source-URL: https://example.org/a", "source_url"),
        ("titel: Another headline", "title"),
        ("updated_at: 2024-05-04", "updated"),
    ],
)
def test_an_unknown_key_like_a_known_one_is_kept_in_extra_with_a_warning(tmp_path, line, meant):
    article, [problem] = read(tmp_path, f"---\ntitle: T\ndate: 2024-05-03\n{line}\n---\n")
    name = line.split(":")[0]
    assert name in article.extra and not article.draft and article.authors == ()
    assert (problem.line, problem.key, problem.is_error) == (4, name, False)
    assert problem.message.startswith(f"unknown key {name!r} is kept in extra; did you mean {meant!r}?")
    assert problem.hint.startswith(f"rename it '{meant}'")


def test_a_key_of_the_sites_own_is_not_taken_for_a_near_miss_when_its_value_does_not_fit(tmp_path):
    article, problems = read(
        tmp_path,
        "---\ntitle: T\ndate: 2024-05-03\nimages: [a.jpg, b.jpg]\ndates: [2024, 2025]\nDraft: maybe\n---\n",
    )
    assert set(article.extra) == {"images", "dates", "Draft"}
    assert [p.key for p in problems] == ["Draft"]  # a case variant is flagged whatever its value


def test_near_misses_in_author_profiles_and_pages(tmp_path):
    (tmp_path / "authors").mkdir()
    (tmp_path / "authors/jane.md").write_text("---\nname: Jane\nBio: Reporter\n---\n")
    _, [problem] = read_author(tmp_path, "authors/jane.md")
    assert (problem.key, problem.is_error) == ("Bio", False) and "did you mean 'bio'" in problem.message
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages/about.md").write_text("---\ntitle: About\nslgu: about-us\n---\n")
    _, [problem] = read_page(tmp_path, "pages/about.md")
    assert (problem.key, problem.is_error) == ("slgu", False) and "did you mean 'slug'" in problem.message


@pytest.mark.parametrize(
    ("date", "shown", "warned"),
    [
        ("2020-03-08T02:30:00", "2020-03-08T03:30:00-04:00", True),  # the hour New York's clocks skip
        ("2020-03-08T01:30:00", "2020-03-08T01:30:00-05:00", False),
        ("2020-11-01T01:30:00", "2020-11-01T01:30:00-04:00", False),  # twice that night: the first
        ("2020-03-08T02:30:00-05:00", "2020-03-08T02:30:00-05:00", False),  # an offset is exact
    ],
)
def test_a_wall_time_the_clocks_skip_is_taken_as_the_instant_it_names(tmp_path, date, shown, warned):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles/gap.md").write_text(f"---\ntitle: Gap\ndate: {date}\n---\nB.\n")
    article, problems = read_article(tmp_path, "articles/gap.md", ZoneInfo("America/New_York"))
    assert article is not None and article.date.isoformat() == shown
    expected = [
        "content/articles/gap.md:3: warning: date: 2020-03-08 02:30 is not a time in America/New_York "
        "(the clocks skip that hour); taken as 2020-03-08T03:30-04:00 (hint: give the time the clocks "
        "showed, or add its UTC offset)"
    ]
    assert [p.format() for p in problems] == (expected if warned else [])
