"""`press check`: every content and link problem of an archive at once, for people and for machines."""

from __future__ import annotations

import json

from tests.conftest import article, run_press

FILES = {
    "content/articles/2012/12/no-date.md": "---\ntitle: No date\n---\nText.\n",
    "content/articles/2012/12/bad-yaml.md": "---\ntitle: [unclosed\ndate: 2012-12-03\n---\nText.\n",
    "content/articles/2012/12/bad-date.md": article("Bad date", "2012-02-30"),
    "content/articles/2012/12/one.md": article("One", "2012-12-03", slug="same"),
    "content/articles/2012/12/two.md": article("Two", "2012-12-03", slug="same"),
    "content/articles/2012/12/links.md": article(
        "Links", "2012-12-04", "First line.\n\nSee [gone](missing.md) and [fine](one.md).", related=["Nope"]
    ),
    "content/articles/2012/12/over-index.md": article("Over", "2012-12-05", aliases=["/2012/12/"]),
    "content/articles/2012/12/draft.md": article("Draft", "2012-12-06", "[x](draft-gone.md)", draft=True),
    "content/articles/2999/01/later.md": article("Later", "2999-01-01", "[x](../../2012/12/later-gone.md)"),
}

EXPECTED = [
    ("content/articles/2012/12/bad-date.md", 3, "error"),
    ("content/articles/2012/12/bad-yaml.md", 3, "error"),
    ("content/articles/2012/12/draft.md", 7, "warning"),
    ("content/articles/2012/12/links.md", 4, "warning"),
    ("content/articles/2012/12/links.md", 9, "warning"),
    ("content/articles/2012/12/no-date.md", 1, "error"),
    ("content/articles/2012/12/one.md", 4, "error"),
    ("content/articles/2012/12/over-index.md", 4, "error"),
    ("content/articles/2012/12/two.md", 4, "error"),
    ("content/articles/2999/01/later.md", 6, "warning"),
]


def test_check_reports_every_problem_at_once_as_json(make_site):
    site = make_site(FILES)
    result = run_press("check", str(site), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    found = [(p["path"], p["line"], p["severity"]) for p in report["problems"]]
    assert sorted(found, key=str) == sorted(EXPECTED, key=str), json.dumps(report["problems"], indent=1)
    messages = " | ".join(p["message"] for p in report["problems"])
    for part in (
        "is missing",
        "not a real date",
        "URL /2012/12/03/same/ is claimed by 2 sources",
        "broken internal link 'missing.md'",
        "no article matches 'Nope'",
        "URL /2012/12/ is the month index 'December 2012'",
        "broken internal link 'draft-gone.md'",
        "broken internal link '../../2012/12/later-gone.md'",
    ):
        assert part in messages, part


def test_check_text_report_is_path_line_message_and_strict_fails_on_warnings(make_site):
    site = make_site(
        {
            "content/articles/2012/12/links.md": article(
                "Links", "2012-12-04", "Text.\n\n[gone](missing.md)"
            ),
        }
    )
    result = run_press("check", str(site))
    assert result.returncode == 0
    assert (
        "content/articles/2012/12/links.md:8: warning: broken internal link 'missing.md': no such article"
        in result.stderr
    )
    assert "Check OK: 1 articles, 0 errors, 1 warnings" in result.stdout
    assert run_press("check", str(site), "--strict").returncode == 1
