"""How the related-articles graph scales: seconds and memory at 10,000 and 100,000 articles.

    python3 bench/related_scale.py [--n 10000 100000] [--work DIR]

Writes each archive with ../shared/tools/make_archive.py --n N, reads it with the real reader,
then times `related()` alone. Prints one JSON object: per size, wall seconds, CPU seconds (all
threads and worker processes; on a shared machine wall time also counts other people's work), the
process's resident memory before the stage (the loaded archive) and its peak over the whole run
(the kernel's high-water mark, which includes the loaded archive), the largest forked worker's
peak, and the load average. No sampling thread runs: the stage forks its tokenisers only in a
process without threads, as in `press build`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import make_archive, read_inputs  # noqa: E402
from generator.config import RelatedConfig  # noqa: E402
from generator.related import related  # noqa: E402

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE / 2**20


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds() -> float:
    """This process's threads and its finished children (the forked tokenisers)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def measure(n: int, work: Path) -> dict[str, object]:
    site = make_archive(work / f"archive-{n}", n)
    started = time.perf_counter()
    inputs = read_inputs(site)
    read_seconds = time.perf_counter() - started
    settings = RelatedConfig()
    before = rss_mb()
    load_before = os.getloadavg()[0]
    cpu, wall = cpu_seconds(), time.perf_counter()
    graph = related(inputs.library, inputs.bodies, settings)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    peak = peak_mb(resource.RUSAGE_SELF)
    return {
        "articles": len(inputs.library.articles),
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak),
        "stage_rss_mb": round(peak - before),
        "worker_peak_rss_mb": round(peak_mb(resource.RUSAGE_CHILDREN)),
        "edges": sum(len(edges) for edges in graph.values()),
        "links": sum(len(v) for v in inputs.bodies.links.values()),
        "read_seconds": round(read_seconds, 1),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def _in_own_process(n: int, work: Path) -> dict[str, object]:
    """Each size in a fresh process: the peak memory reported is that size's alone."""
    command = [sys.executable, __file__, "--one", "--n", str(n), "--work", str(work)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, help="where archives are written (default: a temp folder)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # one size, this process
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        if args.one:
            print(json.dumps(measure(args.n[0], work)))
            return
        results = [_in_own_process(n, work) for n in args.n]
    print(json.dumps({"benchmark": "related_scale", "cpus": os.cpu_count(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
