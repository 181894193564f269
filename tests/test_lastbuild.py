"""A rebuild with every input and output/ as the last build left them does nothing (lastbuild.py);
any change to any input, or to output/, means a real build."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.pagememo import output_files
from tests.conftest import ROOT, THEME_ARTICLE, article, one_article_with_template, run_press
from tests.gitrepo import git

PAGE_A = "2012/12/03/alpha/index.html"


@pytest.fixture
def site(make_site) -> Path:
    return make_site(
        {
            "content/articles/2012/12/alpha.md": article(
                "Alpha", "2012-12-03", "Alpha links to [nowhere](missing.md).", summary="Dek."
            ),
            "content/articles/2012/12/beta.md": article("Beta", "2012-12-04", "Beta body."),
        }
    )


def build(site: Path, *args: str) -> tuple[dict[str, float], str]:
    """A real build; its stage timings (which stages ran) and its warnings."""
    result = run_press("build", str(site), "--timings", *args)
    assert result.returncode == 0, result.stderr
    timings = json.loads(result.stdout.splitlines()[-2])
    return timings, result.stderr


def skipped(timings: dict[str, float]) -> bool:
    """Nothing but the check ran: no reading, no Markdown, no rendering."""
    return list(timings) == ["unchanged"]


def _checked(site: Path):
    """The input check a build is handed (as `press build` takes it before importing the rest)."""
    from generator import lastbuild
    from generator.build import Options
    from generator.options import build_settings

    out = (site / "output").resolve()
    return lastbuild.before(site.resolve(), out, build_settings(Options(jobs=1), out), True)


def test_an_unchanged_site_is_not_built_again_and_its_warnings_are_reported_again(site):
    first, warnings = build(site)
    assert not skipped(first) and "broken internal link 'missing.md'" in warnings
    again, warnings_again = build(site)
    assert skipped(again)
    assert warnings_again == warnings
    assert "Built 2 articles, 0 files written" in run_press("build", str(site)).stdout


@pytest.mark.parametrize(
    "change",
    ["content", "new file", "site.toml", "theme", "option", "output touched", "output deleted", "record"],
)
def test_any_change_means_a_real_build(site, change):
    build(site)
    out = site / "output"
    args: list[str] = []
    if change == "content":
        path = site / "content/articles/2012/12/beta.md"
        path.write_text(path.read_text() + "\nOne more line.\n")
    elif change == "new file":
        (site / "content/articles/2012/12/image.txt").write_text("not an article, still an input")
    elif change == "site.toml":
        (site / "site.toml").write_text('title = "Renamed"\n')
    elif change == "theme":
        theme = site / "themes/default/templates"
        theme.mkdir(parents=True)
        shutil.copy(ROOT / "themes/default/templates/article.html", theme / "article.html")
    elif change == "option":
        args = ["--drafts"]
    elif change == "output touched":
        os.utime(out / PAGE_A, ns=(1, 1))
    elif change == "output deleted":
        (out / PAGE_A).unlink()
    elif change == "record":
        (site / ".cache/last-build.pickle").write_bytes(b"not a pickle")
    timings, _ = build(site, *args)
    assert not skipped(timings)
    assert (out / PAGE_A).is_file()  # a touched page with the right bytes keeps them (and its mtime)
    if change == "site.toml":
        assert "Renamed" in (out / PAGE_A).read_text()


def test_a_new_commit_means_a_real_build_even_when_no_file_changed(site):
    """Dates come from git history, which can change while the files don't."""
    git(site, "init", "-q")
    git(site, "add", "-A")
    git(site, "commit", "-qm", "first", when="2020-01-01T00:00:00+00:00")
    build(site)
    assert skipped(build(site)[0])
    git(site, "commit", "-q", "--allow-empty", "-m", "second", when="2020-01-02T00:00:00+00:00")
    assert not skipped(build(site)[0])


def test_no_cache_builds_and_remembers_nothing(site):
    build(site, "--no-cache")
    assert not skipped(build(site, "--no-cache")[0])
    assert not (site / ".cache").exists()


def test_a_failed_build_is_not_remembered(site):
    build(site)
    path = site / "content/articles/2012/12/beta.md"
    good = path.read_text()
    path.write_text("---\ntitle: [broken\n---\nBody\n")
    assert run_press("build", str(site)).returncode != 0
    path.write_text(good)
    assert skipped(build(site)[0])  # back to the inputs of the last good build, output untouched


# What the command would import only to build: the pipeline, Jinja, Markdown, YAML, numpy.
PIPELINE = ("generator.build", "generator.render", "jinja2", "markdown", "yaml", "numpy")


