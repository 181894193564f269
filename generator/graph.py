"""The related-articles graph as readers see it: `/graph.json`, and each article's neighbourhood drawing.

Both are plain data built from the related lists (related.py); the templates and the graph page's
own script draw them. Node and edge order follow the library, so the output is byte-stable.
"""

from __future__ import annotations

import math
from typing import Any

from generator.library import Library
from generator.models import Related
from generator.urls import Urls

FORMAT = "press-graph/1"
_SIZE = 320  # the article-page drawing is a square of this many units
_RINGS = (0.0, 92.0, 146.0)  # radius of the article, its related ones, and theirs
_SECOND_HOP = 2  # neighbours of each related article drawn on the outer ring


def graph_data(library: Library, related: Related, urls: Urls) -> dict[str, Any]:
    """Nodes (every article) and directed weighted edges (each article's related list, best first).

    Edges name nodes by position in `nodes`, which keeps a large archive's file small.
    """
    index = {a.id: n for n, a in enumerate(library.articles)}
    nodes = [
        {
            "id": a.id,
            "title": a.title,
            "url": urls.href(library.url[a.id]),
            "date": library.local[a.id].date().isoformat(),
            "authors": [library.authors[s].name for s in library.article_authors[a.id]],
            "tags": [library.tags[s].name for s in library.article_tags[a.id]],
        }
        for a in library.articles
    ]
    edges = [
        {"source": index[a.id], "target": index[other], "score": round(score, 3), "reasons": reasons}
        for a in library.articles
        for other, score, reasons in related.get(a.id, [])
        if other in index
    ]
    return {"format": FORMAT, "nodes": nodes, "edges": edges}


Edges = dict[str, list[tuple[str, float]]]  # article id → its related ids and scores, best first
Cards = dict[str, tuple[str, str, str]]  # article id → title, date (ISO), URL as linked


def neighbourhood(article_id: str, edges: Edges, cards: Cards) -> dict[str, Any]:
    """Geometry of a small drawing: the article in the middle, its related ones around it, and the
    closest of theirs on an outer ring; line width follows the score. Drawn without JavaScript."""
    centre = _SIZE / 2
    first = edges[article_id]
    placed: dict[str, tuple[float, float, int]] = {article_id: (centre, centre, 0)}
    lines: list[dict[str, Any]] = []
    for n, (other, score) in enumerate(first):
        angle = 2 * math.pi * n / max(len(first), 1) - math.pi / 2
        placed[other] = (*_point(centre, _RINGS[1], angle), 1)
        lines.append(_edge(placed, article_id, other, score))
    spread = math.pi / max(len(first), 1) / 2
    for n, (other, _) in enumerate(first):
        angle = 2 * math.pi * n / max(len(first), 1) - math.pi / 2
        seconds = [(o, s) for o, s in edges[other] if o not in placed]
        for m, (second, score) in enumerate(seconds[:_SECOND_HOP]):
            offset = spread * (m - (_SECOND_HOP - 1) / 2)
            placed[second] = (*_point(centre, _RINGS[2], angle + offset), 2)
            lines.append(_edge(placed, other, second, score))
    top = max((line["score"] for line in lines), default=1.0) or 1.0
    for line in lines:
        line["width"] = round(0.75 + 3.25 * min(line.pop("score") / top, 1.0), 2)
    nodes = [
        {
            "x": round(x, 1),
            "y": round(y, 1),
            "hop": hop,
            "title": cards[aid][0],
            "date": cards[aid][1],
            "url": cards[aid][2],
        }
        for aid, (x, y, hop) in placed.items()
    ]
    return {"size": _SIZE, "nodes": nodes, "edges": lines}


def _point(centre: float, radius: float, angle: float) -> tuple[float, float]:
    return centre + radius * math.cos(angle), centre + radius * math.sin(angle)


def _edge(placed: dict[str, tuple[float, float, int]], a: str, b: str, score: float) -> dict[str, Any]:
    (x1, y1, _), (x2, y2, _) = placed[a], placed[b]
    return {"x1": round(x1, 1), "y1": round(y1, 1), "x2": round(x2, 1), "y2": round(y2, 1), "score": score}
