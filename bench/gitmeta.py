"""Benchmark: the git-metadata pass, and `press check`, on an archive with its history in git.

    python3 -m bench.gitmeta [--n 10000] [--commits 6] [--runs 3] [--keep DIR]

Writes the shared corpus as an archive of N articles (../shared/tools/make_archive.py), commits
it, then makes history on top: commits that each edit a tenth of the articles, and one that
renames a few hundred files. Prints one JSON object: the time of `read_history` (one `git log`
for the whole archive, parsed) as min and median of the runs, what it found, and the time of
`press check` (the real command, in its own process) on the same checkout; wall and CPU seconds
both, with the load average, since wall time on a shared machine says as much about the neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_ARCHIVE = ROOT.parent / "shared" / "tools" / "make_archive.py"
sys.path.insert(0, str(ROOT))

from generator.gitmeta import read_history  # noqa: E402

IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str, when: str | None = None) -> None:
    env = {**os.environ, **IDENTITY}
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True)


def make_history(site: Path, n: int, commits: int) -> int:
    """The archive in one commit, then edits and a batch of renames; returns the number of commits."""
    subprocess.run(
        [sys.executable, str(MAKE_ARCHIVE), "--out", str(site), "--n", str(n)],
        check=True,
        capture_output=True,
    )
    git(site, "init", "-q", "-b", "main")
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "import", when="2024-01-01T09:00:00+00:00")
    articles = sorted((site / "content" / "articles").rglob("*.md"))
    for number in range(1, commits):
        for path in articles[number - 1 :: 10]:
            with path.open("a", encoding="utf-8") as out:
                out.write(f"\nCorrection {number}.\n")
        git(site, "commit", "-q", "-am", f"corrections {number}", when=f"2024-02-{number:02d}T09:00:00+00:00")
    for path in articles[5::25]:
        git(site, "mv", str(path), str(path.with_name("moved-" + path.name)))
    git(site, "commit", "-q", "-m", "renames", when="2024-03-01T09:00:00+00:00")
    return commits + 1


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: steadier than wall time on a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument(
        "--commits", type=int, default=6, help="import + edit commits (a rename commit follows)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="make the repository here and keep it")
    args = parser.parse_args()
    if not MAKE_ARCHIVE.exists():
        sys.exit(f"needs {MAKE_ARCHIVE} (the shared corpus beside the checkout)")
    with tempfile.TemporaryDirectory() as tmp:
        site = args.keep or Path(tmp) / "archive"
        started = time.perf_counter()
        commits = make_history(site, args.n, args.commits)
        setup = time.perf_counter() - started
        times, cpu, history = [], [], None
        for _ in range(args.runs):
            started, cpu_started = time.perf_counter(), cpu_seconds()
            history = read_history(site)
            times.append(time.perf_counter() - started)
            cpu.append(cpu_seconds() - cpu_started)
        sample = sorted(history.dates)[:: max(1, len(history.dates) // 50)] if history else []
        started = time.perf_counter()
        for content_id in sample:  # what one `git log --follow` per file would cost instead
            git(site, "log", "--follow", "--format=%aI", "--", f"content/{content_id}")
        per_file = (time.perf_counter() - started) / max(1, len(sample))
        started, cpu_started = time.perf_counter(), cpu_seconds()
        check = subprocess.run(
            [sys.executable, "-m", "generator", "check", str(site)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
        )
        check_seconds, check_cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        assert history is not None
        print(
            json.dumps(
                {
                    "bench": "gitmeta",
                    "articles": args.n,
                    "commits": commits,
                    "files_with_history": len(history.dates),
                    "files_updated_after_import": sum(1 for _, u in history.dates.values() if u),
                    "history_pass_s_min": round(min(times), 3),
                    "history_pass_s_median": round(statistics.median(times), 3),
                    "history_pass_cpu_s_min": round(min(cpu), 3),
                    "per_file_follow_s_estimate": round(per_file * len(history.dates), 1),
                    "check_s": round(check_seconds, 2),
                    "check_cpu_s": round(check_cpu, 2),
                    "load_average_1min": round(os.getloadavg()[0], 1),
                    "check_exit": check.returncode,
                    "check_summary": check.stdout.strip().splitlines()[-1]
                    if check.stdout
                    else check.stderr[-300:],
                    "setup_s": round(setup, 1),
                }
            )
        )


if __name__ == "__main__":
    main()