def imported_by_build(site: Path) -> tuple[list[str], str]:
    """`press build` in a process of its own: which of PIPELINE it imported, and what it printed."""
    script = (
        "import sys, json, contextlib, io\n"
        "from generator.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    code = main(['build', {str(site)!r}])\n"
        f"print(json.dumps([code, [m for m in {PIPELINE!r} if m in sys.modules], out.getvalue()]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
    code, modules, printed = json.loads(done.stdout.splitlines()[-1])
    assert code == 0, done.stderr
    return modules, printed


def test_a_no_op_build_stops_before_importing_the_pipeline(site):
    """The check against the last build runs first (cli.cmd_build): a no-op build imports neither
    the pipeline nor the libraries it renders with; any other build does."""
    modules, printed = imported_by_build(site)  # the first: nothing to check against
    assert modules == list(PIPELINE)
    modules, printed = imported_by_build(site)
    assert modules == [], "a no-op build imported the pipeline"
    files = len(output_files(str(site / "output")))  # the pages (not the marker of a press output/)
    assert files > 10
    assert f"Built 2 articles, 0 files written, {files} unchanged, 0 removed, 1 warning," in printed
    path = site / "content/articles/2012/12/beta.md"
    path.write_text(path.read_text() + "\nOne more line.\n")
    modules, printed = imported_by_build(site)
    assert modules == list(PIPELINE) and re.search(r"Built 2 articles, [1-9]\d* files written", printed)


def test_build_called_directly_skips_an_unchanged_site_too(site):
    """`build()` checks for itself when its caller didn't (press serve's and the tests' callers)."""
    from generator.build import Options
    from generator.build import build as build_site

    assert build_site(site, Options(jobs=1)).report.written
    again = build_site(site, Options(jobs=1))
    assert list(again.timings) == ["unchanged"] and again.articles == 2
    assert not again.report.written and again.report.unchanged == len(output_files(str(site / "output")))


def test_an_article_scheduled_for_later_goes_live_at_its_time_though_no_file_changed(make_site):
    """Which articles are published depends on the clock, which no input's bytes show: the record
    keeps when the first held-back one goes live, and stands no more from then (with --future
    nothing is held back, so nothing changes with time)."""
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    site = make_site(
        {
            "content/articles/2012/12/alpha.md": article("Alpha", "2012-12-03", "Alpha body."),
            "content/articles/later/scheduled.md": article("Scheduled", soon.isoformat(), "Later."),
        }
    )
    page = site / "output" / soon.strftime("%Y/%m/%d") / "scheduled" / "index.html"
    assert not skipped(build(site)[0]) and not page.exists()
    assert skipped(build(site)[0]), "before its time, nothing changed"
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 1)
    assert not skipped(build(site)[0]) and page.is_file()
    assert skipped(build(site)[0])
    assert not skipped(build(site, "--future")[0])  # other options: a real build
    assert skipped(build(site, "--future")[0])


def test_a_file_saved_again_while_the_build_reads_it_is_neither_cached_nor_remembered(site):
    """The input check hashes a file, then the read stage reads it: a save in between (simulated
    by saving after the check's `before` is taken) is built from the bytes read, but neither the
    read cache (keyed by the digest the check took) nor the last-build record may keep it: back to
    the bytes hashed, the next build must show those, not the ones read."""
    from generator.build import Options
    from generator.build import build as build_site

    beta = site / "content/articles/2012/12/beta.md"
    page = site / "output/2012/12/04/beta/index.html"
    build(site)
    beta.write_text(article("Beta", "2012-12-04", "Hashed words."))
    before = _checked(site)
    beta.write_text(article("Beta", "2012-12-04", "Saved again words."))
    result = build_site(site, Options(jobs=1), before=before)
    assert result.ok and result.moved == ["articles/2012/12/beta.md"]
    assert "Saved again words." in page.read_text()
    assert not (site / ".cache/last-build.pickle").exists()
    beta.write_text(article("Beta", "2012-12-04", "Hashed words."))
    timings, _ = build(site)
    assert not skipped(timings) and "Hashed words." in page.read_text()
    assert skipped(build(site)[0])  # remembered again, now that the bytes read were those hashed


