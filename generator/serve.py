"""`press serve`: build the site, serve it over HTTP as its host would, rebuild on every save.

The site is built into a folder of its own (never the user's output/), served under its
base_url path, and rebuilt incrementally by `incremental.Rebuilder` when `watch.Watcher` sees a
change. Open tabs hear about each rebuild over Server-Sent Events: a changed page reloads, a
changed stylesheet is swapped in place, a broken build shows its problems over the last good
page. The reload script is added to HTML as it is served; files on disk never contain it.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import queue
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from generator.config import load_config
from generator.errors import Problem, counted
from generator.incremental import Rebuild, Rebuilder
from generator.models import Related
from generator.options import Options
from generator.urls import Urls
from generator.watch import Watcher
from generator.write import MARKER

EVENTS = "/__press/events"
CLIENT = (Path(__file__).with_name("reload.js")).read_text(encoding="utf-8")
KEEPALIVE_SECONDS = 15
MAX_PATHS = 2000  # above this, tabs are told "everything changed" instead of a list
NOT_FOUND = b"<!DOCTYPE html>\n<title>Not found</title>\n<h1>Not found</h1>\n"


class Hub:
    """The open tabs (one SSE stream each) and what they are told: problems, or what changed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clients: list[queue.Queue[str | None]] = []
        self.epoch = 0
        self.problems: list[dict[str, Any]] = []

    def subscribe(self) -> queue.Queue[str | None]:
        inbox: queue.Queue[str | None] = queue.Queue()
        with self.lock:
            self.clients.append(inbox)
            inbox.put(_event("hello", {"epoch": self.epoch, "problems": self.problems}))
        return inbox

    def unsubscribe(self, inbox: queue.Queue[str | None]) -> None:
        with self.lock, contextlib.suppress(ValueError):
            self.clients.remove(inbox)

    def publish(self, rebuild: Rebuild, base_path: str) -> None:
        with self.lock:
            if not rebuild.ok:
                self.problems = [_problem(p) for p in rebuild.errors]
                message = _event("problems", {"problems": self.problems})
            else:
                self.problems = []
                touched = rebuild.written + rebuild.removed
                if touched:
                    self.epoch += 1
                many = rebuild.full or len(touched) > MAX_PATHS
                message = _event(
                    "update",
                    {
                        "epoch": self.epoch,
                        "all": many,
                        "css_only": rebuild.css_only,
                        "settled": rebuild.settled,
                        "paths": [] if many else [base_path + quote(p) for p in touched],
                    },
                )
            for inbox in self.clients:
                inbox.put(message)

    def close(self) -> None:
        with self.lock:
            for inbox in self.clients:
                inbox.put(None)


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _problem(problem: Problem) -> dict[str, Any]:
    return {**problem.as_dict(), "text": problem.format()}


