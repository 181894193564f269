"""How good the related lists are: recall of the corpus's editorial links, with those links hidden.

    python3 -m pip install -e ".[bench]"  # scikit-learn, for the baseline
    python3 bench/related_quality.py [--archive DIR]

The digital.gov corpus links its articles to each other. The graph is built with every internal
link and `related` entry hidden from the algorithm; then, for each link A → B, is B in A's top 5,
top 10? The same is asked of a plain TF-IDF cosine baseline (scikit-learn's defaults on title +
body) in the same run. Prints one JSON object with both, and the weights used.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import make_archive, read_inputs  # noqa: E402
from generator.bodies import Bodies  # noqa: E402
from generator.config import RelatedConfig  # noqa: E402
from generator.library import Library  # noqa: E402
from generator.related import related  # noqa: E402

CUTS = (5, 10)


def recall(ranked: dict[str, list[str]], truth: dict[str, tuple[str, ...]], k: int) -> float:
    hits = sum(len(set(targets) & set(ranked.get(source, [])[:k])) for source, targets in truth.items())
    return hits / max(sum(len(targets) for targets in truth.values()), 1)


def baseline(library: Library, k: int) -> dict[str, list[str]]:
    """Plain TF-IDF cosine: default TfidfVectorizer on title + body, nearest k other articles."""
    ids = [a.id for a in library.articles]
    vectors = TfidfVectorizer().fit_transform([f"{a.title}\n{a.body}" for a in library.articles])
    similarity = (vectors @ vectors.T).toarray()
    np.fill_diagonal(similarity, -1.0)
    order = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    return {ids[row]: [ids[col] for col in order[row]] for row in range(len(ids))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, help="an archive from make_archive (default: write one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.archive or make_archive(Path(tmp) / "archive")
        inputs = read_inputs(site)
    library = inputs.library
    truth = {source: targets for source, targets in inputs.bodies.links.items() if targets}
    hidden = dataclasses.replace(library, editorial={aid: () for aid in library.editorial})
    settings = RelatedConfig(k=max(CUTS))
    started = time.perf_counter()
    graph = related(hidden, Bodies(links={}), settings)
    seconds = time.perf_counter() - started
    combined = {aid: [other for other, _, _ in edges] for aid, edges in graph.items()}
    plain = baseline(library, max(CUTS))
    report = {
        "benchmark": "related_quality",
        "articles": len(library.articles),
        "links": sum(len(targets) for targets in truth.values()),
        "linking_articles": len(truth),
        "combined": {f"recall@{k}": round(recall(combined, truth, k), 3) for k in CUTS},
        "tfidf_cosine_baseline": {f"recall@{k}": round(recall(plain, truth, k), 3) for k in CUTS},
        "weights": dataclasses.asdict(settings),
        "graph_seconds": round(seconds, 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
