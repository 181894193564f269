import os
import subprocess
import sys

import pytest

from generator.source import Duplicate, NumberText, decode, split
from tests.conftest import ROOT


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


def _laughs(levels: int) -> str:
    """A "billion laughs": each anchor a list of nine aliases of the one before."""
    lines = ["---", "title: Bomb", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join([*lines, f"extra_bomb: *a{levels - 1}", "---", "Body"]) + "\n"


def test_aliases_are_fine_until_they_expand_past_the_limit():
    src, problems = split("---\nbase: &b {desk: World, pages: [1, 2]}\nother: *b\n---\n", "f.md")
    assert problems == [] and src.meta["other"] == {"desk": "World", "pages": [1, 2]}
    assert split(_laughs(4), "f.md")[1] == []  # 9⁴ values
    _, [problem] = split(_laughs(9), "f.md")  # 9⁹: walking it took 47 s in a check
    assert (problem.line, problem.key) == (7, "a4")  # the first anchor past the limit
    assert (
        problem.message
        == "expands through YAML aliases to 66,430 values, over the 50,000 front matter may hold"
    )
    assert problem.hint


def test_many_aliases_of_one_large_value_are_refused_at_the_key_that_tips_it():
    big = "[" + ", ".join(["x"] * 9_000) + "]"
    _, [problem] = split(f"---\nw: &w {big}\n" + "".join(f"k{i}: *w\n" for i in range(8)) + "---\n", "f.md")
    assert (problem.line, problem.key) == (7, "k4") and "54,013 values" in problem.message


def test_an_alias_inside_its_own_anchor_is_refused():
    _, [problem] = split("---\ntitle: A\nloop: &a [1, *a]\n---\n", "f.md")
    assert (problem.line, problem.key) == (3, "loop") and "never ends" in problem.message


@pytest.mark.parametrize("levels", [101, 900])
def test_nesting_deeper_than_the_limit_is_refused(levels):
    """900 levels crashed a check while pickling the read cache."""
    _, [problem] = split(f"---\ntitle: A\nx: {'[' * levels}{']' * levels}\n---\n", "f.md")
    assert (problem.line, problem.key, problem.message) == (3, "x", "nested more than 100 levels deep")
    assert split(f"---\nx: {'[' * 99}{']' * 99}\n---\n", "f.md")[1] == []


def test_nesting_through_aliases_is_refused_where_it_gets_too_deep():
    chain = ["c0: &c0 [x]"] + [f"c{i}: &c{i} [*c{i - 1}]" for i in range(1, 120)]
    _, [problem] = split("---\n" + "\n".join(chain) + "\n---\n", "f.md")
    assert (problem.line, problem.key, problem.message) == (101, "c99", "nested more than 100 levels deep")


def test_fifty_thousand_nested_brackets_are_refused_without_crashing():
    """libyaml's composer recurses in C: this crashed the process (a segmentation fault)."""
    text = "'---\\nx: ' + '[' * 50000 + ']' * 50000 + '\\n---\\n'"
    code = f"from generator.source import split; print(split({text}, 'f')[1][0].message)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert (done.returncode, done.stdout) == (0, "nested more than 100 levels deep\n")


def test_keys_given_twice_are_noted_with_both_lines_but_merged_keys_may_be_given_again():
    src, problems = split(
        "---\ntitle: A\nimage:\n  caption: One\n  caption: Two\ntitle: B\n"
        "base: &b {desk: World}\nmerged: {<<: *b, desk: Sport}\n---\n",
        "f.md",
    )
    assert problems == [] and src.meta["merged"] == {"desk": "Sport"}
    assert src.duplicates == (Duplicate("caption", 4, 5, "image"), Duplicate("title", 2, 6, None))
