"""Real git repositories for tests: commits with the author and dates the test chooses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.org",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git_env(when: str | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of one git command: a fixed identity, no user config, and the commit date."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(IDENTITY)
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    env.update(extra or {})
    return env


def git(
    repo: Path, *args: str, when: str | None = None, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        env=git_env(when, env),
        capture_output=True,
        text=True,
        check=check,
    )


def init_repo(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


def commit(repo: Path, message: str, when: str, *paths: str) -> None:
    """Stage `paths` (everything when none) and commit at `when` (ISO 8601, author and committer)."""
    git(repo, "add", "-A", *(["--", *paths] if paths else []))
    git(repo, "commit", "-q", "-m", message, when=when)
