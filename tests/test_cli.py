from pathlib import Path

from tests.conftest import article, run_press


def test_build_prints_where_the_site_is(make_site):
    site = make_site({"content/articles/2012/12/one.md": article("One", "2012-12-03")})
    result = run_press("build", str(site))
    assert result.returncode == 0, result.stderr
    assert f"Site: {site / 'output'}/index.html" in result.stdout
    assert "1 article," in result.stdout
    assert (site / "output" / "2012" / "12" / "03" / "one" / "index.html").is_file()


def test_build_out_and_base_url_flags(make_site, tmp_path: Path, press):
    site = make_site({"content/articles/2012/12/one.md": article("One", "2012-12-03")})
    out = tmp_path / "public"
    code, _, err = press("build", str(site), "--out", str(out), "--base-url", "https://example.org/news/")
    assert code == 0, err
    page = (out / "2012/12/03/one/index.html").read_text()
    assert 'href="/news/static/style.css"' in page
    assert '<link rel="canonical" href="https://example.org/news/2012/12/03/one/">' in page


def test_check_writes_nothing_and_fails_on_errors(make_site, press):
    site = make_site({"content/articles/2012/12/bad.md": "---\ntitle: No date\n---\nText\n"})
    code, out, err = press("check", str(site))
    assert code == 1
    assert "content/articles/2012/12/bad.md:1: date: is missing" in err
    assert "Check FAILED: 0 articles, 1 error, 0 warnings," in out
    assert not (site / "output").exists()


def test_a_failed_build_counts_its_problems_in_words(make_site, press):
    site = make_site(
        {
            "content/articles/2012/12/bad.md": "---\ntitle: No date\n---\nText\n",
            "content/articles/2012/12/worse.md": "---\ntitle: No date either\n---\nText\n",
        }
    )
    code, _, err = press("build", str(site))
    assert code == 1
    assert "Build failed: 2 errors, 0 warnings; output left untouched." in err


def test_python_dash_m_generator_works(make_site):
    site = make_site({"content/articles/2012/12/one.md": article("One", "2012-12-03")})
    result = run_press("check", str(site))
    assert result.returncode == 0, result.stderr
    assert "Check OK: 1 article," in result.stdout


def test_check_renders_templates_too(make_site, press):
    site = make_site(
        {
            "content/articles/2012/12/a.md": article("A", "2012-12-03"),
            "themes/mine/templates/article.html": "{% if %}\n",
        },
        site_toml='theme = "mine"\n',
    )
    code, _, err = press("check", str(site))
    assert code == 1
    assert err.startswith("themes/mine/templates/article.html:1: template syntax error:")
    assert not (site / "output").exists()


def test_check_reports_a_template_error_beside_an_article_that_failed_to_load(make_site, press):
    """Every problem at once: a broken article must not hide a template error that the other
    articles' pages show."""
    site = make_site(
        {
            "content/articles/2012/12/a.md": article("A", "2012-12-03"),
            "content/articles/2012/12/bad.md": "---\ntitle: Bad\ndate: nope\n---\nText\n",
            "themes/mine/templates/article.html": "{{ article.extra.missing + 1 }}\n",
        },
        site_toml='theme = "mine"\n',
    )
    code, _, err = press("check", str(site))
    assert code == 1
    assert "content/articles/2012/12/bad.md:3: date:" in err
    assert "themes/mine/templates/article.html:1: template error" in err, err


def test_check_json_format(make_site, press):
    import json

    site = make_site({"content/articles/2012/12/a.md": article("A", "2012-12-03", body="[x](gone.md)")})
    code, out, _ = press("check", str(site), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True
    assert report["problems"] == [
        {
            "path": "content/articles/2012/12/a.md",
            "line": 6,
            "key": None,
            "message": "broken internal link 'gone.md': no such article",
            "hint": "link to the other article's .md file with a relative path",
            "severity": "warning",
        }
    ]
