"""Every article's related coverage: signals combined into one score per pair, each edge explained.

Candidates come from the text (each article's nearest texts, see similarity.py) and from the
editors (`related` lists and internal links, in either direction); tags, authors and time only
re-score those candidates. So a columnist's every piece is not related merely by byline, and the
work stays proportional to articles × candidates, never articles².

    content = text·cos + tags·shared_tags + authors·shared_authors
    score   = content · (1 + time·closeness) + editorial·[picked] + links·[linked]

Closeness multiplies the content score, so coverage of one event clusters in time while a strong
older match loses at most a factor (1 + time). Editorial weights exceed the largest content
score with the defaults, so what an editor chose always ranks first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from generator.bodies import Bodies
from generator.config import RelatedConfig
from generator.library import Library, title_key
from generator.similarity import Document, nearest, pair_dots, prune, tfidf_vectors

Edge = tuple[str, float, list[str]]
Related = dict[str, list[Edge]]

_TEXT_FLOOR = 0.02  # cosines below this are noise between unrelated texts
_DAY = 86400.0


@dataclass(frozen=True)
class Pairs:
    """Candidate pairs (row i's candidate j) with every signal, as parallel arrays."""

    i: np.ndarray
    j: np.ndarray
    text: np.ndarray
    tags: np.ndarray
    authors: np.ndarray
    days: np.ndarray
    closeness: np.ndarray
    links_to: np.ndarray  # i's body links to j
    linked_by: np.ndarray  # j's body links to i
    picks: np.ndarray  # i lists j as related
    picked_by: np.ndarray  # j lists i as related
    score: np.ndarray


def documents(library: Library) -> list[Document]:
    return [Document(a.title, a.summary or "", a.body) for a in library.articles]


def _directed(edges: Mapping[str, Iterable[str | None]], index: dict[str, int]) -> np.ndarray:
    """Sorted unique keys i·n + j of the directed pairs in an id → ids mapping (self excluded)."""
    n = len(index)
    keys = [
        index[source] * n + index[target]
        for source, targets in edges.items()
        if source in index
        for target in targets
        if target in index and target != source
    ]
    return np.unique(np.asarray(keys, dtype=np.int64))


def _set_matrix(values: Mapping[str, tuple[str, ...]], ids: list[str]) -> tuple[sp.csr_matrix, list[str]]:
    """Articles × values, weighted so that a shared rare value counts and a shared common one barely.

    Entry = specificity / √(values of the article), specificity = idf / idf of a value used once;
    the dot product of two rows is then a cosine scaled by how specific the shared values are.
    """
    names = sorted({v for aid in ids for v in values.get(aid, ())})
    column = {name: c for c, name in enumerate(names)}
    rows, cols = [], []
    for r, aid in enumerate(ids):
        for v in dict.fromkeys(values.get(aid, ())):
            rows.append(r)
            cols.append(column[v])
    n = len(ids)
    rows_a, cols_a = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    df = np.bincount(cols_a, minlength=len(names)).astype(np.float64)
    specificity = np.log(n / np.maximum(df, 1) + 1) / np.log(n + 1)
    per_row = np.bincount(rows_a, minlength=n).astype(np.float64)
    data = specificity[cols_a] / np.sqrt(np.maximum(per_row[rows_a], 1))
    return sp.csr_matrix((data, (rows_a, cols_a)), shape=(n, max(len(names), 1))), names


def _contains(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    if len(keys) == 0:
        return np.zeros(len(wanted), dtype=bool)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return keys[at] == wanted


def _timestamps(library: Library) -> np.ndarray:
    return np.asarray([a.date.timestamp() for a in library.articles], dtype=np.float64)


def _duplicate_groups(library: Library) -> np.ndarray:
    """Same title and same publication day: one story filed twice, never related to itself."""
    groups: dict[tuple[str, str], int] = {}
    return np.asarray(
        [
            groups.setdefault((title_key(a.title), library.local[a.id].date().isoformat()), len(groups))
            for a in library.articles
        ],
        dtype=np.int64,
    )


def score_pairs(library: Library, bodies: Bodies, settings: RelatedConfig) -> Pairs:
    """Every candidate pair with its signals and combined score (no ranking yet)."""
    ids = [a.id for a in library.articles]
    n = len(ids)
    index = {aid: r for r, aid in enumerate(ids)}
    vectors = tfidf_vectors(documents(library), settings.title_weight)
    near = nearest(prune(vectors, settings.terms), settings.candidates, _TEXT_FLOOR)
    near_keys = near.rows * n + near.cols
    links = _directed(bodies.links, index)
    picks = _directed({aid: [r.article_id for r in refs] for aid, refs in library.editorial.items()}, index)
    keys = np.unique(np.concatenate([near_keys, links, _flip(links, n), picks, _flip(picks, n)]))
    i, j = keys // n, keys % n
    text = pair_dots(vectors, i, j)
    tags, _ = _set_matrix(library.article_tags, ids)
    authors, _ = _set_matrix(library.article_authors, ids)
    tag_sim = pair_dots(tags, i, j)
    author_sim = pair_dots(authors, i, j)
    stamps = _timestamps(library)
    days = np.abs(stamps[i] - stamps[j]) / _DAY
    closeness = np.exp(-days / settings.time_scale_days)
    flipped = j * n + i
    pairs = Pairs(
        i=i,
        j=j,
        text=text,
        tags=tag_sim,
        authors=author_sim,
        days=days,
        closeness=closeness,
        links_to=_contains(links, keys),
        linked_by=_contains(links, flipped),
        picks=_contains(picks, keys),
        picked_by=_contains(picks, flipped),
        score=np.zeros(len(keys)),
    )
    content = settings.text * text + settings.tags * tag_sim + settings.authors * author_sim
    score = content * (1 + settings.time * closeness)
    score += settings.editorial * (pairs.picks | pairs.picked_by)
    score += settings.links * (pairs.links_to | pairs.linked_by)
    pairs.score[:] = np.round(score, 6)  # rounded so ties are real ties, broken by order below
    return pairs


def rank(pairs: Pairs, groups: np.ndarray, k: int, min_score: float) -> np.ndarray:
    """Positions of each article's top-k pairs, best first; ties go to the older (then lower id) article.

    Drops the article itself, its duplicates, and a second copy of any duplicated story.
    """
    ok = (pairs.i != pairs.j) & (groups[pairs.i] != groups[pairs.j]) & (pairs.score >= min_score)
    chosen = np.flatnonzero(ok)
    chosen = chosen[np.lexsort((pairs.j[chosen], -pairs.score[chosen], pairs.i[chosen]))]
    story = pairs.i[chosen] * (groups.max() + 1) + groups[pairs.j[chosen]]
    _, first = np.unique(story, return_index=True)
    chosen = chosen[np.sort(first)]
    rows = pairs.i[chosen]
    starts = np.searchsorted(rows, rows, side="left")
    return chosen[np.arange(len(chosen)) - starts < k]


def related(library: Library, bodies: Bodies, settings: RelatedConfig) -> Related:
    """{article id: [(other id, score, reasons)]}, best first, at most `settings.k` each."""
    ids = [a.id for a in library.articles]
    result: Related = {aid: [] for aid in ids}
    if len(ids) < 2 or settings.k < 1:
        return result
    pairs = score_pairs(library, bodies, settings)
    explain = Reasons(library, settings)
    for at in rank(pairs, _duplicate_groups(library), settings.k, settings.min_score):
        i, j = int(pairs.i[at]), int(pairs.j[at])
        result[ids[i]].append((ids[j], float(pairs.score[at]), explain(pairs, at, ids[i], ids[j])))
    return result


def _flip(keys: np.ndarray, n: int) -> np.ndarray:
    return (keys % n) * n + keys // n


class Reasons:
    """Human words for the signals of one edge, strongest kind first."""

    def __init__(self, library: Library, settings: RelatedConfig):
        self.library = library
        self.settings = settings

    def __call__(self, pairs: Pairs, at: int, source: str, other: str) -> list[str]:
        reasons = []
        if pairs.picks[at]:
            reasons.append("editorial pick")
        if pairs.picked_by[at]:
            reasons.append("lists this as related")
        if pairs.links_to[at]:
            reasons.append("linked from body")
        if pairs.linked_by[at]:
            reasons.append("links here")
        if pairs.text[at] >= 0.005:
            reasons.append(f"text {pairs.text[at]:.2f}")
        shared_tags = self._shared(self.library.article_tags, source, other)
        if shared_tags and pairs.tags[at] > 0:
            reasons.append("shared tags: " + ", ".join(self.library.tags[s].name for s in shared_tags))
        shared_authors = self._shared(self.library.article_authors, source, other)
        if shared_authors and pairs.authors[at] > 0:
            reasons.append(
                "shared authors: " + ", ".join(self.library.authors[s].name for s in shared_authors)
            )
        days = int(round(pairs.days[at]))
        if self.settings.time and days <= self.settings.time_scale_days:
            reasons.append("same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} apart")
        return reasons

    @staticmethod
    def _shared(values: Mapping[str, tuple[str, ...]], source: str, other: str) -> list[str]:
        theirs = set(values.get(other, ()))
        return [v for v in values.get(source, ()) if v in theirs]