@pytest.mark.parametrize("change", ["deleted", "added"])
def test_a_source_deleted_or_added_after_the_check_is_built_as_listed_but_not_remembered(site, change):
    """The input check hashes content/, then the read stage lists it: a source deleted or added in
    between is built as listed, and the build is not remembered under the check's fingerprint
    (restored, the next build must build it, not skip with the article missing)."""
    from generator.build import Options
    from generator.build import build as build_site

    beta = site / "content/articles/2012/12/beta.md"
    gamma = site / "content/articles/2012/12/gamma.md"
    build(site)
    if change == "added":
        gamma.write_text(article("Gamma", "2012-12-05", "Gamma body."))
    else:  # something to build (else the check finds the last build standing, and stops there)
        alpha = site / "content/articles/2012/12/alpha.md"
        alpha.write_text(alpha.read_text() + "\nOne more line.\n")
    before = _checked(site)
    kept = beta.read_text()
    if change == "deleted":
        beta.unlink()
        moved = ["articles/2012/12/beta.md"]
    else:
        gamma.unlink()
        moved = ["articles/2012/12/gamma.md"]
    result = build_site(site, Options(jobs=1), before=before)
    assert result.ok and result.moved == moved
    assert not (site / ".cache/last-build.pickle").exists()
    if change == "deleted":
        beta.write_text(kept)  # back to the files the check hashed
    else:
        gamma.write_text(article("Gamma", "2012-12-05", "Gamma body."))
    assert not skipped(build(site)[0])
    page = "2012/12/04/beta/index.html" if change == "deleted" else "2012/12/05/gamma/index.html"
    assert (site / "output" / page).is_file()
    assert skipped(build(site)[0])


def test_site_toml_saved_after_the_check_is_built_but_not_remembered(site):
    """The input check hashes site.toml, then the build reads it: a save in between is built, but
    not remembered under the check's fingerprint (saved back, the next build must show the bytes
    hashed, not skip with the ones read)."""
    from generator.build import Options
    from generator.build import build as build_site

    config = site / "site.toml"
    home = site / "output/index.html"
    build(site)
    config.write_text('title = "Hashed Title"\n')
    before = _checked(site)
    config.write_text('title = "Saved Again Title"\n')
    result = build_site(site, Options(jobs=1), before=before)
    assert result.ok and "Saved Again Title" in home.read_text()
    assert not (site / ".cache/last-build.pickle").exists()
    config.write_text('title = "Hashed Title"\n')
    timings, _ = build(site)
    assert not skipped(timings) and "Hashed Title" in home.read_text()
    assert skipped(build(site)[0])


def _committed_built_and_edited(site: Path):
    """A site committed to git and built, then an article edited (something to build), checked."""
    git(site, "init", "-q")
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "first")
    build(site)
    alpha = site / "content/articles/2012/12/alpha.md"
    alpha.write_text(alpha.read_text() + "\nOne more line.\n")
    return _checked(site)


def test_a_commit_made_after_the_check_leaves_the_build_unremembered(site):
    """Dates come from git history, read after the check took the commit: a commit in between
    (its dates may be another's) leaves the build unremembered; the next build looks again."""
    from generator.build import Options
    from generator.build import build as build_site

    before = _committed_built_and_edited(site)
    git(site, "commit", "-q", "--allow-empty", "-m", "meanwhile")
    assert build_site(site, Options(jobs=1), before=before).ok
    assert not (site / ".cache/last-build.pickle").exists()
    assert not skipped(build(site)[0])
    assert skipped(build(site)[0])


def test_a_theme_saved_and_saved_back_while_read_is_neither_recorded_nor_remembered(make_site, monkeypatch):
    """The templates are read after the theme was hashed: pages rendered from a template saved
    meanwhile, even one saved back to the bytes hashed before the build ends (an editor that
    saves by truncating and writing), are not recorded under the hash (they would be kept,
    showing the other bytes), and the build is not remembered."""
    import generator.build as pipeline
    from generator.build import AROUND_MOVED, Options
    from generator.build import build as build_site

    original = (ROOT / "themes/default/templates/article.html").read_text()
    assert "Previous and next article" in original
    site = one_article_with_template(make_site, original)
    template = site / THEME_ARTICLE
    page = site / "output/2012/12/03/one/index.html"
    real = pipeline.compiled_environment

    def compiled_environment(*args, **kwargs):
        template.write_text(original.replace("Previous and next article", "saved while read"))
        try:
            return real(*args, **kwargs)
        finally:
            template.write_text(original)  # back to the bytes hashed, before the build ends

    monkeypatch.setattr(pipeline, "compiled_environment", compiled_environment)
    result = build_site(site, Options(jobs=1))
    assert result.ok and AROUND_MOVED in result.moved
    assert "saved while read" in page.read_text()
    assert not (site / ".cache/last-build.pickle").exists()
    monkeypatch.undo()
    assert build_site(site, Options(jobs=1)).ok
    assert "saved while read" not in page.read_text()


