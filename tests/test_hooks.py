"""The pre-commit hook, in real repositories: it stops a broken commit and lets a good one in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, article, run_press, write_site
from tests.gitrepo import commit, git, init_repo

GOOD = "content/articles/2012/12/good.md"
BROKEN = "content/articles/2012/12/broken.md"
# the hook runs `python -m generator`: the commit's environment must find this checkout's package
PRESS_ENV = {"PYTHONPATH": str(ROOT)}


def archive(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    assert run_press("init", str(site)).returncode == 0
    commit(site, "new archive", "2012-12-01T09:00:00+00:00")
    return site


def try_commit(site: Path, rel: str, text: str, env: dict[str, str]):
    write_site(site, {rel: text}, site_toml=None)
    git(site, "add", rel)
    return git(
        site, "commit", "-q", "-m", f"add {rel}", check=False, env=env, when="2012-12-05T10:00:00+00:00"
    )


def head(site: Path) -> str:
    return git(site, "rev-parse", "HEAD").stdout.strip()


def assert_blocks_broken_and_admits_good(site: Path, env: dict[str, str]) -> None:
    before = head(site)
    blocked = try_commit(site, BROKEN, "---\ntitle: No date yet\n---\nText.\n", env)
    assert blocked.returncode != 0
    assert f"{BROKEN}:1: date: is missing" in blocked.stdout + blocked.stderr
    assert head(site) == before
    git(site, "rm", "-q", "--cached", BROKEN)
    (site / BROKEN).unlink()
    admitted = try_commit(site, GOOD, article("Good", "2012-12-03"), env)
    assert admitted.returncode == 0, admitted.stdout + admitted.stderr
    assert head(site) != before
    assert git(site, "show", "--name-only", "--format=", "HEAD").stdout.split() == [GOOD]


def test_installed_hook_blocks_a_broken_article_and_lets_a_good_one_through(tmp_path: Path):
    site = archive(tmp_path)
    installed = run_press("hook", "install", cwd=site)
    assert installed.returncode == 0, installed.stderr
    hook = site / ".git" / "hooks" / "pre-commit"
    assert "Installed .git/hooks/pre-commit: press check now runs before each commit." in installed.stdout
    assert os.access(hook, os.X_OK)
    assert_blocks_broken_and_admits_good(site, PRESS_ENV)


def test_hook_install_never_clobbers_someone_elses_hook(tmp_path: Path):
    site = archive(tmp_path)
    hook = site / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho my own hook\n")
    result = run_press("hook", "install", str(site))
    assert result.returncode == 1
    assert "a pre-commit hook is already there; press leaves it alone" in result.stderr
    assert "-m generator check ." in result.stderr  # the hint: the line to add by hand
    assert hook.read_text() == "#!/bin/sh\necho my own hook\n"

    hook.unlink()
    assert run_press("hook", "install", str(site)).returncode == 0
    assert run_press("hook", "install", str(site)).returncode == 0  # its own hook: rewritten


def test_hook_for_a_site_in_a_subfolder_checks_that_folder(tmp_path: Path):
    project = init_repo(tmp_path / "project")
    site = project / "news"
    assert run_press("init", str(site)).returncode == 0
    commit(project, "project with a news archive", "2012-12-01T09:00:00+00:00")
    assert run_press("hook", "install", str(site)).returncode == 0
    assert "check news\n" in (project / ".git/hooks/pre-commit").read_text()
    before = head(project)
    write_site(site, {BROKEN: "---\ntitle: No date yet\n---\n"}, site_toml=None)
    git(project, "add", "-A")
    blocked = git(project, "commit", "-q", "-m", "broken", check=False, env=PRESS_ENV)
    assert blocked.returncode != 0 and f"{BROKEN}:1: date: is missing" in blocked.stderr
    assert head(project) == before


def test_the_line_to_add_by_hand_runs_as_given_for_a_folder_with_a_space(tmp_path: Path):
    project = init_repo(tmp_path / "project")
    site = project / "city news"
    assert run_press("init", str(site)).returncode == 0
    commit(project, "project with a news archive", "2012-12-01T09:00:00+00:00")
    hook = project / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho my own hook\n")
    result = run_press("hook", "install", str(site))
    assert result.returncode == 1
    line = result.stderr.split("add this line to it: ", 1)[1].split(")")[0].strip()
    assert line.endswith(" -m generator check 'city news'"), line
    ran = subprocess.run(
        ["sh", "-c", line], cwd=project, env={**os.environ, **PRESS_ENV}, capture_output=True, text=True
    )
    assert ran.returncode == 0 and "Check OK" in ran.stdout, ran.stderr


def test_hook_install_honours_core_hooks_path(tmp_path: Path):
    site = archive(tmp_path)
    git(site, "config", "core.hooksPath", ".githooks")
    assert run_press("hook", "install", str(site)).returncode == 0
    assert (site / ".githooks" / "pre-commit").is_file()
    assert not (site / ".git" / "hooks" / "pre-commit").exists()
    assert_blocks_broken_and_admits_good(site, PRESS_ENV)


def test_hook_install_outside_git_says_so(tmp_path: Path):
    result = run_press("hook", "install", str(tmp_path))
    assert result.returncode == 1
    assert "not inside a git repository" in result.stderr


def test_pre_commit_framework_runs_press_check_from_the_init_config(tmp_path: Path):
    tool = shutil.which("pre-commit")
    if tool is None:
        pytest.skip("pre-commit not installed (it is in the test extra: pip install -e '.[test]')")
    site = archive(tmp_path)
    bin_dir = tmp_path / "bin"  # `press` as an installed console script would provide it
    bin_dir.mkdir()
    (bin_dir / "press").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m generator "$@"\n')
    (bin_dir / "press").chmod(0o755)
    env = {
        **PRESS_ENV,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
    }
    done = subprocess.run(
        [tool, "install"], cwd=site, env={**os.environ, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert_blocks_broken_and_admits_good(site, env)
