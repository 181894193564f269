"""The related-articles graph as readers see it: `/graph.json`, and each article's neighbourhood drawing.

Both are plain data built from the related lists (related.py); the templates and the graph page's
own script draw them. Node and edge order follow the library, so the output is byte-stable.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from generator.library import Library
from generator.models import Related
from generator.parallel import batched
from generator.urls import Urls

FORMAT = "press-graph/1"
_SIZE = 320  # the article-page drawing is a square of this many units
_RINGS = (0.0, 92.0, 146.0)  # radius of the article, its related ones, and theirs
_SECOND_HOP = 2  # neighbours of each related article drawn on the outer ring


def graph_data(library: Library, related: Related, urls: Urls) -> dict[str, Any]:
    """Nodes (every article) and directed weighted edges (each article's related list, best first).

    Edges name nodes by position in `nodes`, which keeps a large archive's file small.
    """
    return {
        "format": FORMAT,
        "nodes": list(_nodes(library, urls)),
        "edges": list(_edges(library, related)),
    }


def graph_json(library: Library, related: Related, urls: Urls, dump: Callable[[Any], str]) -> bytes:
    """`dump(graph_data(...))` in UTF-8, for a `dump` that sorts keys and writes compactly (as the
    site's JSON is written), made a node and an edge at a time: the whole graph as dicts was most
    of the memory of rendering it (0.4 GB at 100,000 articles, four times its text). Written as
    bytes as it is made: as one str, a single curly quote in a title made every character of it
    two bytes, and the str, its copies and its encoding held 0.8 GB at 100,000 articles."""
    parts = {"edges": _edges(library, related), "format": FORMAT, "nodes": _nodes(library, urls)}
    out = io.BytesIO()
    for at, name in enumerate(sorted(parts)):
        out.write(b"{" if at == 0 else b",")
        out.write(f"{dump(name)}:".encode())
        value = parts[name]
        if not isinstance(value, Iterator):
            out.write(dump(value).encode())
            continue
        out.write(b"[")
        for number, items in enumerate(batched(value, _DUMPED_AT_ONCE)):
            if number:
                out.write(b",")
            out.write(dump(items)[1:-1].encode())  # the items, without their list's brackets
        out.write(b"]")
    out.write(b"}")
    return out.getvalue()  # the buffer itself, not a copy


# Nodes and edges encoded a few hundred at a time: one `dump` call each took half the time of
# the graph at 10,000 articles (json.dumps makes an encoder per call), and a few hundred are a
# few hundred kilobytes.
_DUMPED_AT_ONCE = 500


def _nodes(library: Library, urls: Urls) -> Iterator[dict[str, Any]]:
    for a in library.articles:
        yield {
            "id": a.id,
            "title": a.title,
            "url": urls.href(library.url[a.id]),
            "date": library.local[a.id].date().isoformat(),
            "authors": [library.authors[s].name for s in library.article_authors[a.id]],
            "tags": [library.tags[s].name for s in library.article_tags[a.id]],
        }


def _edges(library: Library, related: Related) -> Iterator[dict[str, Any]]:
    index = {a.id: n for n, a in enumerate(library.articles)}
    for a in library.articles:
        for other, score, reasons in related.get(a.id, []):
            if other in index:
                yield {
                    "source": index[a.id],
                    "target": index[other],
                    "score": round(score, 3),
                    "reasons": reasons,
                }


Edges = dict[str, list[tuple[str, float]]]  # article id → its related ids and scores, best first
Cards = dict[str, tuple[str, str, str]]  # article id → title, date (ISO), URL as linked


def drawn_edges(article_id: str, edges_of: Callable[[str], list[tuple[str, float]]]) -> Edges:
    """The edges `neighbourhood` draws (it places what this picks): the article's, and for each
    related article the first _SECOND_HOP of its own that are not drawn already. Everything the
    drawing reads, and no more: a page's fingerprint holds its drawing's inputs, and the whole
    lists of its related articles were half of an article page's (and re-rendered it when a
    score far down one moved)."""
    first = edges_of(article_id)
    drawn = {article_id: first}
    shown = {article_id, *(other for other, _ in first)}
    for other, _ in first:
        seconds = [(o, s) for o, s in edges_of(other) if o not in shown][:_SECOND_HOP]
        shown.update(o for o, _ in seconds)
        drawn[other] = seconds
    return drawn


def neighbourhood(article_id: str, edges: Edges, cards: Cards) -> dict[str, Any]:
    """Geometry of a small drawing: the article in the middle, its related ones around it, and the
    closest of theirs on an outer ring; line width follows the score. Drawn without JavaScript.

    Made for every article page on every build (a page's fingerprint holds what it shows, so an
    edit that moves scores a little re-renders only the drawings it changes): positions depend
    only on how many related articles there are, and are worked out once per count."""
    centre = (round(_SIZE / 2, 1), round(_SIZE / 2, 1))
    drawn_ones = drawn_edges(article_id, edges.__getitem__)
    first = drawn_ones[article_id]
    inner, outer = _layout(len(first))
    placed: dict[str, tuple[tuple[float, float], int]] = {article_id: (centre, 0)}
    lines: list[tuple[tuple[float, float], tuple[float, float], float]] = []
    for n, (other, score) in enumerate(first):
        placed[other] = (inner[n], 1)
        lines.append((centre, inner[n], score))
    for n, (other, _) in enumerate(first):
        for m, (second, score) in enumerate(drawn_ones[other]):
            placed[second] = (outer[n][m], 2)
            lines.append((inner[n], outer[n][m], score))
    top = max((score for _, _, score in lines), default=1.0) or 1.0
    drawn = [
        {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "width": round(0.75 + 3.25 * min(score / top, 1.0), 2)}
        for (x1, y1), (x2, y2), score in lines
    ]
    nodes = [
        {"x": x, "y": y, "hop": hop, "title": cards[aid][0], "date": cards[aid][1], "url": cards[aid][2]}
        for aid, ((x, y), hop) in placed.items()
    ]
    return {"size": _SIZE, "nodes": nodes, "edges": drawn}


Point = tuple[float, float]


@cache
def _layout(count: int) -> tuple[list[Point], list[list[Point]]]:
    """Where `count` related articles go on the inner ring and, for each, its second-hop
    neighbours on the outer ring, rounded as drawn (the same for every article with that many)."""
    centre = _SIZE / 2
    spread = math.pi / max(count, 1) / 2
    inner: list[Point] = []
    outer: list[list[Point]] = []
    for n in range(count):
        angle = 2 * math.pi * n / max(count, 1) - math.pi / 2
        inner.append(_rounded(_point(centre, _RINGS[1], angle)))
        offsets = [spread * (m - (_SECOND_HOP - 1) / 2) for m in range(_SECOND_HOP)]
        outer.append([_rounded(_point(centre, _RINGS[2], angle + offset)) for offset in offsets])
    return inner, outer


def _rounded(point: Point) -> Point:
    return round(point[0], 1), round(point[1], 1)


def _point(centre: float, radius: float, angle: float) -> tuple[float, float]:
    return centre + radius * math.cos(angle), centre + radius * math.sin(angle)
