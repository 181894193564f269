"""Helpers for the `press serve` tests: the real command in a real process, its SSE stream, HTTP."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import ROOT

INJECTED = re.compile(rb"<script>\n// press serve: live reload.*?</script>\n", re.DOTALL)
SERVING = re.compile(r"^Serving .* at (http://[^ ]+) \(ctrl-C to stop\)$")


class ServeSession:
    """`press serve SITE --port 0` running in a subprocess, with one SSE listener attached."""

    def __init__(self, site: Path, *args: str, timeout: float = 120, env: dict[str, str] | None = None):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", str(site), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._url: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        try:
            self.url = self._url.get(timeout=timeout)
        except queue.Empty:
            self.process.kill()
            raise AssertionError(f"press serve did not start: {self.lines}") from None
        match = re.match(r"http://(\[[^\]]+\]|[^:/]+):(\d+)(/.*)$", self.url)
        assert match, self.url
        self.host, self.port, self.base = match.group(1).strip("[]"), int(match.group(2)), match.group(3)
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        self._stream = http.client.HTTPConnection(self.host, self.port, timeout=None)
        self._stream.request("GET", "/__press/events")
        response = self._stream.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream"
        threading.Thread(target=self._read_events, args=(response,), daemon=True).start()
        name, _ = self.next_event()
        assert name == "hello"

    def _read_stdout(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            match = SERVING.match(line.rstrip("\n"))
            if match:
                self._url.put(match.group(1))

    def _read_events(self, response: http.client.HTTPResponse) -> None:
        name, data = "", ""
        try:
            for raw in response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif not line and name:
                    self.events.put((name, json.loads(data)))
                    name, data = "", ""
        except (OSError, ValueError):
            return

    def next_event(self, timeout: float = 60) -> tuple[str, dict]:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event from press serve; its output: {self.lines}") from None

    def settle(self, timeout: float = 60, quiet: float = 0.5) -> tuple[str, dict]:
        """The first event an edit caused, returned once the server is done with it: a quick
        rebuild is followed by one that catches up on the related lists."""
        first = last = self.next_event(timeout)
        while True:
            try:
                last = self.events.get(timeout=quiet)
            except queue.Empty:
                if last[0] != "update" or last[1]["settled"]:
                    return first  # the edit's own rebuild, once everything after it is done
                last = self.next_event(timeout)

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """One request with the path sent exactly as given (no client-side normalising)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def page(self, path: str) -> bytes:
        """A page's bytes as served, without the injected reload script."""
        status, _, body = self.get(path)
        assert status == 200, (path, status)
        return INJECTED.sub(b"", body)

    def stop(self, timeout: float = 30, signum: int = signal.SIGINT) -> tuple[int, str, str]:
        """ctrl-C, as a user would (or another signal); returns exit code, stdout, stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signum)  # with the event stream still open, like a tab
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self._stream.close()
        assert self.process.stderr
        time.sleep(0.05)
        return code, "\n".join(self.lines), self.process.stderr.read()


def built_tree(out: Path) -> dict[str, bytes]:
    """Every file of a `press build` output folder, by path."""
    return {
        f.relative_to(out).as_posix(): f.read_bytes()
        for f in sorted(out.rglob("*"))
        if f.is_file() and f.name != ".press-output"
    }


def url_of(base: str, path: str) -> str:
    """The URL a file of the built site is served at (folders for index.html files)."""
    from urllib.parse import quote

    if path == "index.html":
        return base
    if path.endswith("/index.html"):
        return base + quote(path[: -len("index.html")])
    return base + quote(path)


def small_site(root: Path, base_url: str = "/", theme: str = "custom") -> Path:
    """A little archive with every kind of relation: bylines, tags, aliases, related, links, a
    profile, a page, a draft, pagination, and a theme of its own overriding the default."""
    from tests.conftest import article, write_site

    toml = (
        f'title = "Small Archive"\nbase_url = "{base_url}"\ntimezone = "UTC"\ntheme = "{theme}"\n'
        "per_page = 2\nhome_size = 3\nfeed_size = 3\n"
    )
    files = {
        "content/articles/2012/12/a-one.md": article(
            "Lavrov Meets NATO",
            "2012-12-01",
            "Ministers met in Brussels.\n\nA second paragraph.",
            authors=["Ann Lee"],
            tags=["NATO", "Russia"],
            aliases=["/old/one"],
            related=["Missiles in Turkey"],
        ),
        "content/articles/2012/12/b-two.md": article(
            "Missiles in Turkey",
            "2012-12-03",
            "See [the meeting](a-one.md) for background.",
            authors=["Ann Lee", "Bob Roy"],
            tags=["Russia"],
        ),
        "content/articles/2012/12/c-three.md": article(
            "Syria Talks", "2012-12-03T15:00:00", "Talks went on.", authors=["Bob Roy"], tags=["Syria"]
        ),
        "content/articles/2013/01/d-four.md": article("Winter Summit", "2013-01-05", "Cold.", tags=["NATO"]),
        "content/articles/2013/02/e-five.md": article("Draft Piece", "2013-02-07", "Not yet.", draft=True),
        "content/articles/2013/02/f-six.md": article(
            "Spring Review", "2013-02-09", "Links to [four](../01/d-four.md).", authors=["Cy Dee"]
        ),
        "content/authors/ann-lee.md": "---\nname: Ann Lee\nbio: Covers diplomacy.\n---\n\nLonger bio.\n",
        "content/pages/about.md": "---\ntitle: About\n---\n\n[Summit](../articles/2013/01/d-four.md).\n",
        f"themes/{theme}/static/extra.css": ".extra { color: red; }\n",
    }
    return write_site(root, files, toml)
