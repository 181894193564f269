from generator.source import decode, split


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
