"""Shared test helpers: tiny sites written inline, the press CLI run for real, the shared corpus."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "digitalgov"
MAKE_ARCHIVE = SHARED / "tools" / "make_archive.py"
SITES = Path(__file__).resolve().parent / "sites"


def write_site(root: Path, files: dict[str, str], site_toml: str | None = 'title = "Test"\n') -> Path:
    """Write a site from {relative path: text}; text is dedented so tests can indent it."""
    root.mkdir(parents=True, exist_ok=True)
    if site_toml is not None:
        (root / "site.toml").write_text(site_toml, encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def article(title: str, date: str, body: str = "Body text.", **meta: object) -> str:
    """Front matter + body for one article, the keys written as YAML flow values."""
    import json

    lines = ["---", f"title: {json.dumps(title)}", f"date: {date}"]
    lines += [f"{key}: {json.dumps(value)}" for key, value in meta.items()]
    return "\n".join([*lines, "---", "", body, ""])


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    def make(files: dict[str, str], site_toml: str | None = 'title = "Test"\n', name: str = "site") -> Path:
        return write_site(tmp_path / name, files, site_toml)

    return make


THEME_ARTICLE = "themes/default/templates/article.html"  # a site's own copy of the default template


def one_article_with_template(make: Callable[..., Path], template: str) -> Path:
    """A site of one article whose theme has its own article template (the tests that save it)."""
    return make(
        {
            "content/articles/2012/12/one.md": article("One", "2012-12-03", "One body."),
            THEME_ARTICLE: template,
        }
    )


def run_press(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """The real command in a real process (`python -m generator`), as a user would run it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def press(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """The CLI in-process (fast): returns exit code, stdout, stderr."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def need_corpus() -> None:
    if not MAKE_ARCHIVE.exists() or not CORPUS.exists():
        pytest.skip(
            "needs ../shared/corpus and ../shared/tools/make_archive.py beside the checkout "
            "(present in CI and on developer machines, not in a user's clone)"
        )


@pytest.fixture(scope="session")
def corpus_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus (2,083 articles) in our content format, written once per test session."""
    need_corpus()
    out = tmp_path_factory.mktemp("corpus") / "archive"
    subprocess.run([sys.executable, str(MAKE_ARCHIVE), "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def corpus_build(corpus_archive: Path) -> Path:
    """The corpus archive built once per session with the real CLI; returns its output folder."""
    result = run_press("build", str(corpus_archive))
    assert result.returncode == 0, result.stderr[-5000:]
    return corpus_archive / "output"
