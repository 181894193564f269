"""`press hook install`: a plain git pre-commit hook that runs `press check`, for those who don't
use the pre-commit framework (its users add the `press-check` hook from .pre-commit-hooks.yaml).

An existing hook is never replaced: it may be someone's own work or another tool's, and a hook
silently lost is a check silently gone. Only a hook this command wrote itself is rewritten.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from generator.errors import Problem, error

MARKER = "# press-check: written by `press hook install`"


def hook_script(site_from_top: str) -> str:
    """The hook: run from the top of the work tree, check the site with this very Python's press."""
    folder = shlex.quote(site_from_top or ".")
    return (
        "#!/bin/sh\n"
        f"{MARKER}\n"
        "# Checks every article and link of the archive before each commit; a problem stops the commit.\n"
        "# Skip it once with `git commit --no-verify`; delete this file to remove it.\n"
        'cd "$(git rev-parse --show-toplevel)" || exit 1\n'
        f"exec {shlex.quote(sys.executable)} -m generator check {folder}\n"
    )


def _git_lines(site_dir: Path, *args: str) -> list[str] | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(site_dir), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout.splitlines() if done.returncode == 0 else None


def install_hook(site_dir: Path) -> tuple[Path | None, list[Problem]]:
    """Write <hooks dir>/pre-commit (honouring core.hooksPath); refuse if another hook is there."""
    found = _git_lines(site_dir, "rev-parse", "--show-prefix", "--git-path", "hooks")
    if found is None or len(found) < 2:
        hint = "run it inside the archive's git checkout (press init makes one)"
        return None, [error(str(site_dir), None, None, "not inside a git repository", hint)]
    prefix, hooks_dir = found[0].rstrip("/"), site_dir / found[1]
    hook = hooks_dir / "pre-commit"
    if hook.exists() and MARKER not in hook.read_text(encoding="utf-8", errors="replace"):
        return None, [
            error(
                str(hook),
                None,
                None,
                "a pre-commit hook is already there; press leaves it alone",
                f"add this line to it: {shlex.quote(sys.executable)} -m generator check "
                f"{shlex.quote(prefix or '.')}",
            )
        ]
    hooks_dir.mkdir(parents=True, exist_ok=True)
    hook.write_text(hook_script(prefix), encoding="utf-8")
    hook.chmod(0o755)
    return hook, []
