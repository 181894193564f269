"""New archives and new articles: `press init` and `press new`.

Both only ever create files, never replace one: `init` refuses a folder that already holds
anything (an empty git clone is fine), `new` picks a free file name instead of overwriting.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import yaml

from generator import __version__
from generator.config import load_config
from generator.errors import Problem, error
from generator.read import Invalid, to_datetime
from generator.slugs import slugify

TEMPLATES = resources.files("generator") / "scaffold_files"


@dataclass
class Created:
    """What a scaffold command made (paths to print) or why it made nothing."""

    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _template(name: str, **values: str) -> str:
    """A file from scaffold_files/ with its __PLACEHOLDERS__ filled ($ and {} stay free for YAML/TOML)."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"__{key.upper()}__", value)
    return text


def _git_out(target: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(target), *args], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _repository_branch(target: Path) -> str | None:
    """The current branch when `target` already lies in a git work tree, else None."""
    if _git_out(target, "rev-parse", "--is-inside-work-tree") != "true":
        return None
    return _git_out(target, "symbolic-ref", "--short", "-q", "HEAD") or "main"


def _site_title(target: Path) -> str:
    name = target.resolve().name.replace("-", " ").replace("_", " ").strip()
    return (name[:1].upper() + name[1:]) if name else "News Archive"


def _toml_text(text: str) -> str:
    """Text as the inside of a TOML basic string: a folder named `news\\q` or `"Daily"` must give
    a site.toml that loads (a lone backslash made every command fail)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return "".join(c if ord(c) >= 32 and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)


def init_site(target: Path) -> Created:
    """A new archive in `target`: settings, content folders, .gitignore, pre-commit and CI config."""
    created = Created()
    if target.exists() and not target.is_dir():
        created.problems.append(error(str(target), None, None, "exists and is not a folder"))
        return created
    existing = sorted(p.name for p in target.iterdir() if p.name != ".git") if target.exists() else []
    if existing:
        shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
        created.problems.append(
            error(
                str(target),
                None,
                None,
                f"folder is not empty ({shown}); press init only fills an empty folder",
                "choose a new folder name, or empty this one",
            )
        )
        return created
    target.mkdir(parents=True, exist_ok=True)
    branch = _repository_branch(target)
    if branch is None:
        subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True, capture_output=True)
        created.notes.append(f"initialised a git repository in {target} (branch main)")
        branch = "main"
    elif (target / ".git").exists() is False:
        created.notes.append(
            f"{target} is inside an existing repository: GitHub reads workflows, and pre-commit its "
            "configuration, only at the repository's top, so move .github/ and .pre-commit-config.yaml "
            "there (and dates from git apply only to a site at the top of its checkout)"
        )
    files = {
        "site.toml": _template("site.toml", title=_toml_text(_site_title(target))),
        "content/articles/.gitkeep": "",
        "content/authors/.gitkeep": "",
        ".gitignore": _template("gitignore"),
        ".pre-commit-config.yaml": _template("pre-commit-config.yaml"),
        ".github/workflows/publish.yml": _template("publish.yml", branch=branch),
        "requirements.txt": _template("requirements.txt", version=__version__),
    }
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
        created.paths.append(path)
    return created


def _yaml_line(key: str, value: object) -> str:
    """One `key: value` line; lists stay on the line, as in CONTENT-FORMAT.md's example."""
    flow = None if isinstance(value, list) else False
    return yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=flow, width=10**6)


def _front_matter(headline: str, date_line: str, authors: list[str], tags: list[str]) -> str:
    lines = [_yaml_line("title", headline), f"date: {date_line}\n"]
    lines += [_yaml_line(key, values) for key, values in (("authors", authors), ("tags", tags)) if values]
    return "---\n" + "".join(lines) + "---\n\n"


def _publication(date_text: str | None, site_dir: Path, created: Created) -> tuple[datetime, str] | None:
    """The article's date and how to write it: a bare date stays bare, a time keeps its offset."""
    config, problems = load_config(site_dir)
    created.problems += [p for p in problems if p.is_error]
    if created.problems:
        return None
    if date_text is None:
        now = datetime.now(config.tz).replace(microsecond=0)
        return now, now.isoformat()
    try:
        when = to_datetime(date_text, config.tz)
    except Invalid as exc:
        created.problems.append(error("--date", None, "date", str(exc), exc.hint))
        return None
    bare = len(date_text.strip()) == 10
    return when, (when.date().isoformat() if bare else when.isoformat())


def new_article(
    site_dir: Path, headline: str, authors: list[str], tags: list[str], date_text: str | None = None
) -> Created:
    """content/articles/YYYY/MM/<slug>.md with its front matter filled in; never overwrites."""
    created = Created()
    headline = " ".join(headline.split())
    if not headline:
        created.problems.append(error("headline", None, "title", "is empty", 'press new "A headline"'))
    if not (site_dir / "site.toml").is_file() and not (site_dir / "content").is_dir():
        created.problems.append(
            error(str(site_dir), None, None, "no site.toml or content/ here", "run press init first")
        )
    publication = _publication(date_text, site_dir, created) if not created.problems else None
    if publication is None:
        return created
    when, date_line = publication
    folder = site_dir / "content" / "articles" / f"{when:%Y}" / f"{when:%m}"
    folder.mkdir(parents=True, exist_ok=True)
    text = _front_matter(headline, date_line, authors, tags)
    base = slugify(headline)
    for number in range(1, 10_000):
        path = folder / (f"{base}.md" if number == 1 else f"{base}-{number}.md")
        try:
            with path.open("x", encoding="utf-8") as out:
                out.write(text)
        except FileExistsError:
            continue
        created.paths.append(path)
        return created
    created.problems.append(error(str(folder), None, None, f"no free file name for {base!r}"))
    return created
