"""Dates from history, in real git repositories made by the tests (commits at chosen dates)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from generator.build import Options, load
from generator.gitmeta import parse_log, read_history
from tests.conftest import article, run_press, write_site
from tests.gitrepo import commit, git, init_repo

A = "articles/2012/12/first.md"
B = "articles/2012/12/second.md"
LONG_BODY = "\n\n".join(f"Paragraph {n} of a story long enough for rename detection." for n in range(12))


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def make_repo(root: Path) -> Path:
    """Two articles added on one day; the first corrected later; the second has `updated` itself."""
    site = init_repo(root)
    write_site(
        site,
        {
            f"content/{A}": article("First", "2012-12-03", LONG_BODY),
            f"content/{B}": article("Second", "2012-12-04", "Text.", updated="2012-12-20"),
        },
    )
    commit(site, "two articles", "2012-12-05T09:00:00+04:00")
    (site / "content" / A).write_text(article("First", "2012-12-03", LONG_BODY + "\n\nCorrection."))
    (site / "content" / B).write_text(article("Second", "2012-12-04", "Text, edited.", updated="2012-12-20"))
    commit(site, "correct the first", "2013-01-10T18:30:00+04:00")
    return site


def articles_of(site: Path):
    result = load(site, Options())
    assert result.ok, [p.format() for p in result.problems]
    return result.site.library.by_id, result.problems


def test_updated_is_the_last_commit_and_created_the_first(tmp_path: Path):
    by_id, problems = articles_of(make_repo(tmp_path / "site"))
    assert by_id[A].updated == when("2013-01-10T18:30:00+04:00")
    assert by_id[A].created == when("2012-12-05T09:00:00+04:00")
    assert by_id[B].updated.date().isoformat() == "2012-12-20"  # front matter wins over history
    assert by_id[B].created == when("2012-12-05T09:00:00+04:00")
    assert problems == []


def test_a_file_committed_once_has_no_update(tmp_path: Path):
    site = init_repo(tmp_path / "site")
    write_site(site, {f"content/{A}": article("First", "2012-12-03")})
    commit(site, "import", "2020-06-01T12:00:00+00:00")
    by_id, _ = articles_of(site)
    assert by_id[A].updated is None
    assert by_id[A].created == when("2020-06-01T12:00:00+00:00")


def test_pages_feeds_and_sitemap_show_the_date_from_history(tmp_path: Path):
    site = make_repo(tmp_path / "site")
    result = run_press("build", str(site))
    assert result.returncode == 0, result.stderr
    out = site / "output"
    page = (out / "2012/12/03/first/index.html").read_text()
    assert 'Updated <time datetime="2013-01-10T14:30:00+00:00">January 10, 2013</time>' in page
    assert "<lastmod>2013-01-10</lastmod>" in (out / "sitemap.xml").read_text()
    assert "<updated>2013-01-10T18:30:00+04:00</updated>" in (out / "feed.xml").read_text()


def test_a_rename_keeps_the_history_of_the_file(tmp_path: Path):
    site = make_repo(tmp_path / "site")
    moved = "articles/2012/12/first-renamed.md"
    git(site, "mv", f"content/{A}", f"content/{moved}")
    commit(site, "rename only", "2013-03-01T10:00:00+04:00")
    by_id, _ = articles_of(site)
    assert by_id[moved].created == when("2012-12-05T09:00:00+04:00")
    assert by_id[moved].updated == when("2013-01-10T18:30:00+04:00")  # a pure move is no update

    again = "articles/2012/12/first-final.md"
    git(site, "mv", f"content/{moved}", f"content/{again}")
    text = (site / "content" / again).read_text()
    (site / "content" / again).write_text(text.replace("Paragraph 3", "Paragraph three"))
    commit(site, "rename and edit", "2013-04-02T10:00:00+04:00")
    by_id, _ = articles_of(site)
    assert by_id[again].created == when("2012-12-05T09:00:00+04:00")
    assert by_id[again].updated == when("2013-04-02T10:00:00+04:00")


def test_a_file_deleted_and_written_anew_starts_a_new_history(tmp_path: Path):
    site = make_repo(tmp_path / "site")
    (site / "content" / A).unlink()
    commit(site, "withdraw", "2013-02-01T10:00:00+04:00")
    write_site(site, {f"content/{A}": article("First, rewritten", "2012-12-03")}, site_toml=None)
    commit(site, "rewrite", "2013-02-02T10:00:00+04:00")
    by_id, _ = articles_of(site)
    assert by_id[A].created == when("2013-02-02T10:00:00+04:00")
    assert by_id[A].updated is None


def test_shallow_clone_falls_back_to_front_matter_and_says_so_once(tmp_path: Path):
    origin = make_repo(tmp_path / "origin")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)],
        check=True,
        capture_output=True,
    )
    by_id, problems = articles_of(clone)
    assert by_id[A].updated is None and by_id[A].created is None
    assert by_id[B].updated.date().isoformat() == "2012-12-20"
    result = run_press("check", str(clone))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("shallow git clone") == 1, result.stderr
    assert "content: warning: this is a shallow git clone" in result.stderr


@pytest.mark.parametrize("linked", [False, True], ids=["clone", "linked-work-tree"])
def test_fetching_the_whole_history_of_a_shallow_clone_builds_again(tmp_path: Path, linked: bool):
    # `git fetch --unshallow` moves neither HEAD nor its reflog: the history behind the commit
    # grows, and the dates with it. The build after it must not take the last one's output. A
    # linked work tree (`git worktree add`) shares the clone's history, and its `shallow` file.
    origin = make_repo(tmp_path / "origin")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    site = clone
    if linked:
        site = tmp_path / "linked"
        git(clone, "worktree", "add", "-q", "--detach", str(site))
    page = site / "output/2012/12/03/first/index.html"
    for _ in range(2):  # the second build finds nothing changed
        result = run_press("build", str(site))
        assert result.returncode == 0 and "shallow git clone" in result.stderr, result.stderr
    assert "0 files written" in result.stdout and "Updated" not in page.read_text()
    git(clone, "fetch", "-q", "--unshallow")
    result = run_press("build", str(site))
    assert result.returncode == 0 and "shallow git clone" not in result.stderr, result.stderr
    assert 'Updated <time datetime="2013-01-10T14:30:00+00:00">' in page.read_text()


def test_a_commit_of_what_was_built_already_shows_though_the_folder_name_has_a_line_break(tmp_path: Path):
    # The input check knows the history by its commit (git rev-parse prints the git folder, then
    # the commit): a name with a line break in it read as "no commit", so committing what the last
    # build had built already changed no input it knew of, and the dates stayed the last build's.
    site = make_repo(tmp_path / "news\narchive")
    page = site / "output/2012/12/03/first/index.html"
    path = site / "content" / A
    path.write_text(path.read_text() + "\n\nA second correction.\n")
    assert run_press("build", str(site)).returncode == 0
    assert 'Updated <time datetime="2013-01-10T14:30:00+00:00">' in page.read_text()
    commit(site, "correct the first again", "2014-03-01T12:00:00+00:00")
    result = run_press("build", str(site))
    assert result.returncode == 0, result.stderr
    assert 'Updated <time datetime="2014-03-01T12:00:00+00:00">' in page.read_text(), result.stdout


@pytest.mark.parametrize("change", ["replace", "grafts", "log-settings"])
def test_local_replacements_and_log_settings_leave_the_dates_as_committed(tmp_path: Path, change: str):
    # Each would change what `git log` says without moving HEAD, so the input check would keep the
    # last build; a clone (CI's) has none of them. The dates are the commits' own.
    site = make_repo(tmp_path / "site")
    page = site / "output/2012/12/03/first/index.html"
    assert run_press("build", str(site)).returncode == 0
    before = page.read_text()
    assert 'Updated <time datetime="2013-01-10T14:30:00+00:00">' in before
    newest = git(site, "rev-parse", "HEAD").stdout.strip()
    if change == "replace":
        git(site, "replace", "--graft", newest)  # the newest commit without a parent
    elif change == "grafts":
        (site / ".git" / "info").mkdir(exist_ok=True)
        (site / ".git" / "info" / "grafts").write_text(newest + "\n")
    else:
        git(site, "config", "log.showRoot", "false")  # the first commit's files left out
    assert run_press("build", str(site)).returncode == 0
    assert page.read_text() == before
    shutil.rmtree(site / "output")
    shutil.rmtree(site / ".cache")
    assert run_press("build", str(site)).returncode == 0
    assert page.read_text() == before  # from scratch too


def test_outside_git_only_the_front_matter_counts_and_nothing_is_said(tmp_path: Path):
    origin = make_repo(tmp_path / "origin")
    plain = tmp_path / "plain"
    shutil.copytree(origin, plain, ignore=shutil.ignore_patterns(".git"))
    by_id, problems = articles_of(plain)
    assert by_id[A].updated is None and by_id[A].created is None
    assert problems == []


def test_a_site_inside_another_projects_repository_ignores_its_history(tmp_path: Path):
    project = init_repo(tmp_path / "project")
    site = write_site(project / "docs" / "site", {f"content/{A}": article("First", "2012-12-03")})
    commit(project, "add", "2015-01-01T00:00:00+00:00")
    (site / "content" / A).write_text(article("First", "2012-12-03", "Changed."))
    commit(project, "change", "2016-01-01T00:00:00+00:00")
    by_id, _ = articles_of(site)
    assert by_id[A].updated is None and by_id[A].created is None


def test_one_git_log_for_the_whole_archive(tmp_path: Path):
    site = init_repo(tmp_path / "site")
    write_site(site, {f"content/articles/2012/12/a{n}.md": article(f"A{n}", "2012-12-03") for n in range(30)})
    commit(site, "add", "2013-01-01T00:00:00+00:00")
    real_git = shutil.which("git")
    calls = tmp_path / "calls.log"
    shim = tmp_path / "bin" / "git"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\nexec "{real_git}" "$@"\n')
    shim.chmod(0o755)
    result = run_press("check", str(site), env={"PATH": f"{shim.parent}:{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    logged = calls.read_text().splitlines()
    assert len([c for c in logged if " log " in f" {c} "]) == 1, logged
    assert len(logged) <= 2, logged


def test_parse_log_follows_renames_newest_first():
    raw = (
        b"\x012013-03-01T00:00:00+00:00\0\nR100\0content/a/old.md\0content/a/new.md\0"
        b"\x012013-02-01T00:00:00+00:00\0\nM\0content/a/old.md\0M\0elsewhere.txt\0"
        b"\x012013-01-01T00:00:00+00:00\0\nA\0content/a/old.md\0"
    )
    dates = parse_log(raw)
    assert dates == {"a/new.md": (when("2013-01-01T00:00:00+00:00"), when("2013-02-01T00:00:00+00:00"))}


def test_history_of_a_folder_that_is_not_a_repository_is_empty(tmp_path: Path):
    history = read_history(tmp_path)
    assert history.dates == {} and history.problems == []


def test_templates_see_when_an_article_entered_the_archive(tmp_path: Path):
    site = make_repo(tmp_path / "site")
    (site / "site.toml").write_text('title = "Test"\ntheme = "mine"\n')
    template = site / "themes/mine/templates/article.html"
    template.parent.mkdir(parents=True)
    template.write_text("{{ article.created }}|{{ article.created_iso }}|{{ article.updated }}\n")
    commit(site, "theme", "2013-02-01T00:00:00+00:00")
    result = run_press("build", str(site))
    assert result.returncode == 0, result.stderr
    page = (site / "output/2012/12/03/first/index.html").read_text()
    assert page == "December 5, 2012|2012-12-05T05:00:00+00:00|January 10, 2013\n"


def test_changes_merged_from_a_branch_and_non_ascii_file_names_count(tmp_path: Path):
    site = init_repo(tmp_path / "site")
    name = "articles/2012/12/café-life.md"
    write_site(site, {f"content/{name}": article("Café life", "2012-12-03", LONG_BODY)})
    commit(site, "add", "2013-01-01T00:00:00+00:00")
    git(site, "checkout", "-q", "-b", "copy-edit")
    (site / "content" / name).write_text(article("Café life", "2012-12-03", LONG_BODY + "\n\nEdited."))
    commit(site, "edit on a branch", "2013-01-05T00:00:00+00:00")
    git(site, "checkout", "-q", "main")
    git(site, "merge", "-q", "--no-ff", "-m", "merge", "copy-edit", when="2013-01-09T00:00:00+00:00")
    by_id, _ = articles_of(site)
    assert by_id[name].created == when("2013-01-01T00:00:00+00:00")
    assert by_id[name].updated == when("2013-01-05T00:00:00+00:00")


def test_edits_before_publication_are_not_updates(tmp_path: Path):
    site = init_repo(tmp_path / "site")
    write_site(site, {f"content/{A}": article("Embargoed", "2013-06-01")})
    commit(site, "write ahead", "2013-05-01T00:00:00+00:00")
    (site / "content" / A).write_text(article("Embargoed", "2013-06-01", "Final text."))
    commit(site, "final edit", "2013-05-20T00:00:00+00:00")
    by_id, _ = articles_of(site)
    assert by_id[A].created == when("2013-05-01T00:00:00+00:00")
    assert by_id[A].updated is None


def test_a_repository_git_refuses_falls_back_and_says_why(tmp_path: Path):
    if os.geteuid() != 0:
        pytest.skip("needs root to hand the repository to another user")
    site = make_repo(tmp_path / "site")
    subprocess.run(["chown", "-R", "nobody", str(site)], check=True)
    result = run_press("check", str(site), env={"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("git refuses to read this repository") == 1, result.stderr
    assert f"safe.directory {site}" in result.stderr