def test_site_toml_saved_and_saved_back_while_read_leaves_the_build_unremembered(site, monkeypatch):
    """site.toml is read after the check hashed it: a build that read other bytes, saved back to
    the hashed ones before it ended, is not remembered (the next build would skip, showing the
    other bytes' site)."""
    import generator.build as pipeline
    from generator.build import Options
    from generator.build import build as build_site

    config = site / "site.toml"
    home = site / "output/index.html"
    build(site)
    config.write_text('title = "Hashed Title"\n')
    before = _checked(site)
    real = pipeline.load_config

    def load_config(*args, **kwargs):
        config.write_text('title = "Read Title"\n')
        try:
            return real(*args, **kwargs)
        finally:
            config.write_text('title = "Hashed Title"\n')

    monkeypatch.setattr(pipeline, "load_config", load_config)
    assert build_site(site, Options(jobs=1), before=before).ok
    assert "Read Title" in home.read_text()
    assert not (site / ".cache/last-build.pickle").exists()
    monkeypatch.undo()
    timings, _ = build(site)
    assert not skipped(timings) and "Hashed Title" in home.read_text()


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_text_saved_again_while_read_is_not_cached_under_the_digest_its_file_was_hashed_with(make_site):
    """Markdown drafts and term counts are cached by the digest of the file a text was read from
    (the text is not hashed again): a file saved again between the check and the read is known
    by its text instead. Back to the bytes the check hashed, the next build must show their HTML
    and their related lists, as a fresh build of the same files does, not the other bytes'."""
    from generator.build import Options
    from generator.build import build as build_site

    sea = "Ocean tides pull whales and dolphins along the coast. Tides, whales, dolphins, ocean."
    hills = "Mountain goats climb rocky ridges to the peaks. Goats, ridges, peaks, mountain."
    site = make_site(
        {
            "content/articles/2012/12/sea.md": article("Sea", "2012-12-03", sea),
            "content/articles/2012/12/hills.md": article("Hills", "2012-12-04", hills),
            "content/articles/2012/12/third.md": article("Third", "2012-12-05", sea),
        }
    )
    third = site / "content/articles/2012/12/third.md"
    hashed = article("Third", "2012-12-05", sea + " More about whales.")
    assert build_site(site, Options(jobs=1)).ok
    third.write_text(hashed)
    before = _checked(site)
    third.write_text(article("Third", "2012-12-05", hills + " More about goats."))
    moved = build_site(site, Options(jobs=1), before=before)
    assert moved.ok and moved.moved == ["articles/2012/12/third.md"]
    third.write_text(hashed)
    assert build_site(site, Options(jobs=1)).ok
    fresh = site.parent / "fresh"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(".cache", "output"))
    assert build_site(fresh, Options(jobs=1, cache=False)).ok
    built, expected = _files(site / "output"), _files(fresh / "output")
    assert "More about whales" in built["2012/12/05/third/index.html"].decode()
    assert built == expected


def test_a_template_saved_while_the_theme_is_checked_leaves_no_verdict_behind(make_site, monkeypatch):
    """The theme's verdict (its templates compile) is cached under the hash of its files, taken
    before they are compiled: a template saved broken in between, and saved back, fails that
    build, but the next build must compile the templates again and pass, not find the failure."""
    import generator.build as pipeline
    from generator.build import Options
    from generator.build import build as build_site

    original = (ROOT / "themes/default/templates/article.html").read_text()
    site = one_article_with_template(make_site, original)
    template = site / THEME_ARTICLE
    real = pipeline.template_problems

    def template_problems(*args, **kwargs):
        template.write_text(original + "{% if %}\n")  # saved broken after the theme was hashed
        try:
            return real(*args, **kwargs)
        finally:
            template.write_text(original)  # and saved back to the bytes hashed

    monkeypatch.setattr(pipeline, "template_problems", template_problems)
    broken = build_site(site, Options(jobs=1))
    assert not broken.ok and any("article.html" in p.path for p in broken.errors)
    monkeypatch.undo()
    assert build_site(site, Options(jobs=1)).ok


def test_a_commit_made_and_undone_while_the_dates_are_read_leaves_the_build_unremembered(site, monkeypatch):
    """The git dates are read after the check took the commit: a commit made and undone meanwhile
    (HEAD back where it was) may have given other dates; the reflog's stat shows it."""
    import generator.build as pipeline
    from generator.build import Options
    from generator.build import build as build_site

    before = _committed_built_and_edited(site)
    real = pipeline.dates_from_git

    def dates_from_git(*args, **kwargs):
        git(site, "commit", "-q", "--allow-empty", "-m", "meanwhile")
        try:
            return real(*args, **kwargs)
        finally:
            git(site, "reset", "-q", "--soft", "HEAD~1")

    monkeypatch.setattr(pipeline, "dates_from_git", dates_from_git)
    assert build_site(site, Options(jobs=1), before=before).ok
    assert not (site / ".cache/last-build.pickle").exists()


def test_a_build_without_the_cache_reports_nothing_moved(site):
    from generator.build import Options
    from generator.build import build as build_site

    result = build_site(site, Options(jobs=1, cache=False))
    assert result.ok and result.moved == []


def test_only_whole_second_timestamps_are_taken_for_coarse():
    from generator.stamps import coarse

    assert coarse(1_700_000_000_000_000_000, 1_700_000_002_000_000_000)
    assert not coarse(1_700_000_000_000_000_000, 1_700_000_002_000_000_001)
