from pathlib import Path

import pytest

from generator.config import Config, load_config


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "site.toml").write_text(text)
    return tmp_path


def test_missing_file_means_defaults(tmp_path):
    config, problems = load_config(tmp_path)
    assert problems == []
    assert config == Config()


def test_values_are_read_and_typed(tmp_path):
    config, problems = load_config(
        write(tmp_path, 'title = "T"\nper_page = 5\ntimezone = "Europe/Moscow"\n[related]\ntext = 2\n')
    )
    assert problems == []
    assert (config.title, config.per_page, config.timezone) == ("T", 5, "Europe/Moscow")
    assert config.related.text == 2.0 and isinstance(config.related.text, float)


def test_unknown_key_names_it_and_suggests_nearest(tmp_path):
    _, problems = load_config(write(tmp_path, 'title = "T"\nbase_ulr = "/x/"\n'))
    assert [p.format() for p in problems] == [
        "site.toml:2: base_ulr: unknown setting (hint: did you mean 'base_url'?)"
    ]


def test_unknown_key_in_table_is_dotted(tmp_path):
    _, problems = load_config(write(tmp_path, "[permalinks]\narticel = '/{slug}/'\n"))
    assert [p.format() for p in problems] == [
        "site.toml:2: permalinks.articel: unknown setting (hint: did you mean 'permalinks.article'?)"
    ]


def test_wrong_type_and_bad_timezone_reported_together(tmp_path):
    _, problems = load_config(write(tmp_path, 'per_page = "ten"\ntimezone = "Mars/Olympus"\n'))
    messages = [p.format() for p in problems]
    assert messages[0] == "site.toml:1: per_page: must be a whole number, got str (hint: default is 20)"
    assert messages[1].startswith("site.toml:2: timezone: unknown time zone 'Mars/Olympus'")


def test_invalid_toml_has_line(tmp_path):
    _, problems = load_config(write(tmp_path, 'title = "T"\nbroken = \n'))
    assert len(problems) == 1
    assert problems[0].line == 2
    assert "invalid TOML" in problems[0].message


def test_base_url_override(tmp_path):
    config, _ = load_config(write(tmp_path, 'base_url = "/"\n'), base_url="https://example.org/sub/")
    assert config.base_url == "https://example.org/sub/"


def test_permalink_without_slug_is_an_error(tmp_path):
    _, problems = load_config(write(tmp_path, '[permalinks]\narticle = "/{year}/"\n'))
    assert problems[0].key == "permalinks.article"
    assert "must contain {slug}" in problems[0].message


HINT = "(hint: write the full address, like 'https://example.org/news/', or the path alone, like '/news/')"


@pytest.mark.parametrize("base_url", ["example.org/news/", "sub/", "localhost:8000/"])
def test_base_url_without_scheme_or_leading_slash_is_an_error(tmp_path, base_url):
    """Links would be relative to each page: the site would work on its home page only."""
    _, problems = load_config(write(tmp_path, f'title = "T"\nbase_url = "{base_url}"\n'))
    assert [p.format() for p in problems] == [
        f"site.toml:2: base_url: {base_url!r} has neither a scheme nor a leading '/', "
        f"so links would be relative to each page {HINT}"
    ]


def test_base_url_option_is_checked_and_named_as_the_option(tmp_path):
    _, problems = load_config(write(tmp_path, 'base_url = "/"\n'), base_url="example.org/news/")
    assert [p.format() for p in problems] == [
        "--base-url: base_url: 'example.org/news/' has neither a scheme nor a leading '/', "
        f"so links would be relative to each page {HINT}"
    ]


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("//example.org/news/", "has no scheme"),
        ("https:///news/", "has no host"),
        ("ftp://example.org/", "is not an http(s) address"),
    ],
)
def test_other_base_urls_that_say_no_place(tmp_path, base_url, message):
    _, problems = load_config(write(tmp_path, f'base_url = "{base_url}"\n'))
    assert [(p.key, p.message, p.hint) for p in problems] == [
        ("base_url", f"{base_url!r} {message}", HINT[7:-1])
    ]


@pytest.mark.parametrize(
    "base_url", ["/", "/news/", "", "https://example.org", "http://127.0.0.1:8000/news/"]
)
def test_base_urls_that_say_where_the_site_lives(tmp_path, base_url):
    assert load_config(write(tmp_path, f'base_url = "{base_url}"\n'))[1] == []


def test_unknown_permalink_placeholder_is_an_error_not_a_crash(tmp_path):
    _, problems = load_config(
        write(tmp_path, '[permalinks]\narticle = "/{slug}/{nope}/"\npage = "/{slgu}/"\n')
    )
    assert [p.format() for p in problems] == [
        "site.toml:2: permalinks.article: unknown placeholder {nope} "
        "(hint: the placeholders are {year}, {month}, {day}, {slug}, {id})",
        "site.toml:3: permalinks.page: unknown placeholder {slgu} "
        "(hint: did you mean {slug}? the placeholders are {slug})",
    ]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("/{slug/", "pattern '/{slug/' has an unmatched brace: expected '}' before end of string"),
        ("/{year}}/{slug}/", "pattern '/{year}}/{slug}/' has an unmatched brace: Single '}' encountered"),
        ("/{slug:>9}/", "placeholder {slug:>9} takes no format"),
        ("/{slug!r}/", "placeholder {slug!r} takes no format"),
        ("/{slug[0]}/{slug}/", "unknown placeholder {slug[0]}"),
        ("/{}/{slug}/", "unknown placeholder {}"),
    ],
)
def test_malformed_permalink_patterns(tmp_path, pattern, message):
    _, problems = load_config(write(tmp_path, f"[permalinks]\narticle = '{pattern}'\n"))
    assert [(p.line, p.key) for p in problems] == [(2, "permalinks.article")]
    assert problems[0].message.startswith(message)
    assert problems[0].hint


def test_literal_braces_in_a_permalink_are_fine(tmp_path):
    assert load_config(write(tmp_path, "[permalinks]\narticle = '/{{x}}/{slug}/'\n"))[1] == []


def test_every_config_error_has_a_hint(tmp_path):
    text = (
        'base_url = "sub/"\nper_page = 0\nhome_size = -1\nfeed_size = 0\ntimezone = "Nowhere"\n'
        "title = 5\n[related]\nk = -1\ntext = -1.0\nterms = -2\ntime_scale_days = 0\n"
        "[permalinks]\narticle = '/{year}/'\npage = '/../{slug}/'\n"
    )
    _, problems = load_config(write(tmp_path, text))
    assert len(problems) == 12
    assert [p.format() for p in problems if not p.hint] == []
    assert "site.toml:4: feed_size: must be at least 1 (hint: set it to 1 or more; the default is 50)" in [
        p.format() for p in problems
    ]
    assert (
        "site.toml:8: related.k: must not be negative "
        "(hint: use 0 to turn the related lists off, or a number of articles; the default is 5)"
    ) in [p.format() for p in problems]
