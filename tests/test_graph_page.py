"""The /graph/ explorer in a real browser: headless Debian chromium driven by Playwright, the built
site served over real HTTP under a sub-path. No browser download: the system chromium is used."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.chromium import CHROMIUM, FLAGS
from tests.conftest import article

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

EVIL = "<img src=x onerror=window.__pwned=1></script><script>window.__pwned=2</script> Stamp fair"

# A chain of editorial picks between unrelated texts: apples → volcano → stamps → evil title.
FILES = {
    "content/articles/2020/05/apples.md": article(
        "Apple harvest begins",
        "2020-05-01",
        "Orchards picked ripe apples; cider presses and fruit growers worked through the harvest.",
        related=["Volcano erupts on the island"],
    ),
    "content/articles/2020/05/volcano.md": article(
        "Volcano erupts on the island",
        "2020-05-02",
        "Lava and ash poured from the crater; seismologists measured tremors under the mountain.",
        related=["Stamp collectors meet"],
    ),
    "content/articles/2020/05/stamps.md": article(
        "Stamp collectors meet",
        "2020-05-03",
        "Philatelists traded rare postage stamps, perforations and envelopes at the annual bourse.",
        related=["articles/2020/05/evil.md"],
    ),
    "content/articles/2020/05/evil.md": article(
        EVIL, "2020-05-04", "Dealers sold stamp albums and hinges; collectors admired a misprinted stamp."
    ),
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture site built under /news/ and served by a real HTTP server; yields the site's URL."""
    from tests.conftest import run_press, write_site

    root = tmp_path_factory.mktemp("graph")
    site = write_site(root / "site", FILES)
    www = root / "www"
    result = run_press("build", str(site), "--out", str(www / "news"), "--base-url", "/news/")
    assert result.returncode == 0, result.stderr
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/news/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium; tests/run.sh installs it)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, served: str) -> Iterator[object]:
    page = browser.new_page()
    page.requested = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requested.append(request.url))  # type: ignore[attr-defined]
    yield page
    page.close()


def _search(page, served: str, text: str) -> None:
    page.goto(served + "graph/")
    page.fill("#graph-search", text)


def _drawn(page) -> dict[str, str]:
    """Title → hop class of every node drawn in the explorer's SVG."""
    pairs = "els => els.map(a => [a.querySelector('title').textContent, a.getAttribute('class')])"
    return dict(page.eval_on_selector_all("#graph-svg a[data-node]", pairs))


def test_search_and_show_two_hops_with_weighted_edges(page, served: str):
    _search(page, served, "apple")
    page.click("#graph-matches button")
    assert page.text_content("#graph-focus") == "Apple harvest begins"
    drawn = _drawn(page)
    assert drawn["Apple harvest begins (2020-05-01)"] == "hop0"
    assert drawn["Volcano erupts on the island (2020-05-02)"] == "hop1"
    assert drawn["Stamp collectors meet (2020-05-03)"] == "hop2"
    assert not any(title.startswith("<img") for title in drawn)  # three hops out: not drawn
    widths = page.eval_on_selector_all("#graph-svg line", "ls => ls.map(l => l.getAttribute('stroke-width'))")
    assert len(widths) >= 2 and all(float(w) > 0 for w in widths)
    listed = page.eval_on_selector_all("#graph-list li", "els => els.map(li => li.textContent)")
    assert len(listed) == 1 and "Volcano erupts on the island" in listed[0] and "editorial pick" in listed[0]
    assert page.evaluate("location.hash") == "#articles%2F2020%2F05%2Fapples.md"


def test_clicking_a_node_recentres_and_a_link_deep_links(page, served: str):
    page.goto(served + "graph/#articles%2F2020%2F05%2Fvolcano.md")
    page.wait_for_selector("#graph-view:not([hidden])")
    assert page.text_content("#graph-focus") == "Volcano erupts on the island"
    page.click("#graph-svg a.hop1 >> nth=0")
    assert page.text_content("#graph-focus") in ("Apple harvest begins", "Stamp collectors meet")


def test_titles_stay_text_and_no_request_leaves_the_site(page, served: str):
    _search(page, served, "stamp fair")
    matches = page.eval_on_selector_all("#graph-matches button", "els => els.map(b => b.textContent)")
    assert matches == [EVIL + " (2020-05-04)"]
    page.click("#graph-matches button")
    assert page.text_content("#graph-focus") == EVIL
    assert page.evaluate("window.__pwned === undefined")
    assert page.query_selector("#graph-view img") is None
    origin = served.split("/news/")[0]
    assert page.requested and all(url.startswith(origin + "/news/") for url in page.requested)


def test_the_page_data_is_the_published_graph(page, served: str):
    page.goto(served + "graph/")
    inline = page.evaluate("JSON.parse(document.getElementById('graph-data').textContent)")
    published = json.loads(page.evaluate("fetch('../graph.json').then(r => r.text())"))
    assert inline == published
    assert [n["url"] for n in inline["nodes"]][0].startswith("/news/")


def test_a_neighbourhood_drawing_places_related_articles_on_rings_and_sizes_lines_by_score():
    """graph.neighbourhood: the article in the middle, its related ones on the inner ring in list
    order from the top, two of each one's own on the outer ring, widths scaled to the best."""
    import math

    from generator.graph import _RINGS, _SIZE, neighbourhood

    edges = {
        "a": [("b", 2.0), ("c", 1.0), ("d", 0.5)],
        "b": [("a", 2.0), ("e", 1.0), ("f", 0.8), ("g", 0.1)],
        "c": [("b", 1.0), ("e", 0.9), ("h", 0.2)],  # b placed already, e by b: only h is new
        "d": [],
    }
    cards = {k: (k.upper(), "2012-12-03", f"/{k}/") for k in "abcdefgh"}
    hood = neighbourhood("a", edges, cards)
    nodes = {n["title"]: n for n in hood["nodes"]}
    assert list(nodes) == ["A", "B", "C", "D", "E", "F", "H"]
    centre = _SIZE / 2
    assert (nodes["A"]["x"], nodes["A"]["y"], nodes["A"]["hop"]) == (centre, centre, 0)
    for name, hop in [("B", 1), ("C", 1), ("D", 1), ("E", 2), ("F", 2), ("H", 2)]:
        node = nodes[name]
        radius = math.dist((node["x"], node["y"]), (centre, centre))
        assert node["hop"] == hop and abs(radius - _RINGS[hop]) < 0.2, name
    assert nodes["B"]["x"] == centre and nodes["B"]["y"] < centre  # the first one at the top
    widths = [(e["x2"], e["y2"], e["width"]) for e in hood["edges"]]
    assert len(widths) == 6 and widths[0][2] == 4.0  # a-b, the best score, is the widest
    assert [w for *_, w in widths] == [4.0, 2.38, 1.56, 2.38, 2.05, 1.07]
