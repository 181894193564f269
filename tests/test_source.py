from generator.source import NumberText, decode, split


def test_split_gives_meta_body_and_lines():
    src, problems = split("---\ntitle: A\ndate: 2012-12-03\n---\n\nBody\n", "f.md")
    assert problems == []
    assert src.meta == {"title": "A", "date": "2012-12-03"}
    assert src.key_lines == {"title": 2, "date": 3}
    assert src.body.strip() == "Body"
    assert src.body_line == 5


def test_dates_stay_strings_even_when_impossible():
    src, problems = split("---\ndate: 2012-02-30\n---\n", "f.md")
    assert problems == [] and src.meta["date"] == "2012-02-30"


def test_yaml_error_is_mapped_to_file_line():
    _, problems = split("---\ntitle: A\ntags: [a, b\ndate: 2012-12-03\n---\n", "f.md")
    assert len(problems) == 1
    assert problems[0].line in (4, 5)
    assert problems[0].message.startswith("invalid YAML")


def test_unclosed_and_missing_front_matter():
    assert split("---\ntitle: A\n", "f.md")[1][0].message == "front matter is not closed"
    assert split("just text\n", "f.md")[1][0].message == "no front matter"
    assert split("   \n", "f.md")[1][0].message == "file is empty"


def test_decode_bom_crlf_and_bad_utf8():
    text, problems = decode("\ufeff---\r\ntitle: A\r\n---\r\n".encode(), "f.md")
    assert problems == [] and text == "---\ntitle: A\n---\n"
    text, problems = decode(b"---\ntitle: caf\xe9\n---\n", "f.md")
    assert text is None
    assert problems[0].line == 2 and "not valid UTF-8" in problems[0].message


def test_numbers_as_written_or_as_yaml_reads_them():
    """press's reading keeps the text written (NumberText); the importers get YAML's numbers."""
    text = "---\ntitle: 3.10\nslug: 012345\nn: 7\n---\n"
    src, _ = split(text, "f.md", as_written=True)
    assert src.meta == {"title": "3.10", "slug": "012345", "n": "7"}
    assert all(type(value) is NumberText for value in src.meta.values())
    src, _ = split(text, "f.md")
    assert src.meta == {"title": 3.1, "slug": 5349, "n": 7}
