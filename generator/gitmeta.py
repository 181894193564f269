"""Dates from git history: when each content file entered the archive and when it last changed.

One `git log` over content/ for the whole archive (never one call per file): on a 10,000-article
archive a per-file `git log --follow` costs minutes, one pass costs well under a second. The log
is read newest first with renames detected, and each rename hands the file's identity to its
old path, so a moved article keeps its history the way `git log --follow` would.

History is used only when the site folder is the top of a git work tree, i.e. the site *is* the
checkout: a site kept inside some other project's repository (a fixture, an example) would
otherwise take dates from commits that have nothing to do with its articles. A shallow clone
has cut history, so its dates would be wrong rather than missing: it falls back to the front
matter and says so once (as it does when git refuses a repository that belongs to another user).
Outside git, or without git installed, the front matter is all there is.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from generator.errors import Problem, warning
from generator.models import Article

Dates = dict[str, tuple[datetime, datetime | None]]  # content id → (created, updated or None)


@dataclass
class History:
    """Per content id (path under content/): first commit, and last change after that (if any)."""

    dates: Dates = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _git(
    site_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", "-C", str(site_dir), *args],
            capture_output=True,
            check=False,
            timeout=600,
            env={**os.environ, **env} if env else None,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


# The dates are a function of the commits alone, as every clone of them has them: not of local
# replacements (`git replace`, .git/info/grafts: neither is pushed or fetched by default) nor of
# the repository's or the user's log settings. Those change what `git log` says while HEAD stays
# where it was, so the build's input check (lastbuild.py) could not see them: the next build was
# skipped, keeping dates a build from scratch would not give.
_AS_COMMITTED = (
    "--no-replace-objects",
    *("-c", "log.showRoot=true"),  # false: the files of the first commit are left out
    *("-c", "log.showSignature=false"),  # true: a signed commit's check is written into the log
)
_NO_GRAFTS = {"GIT_GRAFT_FILE": os.devnull}


def _checkout_state(site_dir: Path) -> str | None:
    """'full', 'shallow' or 'refused' when the site folder is the top of a work tree; None otherwise."""
    done = _git(site_dir, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository", "--show-prefix")
    if done is None:
        return None
    if done.returncode != 0:
        return "refused" if b"dubious ownership" in done.stderr else None
    inside, shallow, prefix = (done.stdout.decode("utf-8", "surrogateescape").split("\n") + ["", "", ""])[:3]
    if inside != "true" or prefix != "":
        return None
    return "shallow" if shallow == "true" else "full"


_FALLBACKS = {
    "shallow": (
        "this is a shallow git clone: dates come from the front matter, not from history",
        "fetch the whole history (git fetch --unshallow; in CI: fetch-depth: 0 or GIT_DEPTH: 0)",
    ),
    "refused": (
        "git refuses to read this repository (it belongs to another user): dates come from the front matter",
        "trust it with: git config --global --add safe.directory {site}",
    ),
}


def parse_log(raw: bytes, prefix: str = "content/") -> Dates:
    """`git log -z --name-status --format=%x01%aI` (newest first) → dates per content id.

    `created` is the oldest commit that touched the file under any of its names. `updated` is
    the newest commit that changed its bytes, and only when that is not the commit that added
    it: an archive imported in one commit has not been "updated" on the import day. A pure
    rename (R100) moves a file without changing it, so it does not count as an update. Dates are
    author dates: when the change was written, which a rebase or cherry-pick keeps.
    """
    current: dict[str, str] = {}  # path as of the commit being read → content id today
    vacated: set[str] = set()  # paths whose file today was added or moved there in a newer commit
    seen: dict[str, list] = {}  # content id → [created, updated, number of changes]
    for chunk in raw.decode("utf-8", "surrogateescape").split("\x01")[1:]:
        stamp, _, rest = chunk.partition("\0")
        when = datetime.fromisoformat(stamp)
        tokens = rest.lstrip("\n").split("\0")
        i = 0
        while i + 1 < len(tokens) and tokens[i]:
            status, old, new = tokens[i], tokens[i + 1], tokens[i + 1]
            if status[0] in "RC":
                new = tokens[i + 2]
                i += 1
            i += 2
            content_id = _identity(new, prefix, current, vacated)
            if content_id is None:
                continue
            if status[0] in "AR":
                current.pop(new, None)
                vacated.add(new)
            if status[0] == "R" and old.startswith(prefix):
                current[old] = content_id
            entry = seen.setdefault(content_id, [when, None, 0])
            entry[0] = when
            if status != "R100":
                entry[1] = entry[1] or when
                entry[2] += 1
    return {cid: (first, last if changes > 1 else None) for cid, (first, last, changes) in seen.items()}


def _identity(path: str, prefix: str, current: dict[str, str], vacated: set[str]) -> str | None:
    """Which file of today a change to `path` belongs to; None for an older, unrelated file."""
    if path in current:
        return current[path]
    if path in vacated or not path.startswith(prefix):
        return None
    current[path] = path[len(prefix) :]
    return current[path]


def reflog_path(site_dir: Path) -> Path | None:
    """Where a commit, reset or checkout is written down: the reflog of HEAD in the git folder of
    the repository holding the site (a linked work tree's git folder is elsewhere); None outside
    a repository. press serve watches it: new history may date any article anew."""
    done = _git(site_dir, "rev-parse", "--absolute-git-dir")
    if done is None or done.returncode != 0 or not done.stdout.strip():
        return None
    return Path(os.fsdecode(done.stdout.removesuffix(b"\n"))) / "logs" / "HEAD"


def read_history(site_dir: Path) -> History:
    history = History()
    state = _checkout_state(site_dir)
    if state in _FALLBACKS:
        message, hint = _FALLBACKS[state]
        history.problems.append(warning("content", None, None, message, hint.format(site=site_dir)))
    if state != "full":
        return history
    log = ("log", "-z", "--topo-order", "--name-status", "-M", "--format=%x01%aI", "--", "content/")
    done = _git(site_dir, *_AS_COMMITTED, *log, env=_NO_GRAFTS)
    if done is not None and done.returncode == 0:
        history.dates = parse_log(done.stdout)
    return history


def with_history(articles: list[Article], history: History) -> list[Article]:
    """Articles with `created` from history, and `updated` where the front matter has none.

    A last change dated before publication (an article committed ahead of its date) is no update.
    """
    out = []
    for article in articles:
        created, updated = history.dates.get(article.id, (None, None))
        if created is None:
            out.append(article)
            continue
        if article.updated is None and updated is not None and updated > article.date:
            article = replace(article, created=created, updated=updated)
        else:
            article = replace(article, created=created)
        out.append(article)
    return out


def dates_from_git(site_dir: Path, articles: list[Article], problems: list[Problem]) -> list[Article]:
    """The build's one call: read history once, apply it, report a shallow clone once."""
    history = read_history(site_dir)
    problems += history.problems
    return with_history(articles, history) if history.dates else articles
