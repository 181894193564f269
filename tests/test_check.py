"""`press check`: every content and link problem of an archive at once, for people and for machines."""

from __future__ import annotations

import json

from tests.conftest import THEME_ARTICLE, article, one_article_with_template, run_press

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
    assert "Check OK: 1 article, 0 errors, 1 warning," in result.stdout
    assert run_press("check", str(site), "--strict").returncode == 1


def test_check_says_where_a_published_article_points_at_one_the_build_leaves_out(make_site):
    """A check reads drafts and future articles, so links to them resolve there; the build, which
    leaves them out, warns about each (an error under --strict): so must the check."""
    site = make_site(
        {
            "content/articles/2999/01/future.md": article("Future story", "2999-01-01", "Later."),
            "content/articles/2024/05/draft.md": article("Draft story", "2024-05-01", "Draft.", draft=True),
            "content/articles/2024/05/live.md": article(
                "Live",
                "2024-05-02",
                "See [f](../../2999/01/future.md) and\n\n[d](draft.md).",
                related=["Future story", "Draft story"],
            ),
            "content/articles/2024/05/draft-too.md": article(
                "Second draft", "2024-05-03", "[d](draft.md)", draft=True, related=["Draft story"]
            ),
        }
    )
    live = "content/articles/2024/05/live.md"
    built = run_press("build", str(site), "--strict")
    checked = run_press("check", str(site), "--strict")
    assert built.returncode == 1 and checked.returncode == 1, checked.stdout
    where = {line.split(": ", 1)[0] for line in built.stderr.splitlines() if line.startswith(live)}
    assert where == {f"{live}:4", f"{live}:7", f"{live}:9"}
    for prefix in (
        f"{live}:4: related: related entry 'Future story' is dated 2999-01-01, in the future",
        f"{live}:4: related: related entry 'Draft story' is a draft",
        f"{live}:7: link to 'articles/2999/01/future.md', dated 2999-01-01, in the future",
        f"{live}:9: link to 'articles/2024/05/draft.md', a draft",
    ):
        assert any(line.startswith(prefix) and "ERROR" not in line for line in checked.stderr.splitlines()), (
            prefix
        )
    assert "draft-too.md" not in checked.stderr  # a draft may point at a draft: published together or later
    relaxed = run_press("check", str(site))
    assert relaxed.returncode == 0 and "Check OK: 4 articles, 0 errors, 4 warnings," in relaxed.stdout


def test_a_check_renders_again_only_the_pages_whose_inputs_changed(make_site, monkeypatch):
    """pagememo.CheckedPages: a page that rendered without error from the same inputs is not
    rendered again; an edit renders the pages that show it; a theme change renders them all, and
    a page that fails now fails the check, however often it passed before."""
    import jinja2

    from generator.build import Options, check

    site = make_site(
        {
            "content/articles/2012/12/one.md": article("One", "2012-12-03", "One body."),
            "content/articles/2012/12/two.md": article("Two", "2012-12-04", "Two body."),
            "content/articles/2013/01/three.md": article("Three", "2013-01-05", "Three body."),
        },
        # No related lists: an edit moves every list of so small an archive, and each page shows its own.
        site_toml='title = "Test"\n[related]\nk = 0\n',
    )
    rendered: list[str] = []
    real = jinja2.Template.render
    monkeypatch.setattr(
        jinja2.Template, "render", lambda self, *a, **k: rendered.append(self.name) or real(self, *a, **k)
    )

    def pages_checked() -> list[str]:
        rendered.clear()
        result = check(site, Options(jobs=1))
        assert result.ok, [p.format() for p in result.errors]
        return list(rendered)

    first = pages_checked()
    assert first.count("article.html") == 3
    assert pages_checked() == []
    two = site / "content/articles/2012/12/two.md"
    two.write_text(article("Two", "2012-12-04", "Two body, edited."))
    again = pages_checked()
    assert again.count("article.html") == 1 and 0 < len(again) < len(first)
    theme = site / "themes/default/templates"
    theme.mkdir(parents=True)
    (theme / "article.html").write_text("{{ article.title }} {{ article.no_such_field.deeper }}\n")
    rendered.clear()
    result = check(site, Options(jobs=1))
    assert not result.ok and any("no_such_field" in p.message for p in result.errors)


def test_a_theme_saved_while_a_check_renders_is_not_recorded(make_site, monkeypatch):
    """Templates are read as pages are rendered, after the theme was hashed: a check during which
    the theme changed keeps no memo (back to the bytes hashed, its pages would pass unrendered)."""
    import jinja2

    from generator.build import Options, check
    from tests.conftest import ROOT

    original = (ROOT / "themes/default/templates/article.html").read_text()
    site = one_article_with_template(make_site, original)
    template = site / THEME_ARTICLE
    rendered: list[str] = []
    real = jinja2.Template.render

    def render(self, *args, **kwargs):
        if not rendered:  # the first page: the theme is saved again meanwhile
            template.write_text(original + "<!-- saved during the check -->\n")
        rendered.append(self.name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", render)
    assert check(site, Options(jobs=1)).ok
    template.write_text(original)  # back to the bytes the check hashed
    rendered.append("-")  # the next check's renders come after this mark
    assert check(site, Options(jobs=1)).ok
    assert "article.html" in rendered[rendered.index("-") :], "a page was taken as checked"


def test_a_template_saved_and_saved_back_while_a_check_renders_is_not_recorded(make_site, monkeypatch):
    """A template that fails to render, saved good while a check renders and saved back before it
    ends: the check passed on the good bytes, but must not record its pages under the hash of the
    failing ones (the next check would pass them unrendered); the next check fails."""
    import generator.build as pipeline
    from generator.build import Options, check
    from tests.conftest import ROOT

    good = (ROOT / "themes/default/templates/article.html").read_text()
    failing = good.replace("{% block main %}", "{% block main %}{{ article.no_such_field.deeper }}", 1)
    assert failing != good
    site = one_article_with_template(make_site, failing)
    template = site / THEME_ARTICLE
    real = pipeline.rendered

    def rendered(*args, **kwargs):
        template.write_text(good)
        try:
            yield from real(*args, **kwargs)
        finally:
            template.write_text(failing)

    monkeypatch.setattr(pipeline, "rendered", rendered)
    assert check(site, Options(jobs=1)).ok  # rendered from the good bytes
    monkeypatch.undo()
    result = check(site, Options(jobs=1))
    assert not result.ok and any("no_such_field" in p.message for p in result.errors)