class Gate:
    """Requests wait while a rebuild writes, so no one is served a half-updated site."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._writing = False

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()

    def wait(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing)


@dataclass
class Found:
    """What a request path resolves to: a file, a redirect, or nothing (404)."""

    file: Path | None = None
    redirect: str | None = None


RELEASE_MARGIN = 0.05  # seconds after an article's time before it is rebuilt in: it is published then
LONGEST_RELEASE_WAIT = 3600.0


class Preview:
    """One `press serve` session: the serving folder, the rebuilder, the open tabs."""

    def __init__(self, site_dir: Path, options: Options, log: Any = None):
        self.site_dir = site_dir.resolve()
        self.root = Path(tempfile.mkdtemp(prefix="press-serve-"))
        self.out_dir = self.root / "site"
        self.rebuilder = Rebuilder(self.site_dir, options, self.out_dir)
        self.gate = Gate()
        self.rebuilder.writing = self.gate.writing
        self.hub = Hub()
        self._one_at_a_time = threading.Lock()
        self._catch_up: threading.Thread | None = None
        self._release: threading.Timer | None = None  # see _schedule_release
        self._closed = False
        self.log = log or sys.stdout
        config, _ = load_config(self.site_dir, options.base_url)
        self.base_path = Urls.from_config(config).base_path
        self.out_dir.mkdir()

    def rebuild(self, paths: set[Path] | None = None) -> Rebuild | None:
        """One rebuild at a time (the first build and the watcher's may overlap); None when no
        path matters (a build cache, an editor's swap file)."""
        if paths is not None and not self.rebuilder.classify(paths).described:
            return None
        with self._one_at_a_time:
            result = self.rebuilder.rebuild(paths)
            self._published(result)
        return result

    def _published(self, result: Rebuild) -> None:
        """A rebuild shown: to the open tabs, in the log, and the next release timed (the lock held)."""
        if result.ok and self.rebuilder.served:
            self.base_path = self.rebuilder.served.site.urls.base_path
        self.hub.publish(result, self.base_path)
        self._report(result)
        if result.ok:  # a broken site waits for the next save (its last good build's release is past)
            self._schedule_release()

    def _release_time(self) -> float | None:
        served = self.rebuilder.served
        release = served.site.library.next_release if served is not None else None
        return release.timestamp() if release is not None else None

    def _schedule_release(self) -> None:
        """An article dated in the future goes live at its time, when no file changes: a timer
        rebuilds the whole site then (what is published changes every page that lists it). A timer
        waits an hour at most, then looks again: a release years ahead overflows a wait, and a
        machine's suspension pauses it."""
        if self._release is not None:
            self._release.cancel()
            self._release = None
        release = self._release_time()
        if release is None or self._closed:
            return
        delay = min(max(0.0, release - time.time()) + RELEASE_MARGIN, LONGEST_RELEASE_WAIT)
        self._release = threading.Timer(delay, self._released)
        self._release.daemon = True  # never keeps the command from exiting
        self._release.start()

    def _released(self) -> None:
        with self._one_at_a_time:
            if self._closed:
                return
            release = self._release_time()
            if release is None or time.time() < release:  # woken to look again (see above)
                self._schedule_release()
                return
            result = self.rebuilder.rebuild(None)
            result.changed = ["an article's publication time"]
            self._published(result)

    def finish(self) -> bool:
        """Catch up on what the last quick rebuild left for later (the related lists), computing them
        on a thread of their own so that an edit saved meanwhile is rebuilt at once; True while
        there is catching up left to do."""
        with self._one_at_a_time:
            job = self.rebuilder.related_job()
        if job is None:
            return False
        if self._catch_up is None or not self._catch_up.is_alive():
            self._catch_up = threading.Thread(
                target=self._catch_up_with, args=job, name="press-related", daemon=True
            )
            self._catch_up.start()
        return True

    def _catch_up_with(self, generation: int, compute: Callable[[], Related]) -> None:
        """The catch-up's log line gives the lists' computing and their pages' writing together:
        timed from the writing alone, it said 10 to 74 ms for catch-ups of 0.22 to 0.32 s at 2,083
        articles."""
        started = time.perf_counter()
        try:
            related = compute()
        except Exception:  # the site changed under it (a newer edit): the next pause starts again
            return
        computed = time.perf_counter() - started
        with self._one_at_a_time:
            result = self.rebuilder.finish(related, generation)
            if result is None:
                return
            result.seconds += computed
            self.hub.publish(result, self.base_path)
            self._report(result)

    def _report(self, result: Rebuild) -> None:
        what = ", ".join(result.changed[:3]) + (" …" if len(result.changed) > 3 else "")
        what = what or ("first build" if self.rebuilder.served is None or result.full else "rebuild")
        stamp = time.strftime("%H:%M:%S")
        ms = result.seconds * 1000
        if result.ok:
            print(
                f"{stamp} {what}: {counted(len(result.written), 'file')} written, "
                f"{len(result.removed)} removed, {ms:.0f} ms",
                file=self.log,
                flush=True,
            )
            return
        print(
            f"{stamp} {what}: build failed with {counted(len(result.errors), 'error')} in {ms:.0f} ms; "
            "still serving the last good build",
            file=self.log,
            flush=True,
        )
        for problem in result.errors:
            print(f"  {problem.format()}", file=self.log, flush=True)

    def find(self, raw_path: str) -> Found:
        """A request path → a file of the built site; never anything outside it."""
        path = unquote(raw_path)
        base = self.base_path
        if path in ("/", base.rstrip("/")) and path != base:
            return Found(redirect=base)
        if "\x00" in path or "\\" in path or not path.startswith(base):
            return Found()
        parts = [p for p in path[len(base) :].split("/") if p]
        if any(p in (".", "..") for p in parts) or parts[-1:] == [MARKER]:
            return Found()
        root = self.out_dir.resolve()
        target = root.joinpath(*parts).resolve()
        if not target.is_relative_to(root):
            return Found()
        if target.is_dir():
            if not path.endswith("/"):
                return Found(redirect=quote(path + "/"))
            target = target / "index.html"
        return Found(file=target) if target.is_file() else Found()

    def close(self) -> None:
        self._closed = True  # a timer already running returns (see _released)
        if self._release is not None:
            self._release.cancel()
        self.hub.close()
        shutil.rmtree(self.root, ignore_errors=True)


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "press-serve"

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the session prints one line per rebuild, not one per request."""

    def _respond(self, head: bool) -> None:
        preview = self.server.preview
        path = urlsplit(self.path).path
        if path == EVENTS and not head:
            self._events()
            return
        preview.gate.wait()
        found = preview.find(path)
        if found.redirect:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", found.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, file = HTTPStatus.OK, found.file
        if file is None:
            status, file = HTTPStatus.NOT_FOUND, preview.out_dir / "404.html"
        try:
            data = file.read_bytes()
        except OSError:
            data = NOT_FOUND
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind == "text/html":
            data = _inject(data, preview.hub.epoch, status == HTTPStatus.NOT_FOUND)
            kind += "; charset=utf-8"
        elif kind.startswith("text/") or kind in ("application/xml", "application/javascript"):
            kind += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self) -> None:
        hub = self.server.preview.hub
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        inbox = hub.subscribe()
        try:
            while True:
                try:
                    message = inbox.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    message = ": still here\n\n"
                if message is None:
                    return
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except OSError:
            return  # the tab went away
        finally:
            hub.unsubscribe(inbox)


def _inject(html: bytes, epoch: int, not_found: bool) -> bytes:
    """The reload script, just before </body> (or at the end when there is none)."""
    settings = json.dumps({"epoch": epoch, "notFound": not_found, "events": EVENTS})
    script = f"<script>\n{CLIENT.strip()}({settings});\n</script>\n".encode()
    at = html.lower().rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], preview: Preview):
        self.address_family = _family(address[0])  # `--host ::1` listens on IPv6
        super().__init__(address, Handler)
        self.preview = preview


def _family(host: str) -> socket.AddressFamily:
    """The address family of the host to listen on, as the system resolves it (IPv4 when it
    can't: binding then says what is wrong)."""
    try:
        return socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, IndexError):
        return socket.AF_INET


def _stop_on_terminate() -> None:
    """`kill`, `timeout` or a service manager stop a preview with SIGTERM, a closed terminal with
    SIGHUP: each ends it as ctrl-C does, so the serving folder is removed (it was left behind in
    the temporary folder, megabytes each time)."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    for stop in _STOPS[1:]:
        signal.signal(stop, interrupt)


# What stops a preview: ctrl-C (SIGINT), then those _stop_on_terminate makes act as it does.
_STOPS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]


def serve(site_dir: Path, options: Options, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Build, serve and rebuild on change until ctrl-C."""
    preview = Preview(site_dir, options)
    watcher = Watcher(preview.site_dir, preview.rebuild, on_idle=preview.finish)
    try:
        server = PreviewServer((host, port), preview)
    except OSError as exc:
        print(f"press serve: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        preview.close()
        return 1
    try:
        if threading.current_thread() is threading.main_thread():
            _stop_on_terminate()
        watcher.start()
        print(f"Building {preview.site_dir} …", flush=True)
        preview.rebuild(None)
        shown = host if ":" not in host else f"[{host}]"
        print(
            f"Serving {preview.site_dir} at http://{shown}:{server.server_address[1]}{preview.base_path} "
            "(ctrl-C to stop)",
            flush=True,
        )
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if threading.current_thread() is threading.main_thread():
            for stop in _STOPS:  # a second one must not break the cleanup
                signal.signal(stop, signal.SIG_IGN)
        watcher.stop()
        preview.close()
        server.server_close()
    print("Stopped.", flush=True)
    return 0
