"""`press init` and `press new`, run as real commands in real folders and git repositories."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_press
from tests.gitrepo import git, init_repo

WORKFLOW = ".github/workflows/publish.yml"


def init(target: Path) -> Path:
    result = run_press("init", str(target))
    assert result.returncode == 0, result.stderr
    return target


def new(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_press("new", *args, str(site))


def test_init_writes_an_archive_that_checks_builds_and_keeps_output_out_of_git(tmp_path: Path):
    site = tmp_path / "city-news"
    result = run_press("init", str(site))
    assert result.returncode == 0, result.stderr
    written = result.stdout.splitlines()
    for rel in ("site.toml", ".gitignore", ".pre-commit-config.yaml", WORKFLOW, "requirements.txt"):
        assert (site / rel).is_file() and str(site / rel) in written, rel
    assert (site / "content/articles").is_dir() and (site / "content/authors").is_dir()
    assert 'title = "City news"' in (site / "site.toml").read_text()
    assert "initialised a git repository" in result.stderr
    assert git(site, "symbolic-ref", "--short", "HEAD").stdout.strip() == "main"
    assert run_press("check", str(site)).returncode == 0
    built = run_press("build", str(site))
    assert built.returncode == 0, built.stderr
    assert (site / "output" / "index.html").is_file()
    status = git(site, "status", "--porcelain", "--untracked-files=all").stdout
    assert "output/" not in status and "site.toml" in status


@pytest.mark.parametrize("name", ["news\\q", 'the "daily"'])
def test_init_names_the_site_after_any_folder_in_a_site_toml_that_loads(tmp_path: Path, name: str):
    site = tmp_path / name
    assert run_press("init", str(site)).returncode == 0
    checked = run_press("check", str(site))
    assert checked.returncode == 0, checked.stderr
    title = tomllib.loads((site / "site.toml").read_text())["title"]
    assert title == name[:1].upper() + name[1:]


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "notes.txt").write_text("mine")
    result = run_press("init", str(site))
    assert result.returncode == 1
    assert "folder is not empty (notes.txt)" in result.stderr
    assert sorted(p.name for p in site.iterdir()) == ["notes.txt"]
    assert (site / "notes.txt").read_text() == "mine"


def test_init_fills_an_empty_clone_and_does_not_nest_repositories(tmp_path: Path):
    clone = init_repo(tmp_path / "clone")
    git(clone, "symbolic-ref", "HEAD", "refs/heads/trunk")
    result = run_press("init", str(clone))
    assert result.returncode == 0, result.stderr
    assert "initialised" not in result.stderr
    assert (clone / "site.toml").is_file()
    assert "branches: [trunk]" in (clone / WORKFLOW).read_text()  # deploys from the clone's branch

    project = init_repo(tmp_path / "project")
    result = run_press("init", str(project / "site"))
    assert result.returncode == 0, result.stderr
    assert not (project / "site" / ".git").exists()
    assert "inside an existing repository" in result.stderr


def test_the_workflow_is_valid_for_actionlint_and_publishes_under_the_pages_sub_path(tmp_path: Path):
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint not installed (it is in the test extra: pip install -e '.[test]')")
    site = init(tmp_path / "site")
    workflow = site / WORKFLOW
    lint = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True, cwd=site)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    text = workflow.read_text()
    assert "fetch-depth: 0" in text and "press check" in text
    assert 'press build --base-url "$PAGES_URL/"' in text
    assert "branches: [main]" in text and "refs/heads/main" in text
    assert "actions/deploy-pages@" in text

    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("fetch-depth: 0", "fetch-dept: 0"))
    lint = subprocess.run([actionlint, str(broken)], capture_output=True, text=True)
    assert lint.returncode != 0 and "fetch-dept" in lint.stdout


def test_pre_commit_files_are_valid_for_pre_commit(tmp_path: Path):
    tool = shutil.which("pre-commit")
    if tool is None:
        pytest.skip("pre-commit not installed (it is in the test extra: pip install -e '.[test]')")
    site = init(tmp_path / "site")
    for command, path in (
        ("validate-config", site / ".pre-commit-config.yaml"),
        ("validate-manifest", ROOT / ".pre-commit-hooks.yaml"),
    ):
        done = subprocess.run([tool, command, str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    assert "id: press-check" in (ROOT / ".pre-commit-hooks.yaml").read_text()


def test_new_writes_an_article_that_passes_check_and_builds(tmp_path: Path):
    site = init(tmp_path / "site")
    result = new(
        site, "Lavrov Yields: NATO's “Plan”", "--author", "Jane Doe", "--author", "José Ortiz",
        "--tag", "NATO", "--tag", "Russia", "--date", "2012-12-03T14:30:00+04:00",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == site / "content/articles/2012/12/lavrov-yields-nato-s-plan.md"
    assert path.read_text() == (
        "---\n"
        "title: 'Lavrov Yields: NATO''s “Plan”'\n"
        "date: 2012-12-03T14:30:00+04:00\n"
        "authors: [Jane Doe, José Ortiz]\n"
        "tags: [NATO, Russia]\n"
        "---\n\n"
    )
    check = run_press("check", str(site))
    assert check.returncode == 0, check.stderr
    assert "Check OK: 1 article, 0 errors, 0 warnings" in check.stdout
    assert run_press("build", str(site)).returncode == 0
    page = (site / "output/2012/12/03/lavrov-yields-nato-s-plan/index.html").read_text()
    assert "<h1>Lavrov Yields: NATO&#39;s “Plan”</h1>" in page
    assert ">José Ortiz</a>" in page and ">Russia</a>" in page


def test_new_picks_a_free_slug_and_never_overwrites(tmp_path: Path):
    site = init(tmp_path / "site")
    first = Path(new(site, "Same Headline", "--date", "2012-12-03").stdout.strip())
    first.write_text(first.read_text() + "The reporter's text.\n")
    second = Path(new(site, "Same Headline", "--date", "2012-12-03").stdout.strip())
    assert first.name == "same-headline.md" and second.name == "same-headline-2.md"
    assert first.read_text().endswith("The reporter's text.\n")
    third = Path(new(site, "Same Headline", "--date", "2013-01-05").stdout.strip())
    assert third == site / "content/articles/2013/01/same-headline.md"
    assert run_press("check", str(site)).returncode == 0


def test_new_with_a_long_headline_writes_a_file_name_the_file_system_takes(tmp_path: Path):
    """A Cyrillic headline is two bytes a letter: 150 letters made a 280-byte name, OSError."""
    site = init(tmp_path / "site")
    headline = "Правительство России обсудит новые меры поддержки экономики " * 3  # 180 letters
    first, second = (new(site, headline, "--date", "2012-12-03") for _ in range(2))
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    paths = [Path(first.stdout.strip()), Path(second.stdout.strip())]
    assert all(p.is_file() and len(p.name.encode()) <= 255 for p in paths)
    assert paths[0].stem.startswith("правительство-россии-обсудит") and paths[1].stem.endswith("-2")
    assert run_press("check", str(site)).returncode == 0


def test_new_dates_the_article_now_in_the_sites_time_zone(tmp_path: Path):
    site = init(tmp_path / "site")
    before = datetime.now(UTC)
    path = Path(new(site, "Breaking").stdout.strip())
    after = datetime.now(UTC)
    line = next(x for x in path.read_text().splitlines() if x.startswith("date: "))
    written = datetime.fromisoformat(line.removeprefix("date: "))
    assert written.utcoffset().total_seconds() == 0  # site.toml from init: timezone = "UTC"
    assert before.replace(microsecond=0) <= written <= after
    assert path.parent == site / "content/articles" / f"{written:%Y}" / f"{written:%m}"


def test_new_reports_a_bad_date_and_a_missing_site(tmp_path: Path):
    site = init(tmp_path / "site")
    bad = new(site, "Story", "--date", "2012-13-03")
    assert bad.returncode == 1
    assert "--date: date: '2012-13-03' is not a real date" in bad.stderr
    assert not list((site / "content/articles").glob("*/*/*.md"))
    nowhere = new(tmp_path / "nowhere", "Story")
    assert nowhere.returncode == 1 and "no site.toml or content/ here" in nowhere.stderr
