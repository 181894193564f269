"""The `press` command: each subcommand parses its arguments and calls one function."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from generator import __version__
from generator.build import Options, Result, build, check
from generator.errors import Problem


def _site_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "site",
        nargs="?",
        default=".",
        type=Path,
        help="folder holding site.toml and content/ (default: current folder)",
    )


def _build_args(parser: argparse.ArgumentParser) -> None:
    _site_args(parser)
    parser.add_argument(
        "--base-url", help="override base_url from site.toml (e.g. https://example.org/news/)"
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--drafts", action="store_true", help="include articles with draft: true")
    parser.add_argument("--future", action="store_true", help="include articles dated in the future")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="press", description="A static site generator for news archives.")
    parser.add_argument("--version", action="version", version=f"press {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("build", help="build the site into output/")
    _build_args(p)
    p.add_argument("--out", type=Path, help="output folder (default: SITE/output)")
    p.add_argument("--timings", action="store_true", help="print the time of each stage")
    p.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        help="worker processes (default: all cores); same output for any N",
    )
    p.add_argument("--no-cache", action="store_true", help="neither use nor update SITE/.cache/")
    p.set_defaults(func=cmd_build)

    p = commands.add_parser("check", help="check every article and link; write nothing")
    _build_args(p)
    p.add_argument("--format", choices=["text", "json"], default="text", help="report format")
    p.set_defaults(func=cmd_check)
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def _options(args: argparse.Namespace, out: Path | None = None) -> Options:
    return Options(
        out_dir=out,
        base_url=args.base_url,
        drafts=args.drafts,
        future=args.future,
        strict=args.strict,
        jobs=getattr(args, "jobs", None),
        cache=not getattr(args, "no_cache", False),
    )


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem.format(), file=sys.stderr)


def _progress() -> object:
    """A single updating line on a terminal; nothing when output is a log (CI logs stay short)."""
    if not sys.stderr.isatty():
        return None

    def show(stage: str, done: int, total: int) -> None:
        if done % 250 == 0:
            print(f"\r{stage}: {done} files ({total} articles)", end="", file=sys.stderr, flush=True)

    return show


def _summary(result: Result, seconds: float) -> str:
    site = result.site
    articles = len(site.library.articles) if site else 0
    report = result.report
    written = len(report.written) if report else 0
    unchanged = report.unchanged if report else 0
    removed = len(report.removed) if report else 0
    return (
        f"{articles} articles, {written} files written, {unchanged} unchanged, {removed} removed, "
        f"{len(result.warnings)} warnings, {seconds:.2f} s"
    )


def cmd_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    result = build(args.site, _options(args, args.out), _progress())  # type: ignore[arg-type]
    if sys.stderr.isatty():
        print("\r", end="", file=sys.stderr)
    _report(result.problems)
    if not result.ok:
        print(
            f"Build failed: {len(result.errors)} errors, {len(result.warnings)} warnings; "
            f"output left untouched.",
            file=sys.stderr,
        )
        return 1
    print(f"Built {_summary(result, time.perf_counter() - started)}")
    if args.timings:
        print(json.dumps(result.timings))
    print(f"Site: {result.out_dir}/index.html")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    result = check(args.site, _options(args))
    if args.format == "json":
        print(json.dumps({"ok": result.ok, "problems": [p.as_dict() for p in result.problems]}, indent=2))
    else:
        _report(result.problems)
        articles = len(result.site.library.articles) if result.site else 0
        state = "OK" if result.ok else "FAILED"
        print(
            f"Check {state}: {articles} articles, {len(result.errors)} errors, "
            f"{len(result.warnings)} warnings, "
            f"{time.perf_counter() - started:.2f} s"
        )
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
