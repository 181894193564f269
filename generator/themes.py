"""Where a theme's files come from: the site's theme, then the default theme it falls back to.

Apart from the render stage so that what only needs the folders (the input check that lets a
no-op build stop at once, see lastbuild.py) doesn't import Jinja and the views with them.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_THEME = Path(__file__).resolve().parent.parent / "themes" / "default"


def theme_dirs(site_dir: Path, theme: str) -> list[Path]:
    """The site's theme first, then the default theme it falls back to."""
    dirs = []
    if theme != "default":
        dirs.append(site_dir / "themes" / theme)
    local_default = site_dir / "themes" / "default"
    if local_default.is_dir():
        dirs.append(local_default)
    if DEFAULT_THEME not in dirs:
        dirs.append(DEFAULT_THEME)
    return dirs


def static_names(site_dir: Path, theme: str) -> dict[str, Path]:
    """The theme's assets, each by its path under static/, the site's theme overriding the default
    one file by file (in that order: the site's theme's files first, each folder sorted)."""
    found: dict[str, Path] = {}
    for theme_dir in theme_dirs(site_dir, theme):
        static = theme_dir / "static"
        if not static.is_dir():
            continue
        for file in sorted(static.rglob("*")):
            rel = file.relative_to(static).as_posix()
            if file.is_file() and rel not in found:
                found[rel] = file
    return found
