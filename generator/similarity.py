"""Text similarity for the related-articles graph: TF-IDF vectors and each article's nearest texts.

Everything after tokenising is sparse-matrix work (scipy, scikit-learn, sparse_dot_topn), so the
cost grows with the words of the archive rather than with the square of its size: each text is
searched by its most distinctive terms, in one sparse product that keeps only each row's best
(`nearest`), and the pairs found are then scored exactly on the full vectors (`pair_dots`).
Nothing here knows about articles; it sees a list of texts.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import threading
from array import array
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfTransformer
from sklearn.preprocessing import normalize
from sparse_dot_topn import sp_matmul_topn

# Link targets, HTML tags and bare URLs are markup, not words: a link's target must not leak the
# slug of the article it points at into the text signal (it is a signal of its own).
_MARKUP = re.compile(r"\]\([^)]*\)|<[^>]*>|https?://\S+")
# Words of two letters or more; digits and underscores split words (years and ids are not topics).
_WORD = re.compile(r"[^\W\d_]{2,}")
# On lower-case text without non-ASCII letters this finds the same words, twice as fast.
_ASCII_WORD = re.compile(r"[a-z]{2,}")
_NON_ASCII_LETTER = re.compile(r"[^\W\d_\x00-\x7f]")
_PARALLEL_TEXTS = 5000  # from this many texts on, tokenising is shared among processes
_MAX_WORKERS = 4  # processes sharing it, at most (and at most the machine's cores)
_SMALL_ARCHIVE = 50  # below this many texts no term is too common to keep
_POSTINGS = 500  # rows a term is followed into when searching neighbours (see nearest)
_BLOCK_ROWS = 512  # rows made dense at once when scoring chosen pairs


@dataclass(frozen=True)
class Document:
    """The fields of one text; the title is weighted on top of the whole."""

    title: str
    summary: str
    body: str


@dataclass(frozen=True)
class Neighbours:
    """Nearest texts as parallel arrays: row `rows[n]` is `sims[n]` close to row `cols[n]`."""

    rows: np.ndarray
    cols: np.ndarray
    sims: np.ndarray


def words(text: str) -> list[str]:
    text = _MARKUP.sub(" ", text).lower()
    return (_WORD if _NON_ASCII_LETTER.search(text) else _ASCII_WORD).findall(text)


@dataclass
class _Tally:
    """Word counts of some texts: per text its distinct words' hashes and counts, in text order."""

    hashes: np.ndarray  # int64, one per (text, distinct word)
    counts: np.ndarray  # float32, alongside
    sizes: np.ndarray  # distinct words of each text
    seen: set[str]  # the words themselves


def _text(document: Document, title_weight: int) -> str:
    return f"{(document.title + chr(10)) * (1 + title_weight)}{document.summary}\n{document.body}"


def _tally(documents: list[Document], title_weight: int) -> _Tally:
    """Counter counts each text's words in C, and hashes (cached by each str) stand for words, so
    no Python code runs per word. Arrays of machine numbers keep 100,000 articles small."""
    hashes, counts, sizes = array("q"), array("f"), array("q")
    seen: set[str] = set()
    for document in documents:
        counter = Counter(words(_text(document, title_weight)))
        hashes.extend(map(hash, counter))
        counts.extend(counter.values())
        sizes.append(len(counter))
        seen.update(counter)
    return _Tally(
        np.frombuffer(hashes, dtype=np.int64), np.frombuffer(counts, dtype=np.float32), np.array(sizes), seen
    )


_SHARED: list[Document] = []  # what forked workers read: inherited from the parent, never pickled


def _tally_share(bounds: tuple[int, int], title_weight: int) -> _Tally:
    return _tally(_SHARED[bounds[0] : bounds[1]], title_weight)


def _tally_all(documents: list[Document], title_weight: int) -> _Tally:
    """Tokenising is the one step that is Python per text: a large archive shares it among forked
    processes (fork keeps one hash seed, so their hashes agree), joined back in text order."""
    workers = min(os.cpu_count() or 1, _MAX_WORKERS)
    forkable = "fork" in mp.get_all_start_methods() and threading.active_count() == 1  # forking a threaded
    if len(documents) < _PARALLEL_TEXTS or workers < 2 or not forkable:  # process (press serve) can hang
        return _tally(documents, title_weight)
    global _SHARED
    _SHARED = documents
    bounds = np.linspace(0, len(documents), 2 * workers + 1).astype(int).tolist()
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            spans = list(zip(bounds[:-1], bounds[1:], strict=True))
            shares = list(pool.map(_tally_share, spans, [title_weight] * len(spans)))
    finally:
        _SHARED = []
    return _Tally(
        np.concatenate([t.hashes for t in shares]),
        np.concatenate([t.counts for t in shares]),
        np.concatenate([t.sizes for t in shares]),
        set().union(*(t.seen for t in shares)),
    )


