"""A build's options, as the command line gives them.

Apart from the pipeline so that `press build` can check whether the last build stands before it
imports the pipeline (see lastbuild.py and cli.cmd_build).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    out_dir: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    future: bool = False
    strict: bool = False
    jobs: int | None = None  # worker processes; None: all cores
    cache: bool = True  # keep parsed and rendered work in <site>/.cache/


def build_settings(options: Options, out_dir: Path) -> str:
    """The options that change what a build writes (not --jobs: output never depends on it)."""
    return repr((options.drafts, options.future, options.strict, options.base_url, str(out_dir)))


def out_dir_of(site_dir: Path, options: Options) -> Path:
    """Where a build of `site_dir` (resolved) writes: --out, else SITE/output."""
    return (options.out_dir or site_dir / "output").resolve()
