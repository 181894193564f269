"""Find the source files of a site: articles, author profiles, pages, in a stable order.

Hidden files and folders (a leading '.' or '_') are ignored, as editors and git leave them
around. Symlinked folders are followed once; a symlink loop is a problem, not a hang. What looks
meant to be read but isn't (`story.markdown`, `Story.MD`, a `content/article/` folder) is a
warning: an article that silently never appears is found only by a reader.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Problem, error, warning

KINDS = ("articles", "authors", "pages")


@dataclass
class Sources:
    """Source files by kind, as paths relative to content/ (posix), sorted."""

    content_dir: Path
    articles: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def is_hidden(name: str) -> bool:
    return name.startswith((".", "_")) or name.endswith("~")


def is_source(path: str) -> bool:
    """Whether a file (its path relative to content/, posix) is one `discover` lists: under a
    kind's folder, a .md name, nothing hidden on the way (what the build's input check hashed is
    compared with what was listed, see build.read_all)."""
    parts = path.split("/")
    return (
        len(parts) > 1 and parts[0] in KINDS and parts[-1].endswith(".md") and not any(map(is_hidden, parts))
    )


def _walk(root: Path, content_dir: Path, problems: list[Problem]) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for folder, dirs, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            rel = Path(folder).relative_to(content_dir).as_posix()
            problems.append(
                error(
                    f"content/{rel}",
                    None,
                    None,
                    "symlink loop: this folder is already part of the content",
                    "remove the symlink or point it outside content/",
                )
            )
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not is_hidden(d))
        prefix = Path(folder).relative_to(content_dir).as_posix() + "/"  # plain strings per file below
        for name in sorted(files):
            if is_hidden(name):
                continue
            if not name.endswith(".md"):
                if _markdown_suffix(name):
                    problems.append(_not_read(f"content/{prefix}{name}", name))
                continue
            path = os.path.join(folder, name)
            if os.path.islink(path) and not os.path.exists(path):
                problems.append(warning(f"content/{prefix}{name}", None, None, "broken symlink, skipped"))
                continue
            found.append(prefix + name)
    return sorted(found)


def discover(content_dir: Path) -> Sources:
    sources = Sources(content_dir)
    if not content_dir.is_dir():
        sources.problems.append(
            error(
                "content", None, None, "no content/ folder here", "run press in the folder holding site.toml"
            )
        )
        return sources
    for kind in KINDS:
        root = content_dir / kind
        if root.is_dir():
            setattr(sources, kind, _walk(root, content_dir, sources.problems))
    sources.problems += _outside_kinds(content_dir)
    return sources


# Names Markdown files go by elsewhere; only `.md` is read (a `.txt` or an image is no mistake).
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn"}


def _markdown_suffix(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in _MARKDOWN_SUFFIXES


def _not_read(path: str, name: str) -> Problem:
    stem = os.path.splitext(name)[0]
    return warning(path, None, None, "not read: only files named *.md are", f"rename it to {stem}.md")


def _holds_markdown(folder: str) -> bool:
    for _, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not is_hidden(d)]
        if any(_markdown_suffix(name) and not is_hidden(name) for name in files):
            return True
    return False


def _outside_kinds(content_dir: Path) -> list[Problem]:
    """Folders holding Markdown, and Markdown files, directly in content/ that no kind reads
    (`content/article/`, `content/about.md`)."""
    problems = []
    where = ", ".join(f"content/{kind}/" for kind in KINDS)
    for entry in sorted(os.scandir(content_dir), key=lambda e: e.name):
        if is_hidden(entry.name) or entry.name in KINDS:
            continue
        if entry.is_dir():
            if not _holds_markdown(entry.path):
                continue  # images, notes: not what press reads, and not meant to be
            close = difflib.get_close_matches(entry.name.lower(), KINDS, n=1)
            hint = f"did you mean content/{close[0]}/?" if close else f"move its files into {where}"
            problems.append(
                warning(
                    f"content/{entry.name}",
                    None,
                    None,
                    f"Markdown in this folder is not read: press reads {where}",
                    hint,
                )
            )
        elif _markdown_suffix(entry.name):
            hint = "an article goes in content/articles/, a page such as 'About' in content/pages/"
            problems.append(
                warning(f"content/{entry.name}", None, None, f"not read: press reads {where}", hint)
            )
    return problems
