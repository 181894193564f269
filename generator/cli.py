"""The `press` command: each subcommand parses its arguments and calls one function."""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from generator import __version__
from generator.errors import Problem, counted
from generator.importers import FORMATS
from generator.options import Options, build_settings, out_dir_of

# The build's modules (Jinja, Markdown, the pipeline: half of the command's imports) are
# imported by the commands that use them: a cold build's early reader is forked before them (see
# cmd_build), and `press new` or `press hook install` start sooner. So are the importers' (YAML
# writing, the site's existing articles): `press import` alone uses them.
if TYPE_CHECKING:
    from generator.lastbuild import Before, LastBuild
    from generator.scaffold import Created


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

    p = commands.add_parser("serve", help="serve the site with live reload while you edit")
    _site_args(p)
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0: any free)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--drafts", action="store_true", help="include articles with draft: true")
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser("related", help="print an article's related list with scores and reasons")
    p.add_argument("article", help="the article's file (content/articles/...md) or its exact title")
    _build_args(p)
    p.set_defaults(func=cmd_related)

    p = commands.add_parser("init", help="start a new archive in an empty folder")
    p.add_argument("dir", type=Path, help="folder for the new archive (created if missing)")
    p.set_defaults(func=cmd_init)

    p = commands.add_parser("new", help="write a new article and print its path")
    p.add_argument("headline", help="the article's headline")
    p.add_argument("--author", action="append", default=[], help="byline (repeat for several)")
    p.add_argument("--tag", action="append", default=[], help="topic (repeat for several)")
    p.add_argument("--date", help="publication date, ISO 8601 (default: now)")
    _site_args(p)
    p.set_defaults(func=cmd_new)

    p = commands.add_parser("hook", help="git hooks")
    hook = p.add_subparsers(dest="hook_command", required=True, metavar="ACTION")
    p = hook.add_parser("install", help="write .git/hooks/pre-commit that runs press check")
    _site_args(p)
    p.set_defaults(func=cmd_hook_install)

    p = commands.add_parser("import", help="import raw article text or another archive into content/")
    p.add_argument("src", type=Path, help="a document or a folder of them (seeds/), or a Hugo/Jekyll site")
    p.add_argument("--into", type=Path, default=Path("content"), help="content folder (default: content)")
    p.add_argument("--force", action="store_true", help="replace existing files whose text differs")
    p.add_argument("--from", dest="fmt", choices=FORMATS, default="seedtext", help="source format")
    p.set_defaults(func=cmd_import)
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


def _summary(articles: int, written: int, unchanged: int, removed: int, warnings: int, seconds: float) -> str:
    return (
        f"{counted(articles, 'article')}, {counted(written, 'file')} written, {unchanged} unchanged, "
        f"{removed} removed, {counted(warnings, 'warning')}, {seconds:.2f} s"
    )


def cmd_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    options = _options(args, args.out)
    site_dir = args.site.resolve()
    before = _before(site_dir, options)
    if before is not None and before.last is not None:
        return _built_already(before.last, out_dir_of(site_dir, options), started, args.timings)
    from generator.earlyread import begin

    # Forked before this process imports the rest of the build: the reader needs none of it, and
    # reads while it is imported (see earlyread.py).
    early = begin(args.site, args.jobs, not args.no_cache, args.base_url)
    from generator.build import build

    result = build(args.site, options, _progress(), early, before)  # type: ignore[arg-type]
    if sys.stderr.isatty():
        print("\r", end="", file=sys.stderr)
    _report(result.problems)
    if not result.ok:
        print(
            f"Build failed: {counted(len(result.errors), 'error')}, "
            f"{counted(len(result.warnings), 'warning')}; "
            f"output left untouched.",
            file=sys.stderr,
        )
        return 1
    report = result.report
    counts = (len(report.written), report.unchanged, len(report.removed)) if report else (0, 0, 0)
    seconds = time.perf_counter() - started
    print(f"Built {_summary(result.articles, *counts, len(result.warnings), seconds)}")
    if args.timings:
        print(json.dumps(result.timings))
    print(f"Site: {result.out_dir}/index.html")
    return 0


def _before(site_dir: Path, options: Options) -> Before | None:
    """The inputs checked against the last build, before the build's modules are imported (Jinja,
    Markdown, the pipeline: 0.1 s, as long as the check, at 2,083 articles); None when there is
    no last build to check against (the early reader is forked first then, see cmd_build)."""
    from generator import lastbuild

    if not options.cache or not lastbuild.recorded(site_dir):
        return None
    out_dir = out_dir_of(site_dir, options)
    return lastbuild.before(site_dir, out_dir, build_settings(options, out_dir), cache=True)