def _counts(documents: list[Document], title_weight: int) -> tuple[sp.csr_matrix, list[str]]:
    """Term counts of each text and the vocabulary, columns in alphabetical order (so sums, and
    scores, don't depend on the process's hash seed)."""
    tally = _tally_all(documents, title_weight)
    spelling = dict(zip(map(hash, tally.seen), tally.seen, strict=True))
    unique = np.unique(tally.hashes)
    vocabulary = [spelling[h] for h in unique.tolist()]
    alphabetical = np.argsort(np.asarray(vocabulary, dtype=object), kind="stable")
    position = np.empty(len(unique), dtype=np.int32)
    position[alphabetical] = np.arange(len(unique), dtype=np.int32)
    matrix = sp.csr_matrix(
        (
            tally.counts,
            position[np.searchsorted(unique, tally.hashes)],
            np.concatenate([[0], np.cumsum(tally.sizes)]),
        ),
        shape=(len(documents), max(len(unique), 1)),
    )
    matrix.sort_indices()
    return matrix, [vocabulary[at] for at in alphabetical]


def _content_terms(counts: sp.csr_matrix, vocabulary: list[str], max_df: float) -> np.ndarray:
    """Columns that carry content: not stop words, not in most texts.

    A term in most texts separates nothing (but in a small archive "most" is a handful, and those
    few texts may well be one story: there they keep their words).
    """
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    ceiling = max(_SMALL_ARCHIVE, int(max_df * counts.shape[0]))
    stop = np.fromiter((word in ENGLISH_STOP_WORDS for word in vocabulary), dtype=bool, count=len(vocabulary))
    return np.flatnonzero((df <= ceiling) & ~stop)


def tfidf_vectors(documents: list[Document], title_weight: int, max_df: float = 0.5) -> sp.csr_matrix:
    """One L2-normalised TF-IDF row per document (sublinear tf, smoothed idf).

    The title is written `1 + title_weight` times: a headline word is worth more than a body word.
    Terms of a single text count in its length, then leave: they can't make two texts alike, but
    dropping them first would make a text of mostly unique words look like any text it overlaps.
    """
    counts, vocabulary = _counts(documents, title_weight)
    counts = counts[:, _content_terms(counts, vocabulary, max_df)]
    shared = np.flatnonzero(np.bincount(counts.indices, minlength=counts.shape[1]) >= 2)
    if len(shared) == 0:  # no two texts share a content word: no text signal at all
        return sp.csr_matrix((len(documents), 1), dtype=np.float32)
    vectors = normalize(TfidfTransformer(sublinear_tf=True).fit_transform(counts).astype(np.float32))
    return vectors[:, shared].tocsr()


def _top_per_row(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """The `keep` largest entries of each row of a matrix with entries in (0, 1], ties to the lower column.

    One argsort of `row - value/2` orders every row's entries at once (rows can't interleave).
    """
    matrix.sort_indices()
    counts = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.float64), counts)
    order = np.argsort(rows - matrix.data / 2, kind="stable")
    rank = np.arange(matrix.nnz) - np.repeat(matrix.indptr[:-1], counts)
    chosen = np.sort(order[rank < keep])
    indptr = np.concatenate([[0], np.cumsum(np.minimum(counts, keep))])
    return sp.csr_matrix((matrix.data[chosen], matrix.indices[chosen], indptr), shape=matrix.shape)


def prune(vectors: sp.csr_matrix, terms: int) -> sp.csr_matrix:
    """Each row cut to its `terms` heaviest terms and renormalised (what MoreLikeThis queries do).

    Common words shared by thousands of texts are what make an all-pairs product dense; the
    distinctive terms carry the topic and keep the product sparse.
    """
    return normalize(_top_per_row(vectors, terms)) if terms else vectors


def nearest(vectors: sp.csr_matrix, count: int, floor: float) -> Neighbours:
    """Each row's `count` most similar other rows with cosine above `floor`.

    sparse_dot_topn multiplies and keeps each row's best in one pass of compiled code (on every
    core), so the mostly-tiny similarities of all pairs are never stored or sorted. A term is
    followed only into the `_POSTINGS` rows where it weighs most: the cost of a term grows with
    the square of its rows, and a term in thousands of texts finds nothing its rarer terms don't.
    """
    index = _top_per_row(vectors.T.tocsr(), _POSTINGS)
    top = sp_matmul_topn(
        index.T.tocsr(), index, top_n=count + 1, threshold=floor, n_threads=os.cpu_count() or 1
    ).tocoo()
    other = top.row != top.col  # a text is not its own neighbour
    return Neighbours(
        top.row[other].astype(np.int64), top.col[other].astype(np.int64), top.data[other].astype(np.float64)
    )


def pair_dots(vectors: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Dot products of chosen pairs only (rows[n] · cols[n]); `rows` must be sorted.

    A block of query rows is made dense, then each pair costs one gather per term of its other
    row: linear in the pairs' terms, never in the archive squared.
    """
    out = np.zeros(len(rows))
    starts = np.searchsorted(rows, np.arange(0, vectors.shape[0] + _BLOCK_ROWS, _BLOCK_ROWS))
    for block, (lo, hi) in enumerate(zip(starts[:-1], starts[1:], strict=True)):
        if lo == hi:
            continue
        first = block * _BLOCK_ROWS
        dense = vectors[first : first + _BLOCK_ROWS].toarray()
        others = vectors[cols[lo:hi]]
        entry_pair = np.repeat(np.arange(hi - lo), np.diff(others.indptr))
        local = rows[lo:hi][entry_pair] - first
        products = others.data * dense[local, others.indices]
        out[lo:hi] = np.bincount(entry_pair, weights=products, minlength=hi - lo)
    return out
