from pathlib import Path

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