def _built_already(last: LastBuild, out_dir: Path, started: float, timings: bool) -> int:
    """Every input and output/ as the last build left them: its warnings again, nothing else."""
    from generator.errors import sort_problems

    _report(sort_problems(list(last.problems)))
    seconds = time.perf_counter() - started
    print(f"Built {_summary(last.articles, 0, len(last.files), 0, len(last.problems), seconds)}")
    if timings:
        print(json.dumps({"unchanged": round(seconds, 4)}))
    print(f"Site: {out_dir}/index.html")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from generator.build import check

    started = time.perf_counter()
    # drafts and future articles too: a problem in one breaks the build on the day it goes live
    result = check(args.site, replace(_options(args), drafts=True, future=True))
    if args.format == "json":
        print(json.dumps({"ok": result.ok, "problems": [p.as_dict() for p in result.problems]}, indent=2))
    else:
        _report(result.problems)
        articles = len(result.site.library.articles) if result.site else 0
        state = "OK" if result.ok else "FAILED"
        print(
            f"Check {state}: {counted(articles, 'article')}, {counted(len(result.errors), 'error')}, "
            f"{counted(len(result.warnings), 'warning')}, "
            f"{time.perf_counter() - started:.2f} s"
        )
    return 0 if result.ok else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.serve import serve

    return serve(args.site, Options(drafts=args.drafts), args.host, args.port)


def cmd_related(args: argparse.Namespace) -> int:
    from generator.build import load
    from generator.related import explain

    result = load(args.site.resolve(), _options(args))
    if not result.ok or result.site is None:
        _report(result.errors)
        return 1
    text = explain(result.site.library, result.site.related, args.article)
    if text is None:
        print(f"No article matches {args.article!r} (give its file path or exact title)", file=sys.stderr)
        return 1
    print(text)
    return 0


def _created(created: Created) -> int:
    _report(created.problems)
    for note in created.notes:
        print(f"note: {note}", file=sys.stderr)
    for path in created.paths:
        print(path)
    return 1 if created.problems else 0


def cmd_init(args: argparse.Namespace) -> int:
    from generator.scaffold import init_site

    return _created(init_site(args.dir))


def cmd_new(args: argparse.Namespace) -> int:
    from generator.scaffold import new_article

    return _created(new_article(args.site, args.headline, args.author, args.tag, args.date))


def cmd_hook_install(args: argparse.Namespace) -> int:
    from generator.hooks import install_hook

    hook, problems = install_hook(args.site)
    _report(problems)
    if hook:
        print(f"Installed {hook}: press check now runs before each commit.")
    return 1 if problems else 0


def cmd_import(args: argparse.Namespace) -> int:
    from generator.importers.archive import import_archive

    report = import_archive(args.src, args.into, args.fmt, args.force)
    print("\n".join(report.lines()))
    print(f"Import {'OK' if report.ok else 'FAILED'} ({args.fmt}): {report.counts()}")
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "new" and len(extra) == 1 and str(args.site) == "." and extra[0][:1] != "-":
        args.site = Path(extra[0])  # `press new "Headline" --tag T SITE`: argparse can't mix positionals
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return int(args.func(args))


def run() -> None:
    """The `press` command: `main`, then an exit that skips freeing the heap object by object.

    A build's heap is the whole archive (libraries, bodies, related lists: a gigabyte at 100,000
    articles), and the interpreter's teardown frees it one object at a time for nothing: 0.1 s of
    a 4-second build at 2,083 articles. The exit handlers still run (the cache's writers are
    waited for), and the output streams are flushed. With threads still running (they would be
    waited for), the ordinary exit is taken."""
    # The collector's youngest generation is collected every 700 net allocations by default; a
    # build allocates millions of short-lived dicts and tuples (views, fingerprints, drafts), and
    # each of those collections also walks whatever survived the last one. Every 10,000: a one-edit
    # build of 10,000 articles took 3.79 s against 3.95 s (means of six, alternated). Forked
    # workers inherit it.
    gc.set_threshold(10_000, 10, 10)
    try:
        code = main()
    except BrokenPipeError:  # `press related ... | head -1`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush there
        code = 1
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`press build | head`), a closed stream
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    run()
