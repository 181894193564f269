"""Text similarity for the related-articles graph: TF-IDF vectors and each article's nearest texts.

Everything after tokenising is sparse-matrix work (scipy, scikit-learn, sparse_dot_topn), so the
cost grows with the words of the archive rather than with the square of its size: each text is
searched by its most distinctive terms, in one sparse product that keeps only each row's best
(`nearest`), and the pairs found are then scored exactly on the full vectors (sparserows.py).
Nothing here knows about articles; it sees a list of texts.
"""

from __future__ import annotations

import hashlib
import os
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from generator.cache import DIGEST_SIZE, digest_of
from generator.parallel import ordered_map, spans
from generator.sparse import sp, sp_matmul_topn

# Link targets, HTML tags and bare URLs are markup, not words: a link's target must not leak the
# slug of the article it points at into the text signal (it is a signal of its own).
_MARKUP = re.compile(r"\]\([^)]*\)|<[^>]*>|https?://\S+")
# Words of two letters or more; digits and underscores split words (years and ids are not topics).
# What a word is, said as a regex: _tokens finds the same words without running it (the tests
# compare the two on random text).
_WORD = re.compile(r"[^\W\d_]{2,}")
_PARALLEL_TEXTS = 5000  # from this many texts on, tokenising is shared among processes
_MAX_WORKERS = 4  # processes sharing it, at most (and at most the machine's cores)
_TALLY_SPAN = 5000  # texts tallied at once, at most (see _tally_all)
_SMALL_ARCHIVE = 50  # below this many texts no term is too common to keep
_POSTINGS = 500  # rows a term is followed into when searching neighbours (see nearest)
_SORT_ENTRIES = 500_000  # entries sorted at once when cutting rows to their heaviest terms


class Text(Protocol):
    """The fields of one text (an article's: related.Document); the title is weighted on top of the whole."""

    @property
    def title(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def body(self) -> str: ...


@dataclass(frozen=True)
class Neighbours:
    """Nearest texts as parallel arrays: row `rows[n]` is `sims[n]` close to row `cols[n]`."""

    rows: np.ndarray
    cols: np.ndarray
    sims: np.ndarray


def _tokens(text: str) -> list[str]:
    """A text's words: runs of two letters or more, lowercased, markup and URLs left out; runs
    of one letter may be left in (the tally drops them with the stop words). A letter is what
    _WORD's class matches (alphanumeric, not a decimal digit): every other character becomes a
    space and the text is split, in C. ASCII goes through one byte table over the UTF-8; each
    other character a text holds (curly quotes, dashes, accented letters: a few) is looked at
    once. Finding each word with a regex took 0.9 s of 1.5 at 10,000 texts; searching each text
    for a letter outside ASCII, to choose between the two, took 17 ms of 0.2 s at 2,083."""
    text = _MARKUP.sub(" ", text).lower()
    data = text.encode("utf-8", "surrogatepass")
    if len(data) == len(text):  # ASCII only
        return data.translate(_ASCII_LETTERS_ONLY).decode("ascii").split()
    words = data.translate(_ASCII_LETTERS_AND_OTHERS).decode("utf-8", "surrogatepass")
    for char in set(data.translate(None, _ASCII).decode("utf-8", "surrogatepass")):
        if not char.isalnum() or char.isdecimal():  # not in _WORD's class ("_" is ASCII)
            words = words.replace(char, " ")
    return words.split()


_ASCII = bytes(range(128))
_ASCII_LETTERS_ONLY = bytes(c if ord("a") <= c <= ord("z") else ord(" ") for c in range(256))
# Bytes of characters outside ASCII (128 and up) are kept whole, to be looked at as characters.
_ASCII_LETTERS_AND_OTHERS = bytes(
    c if ord("a") <= c <= ord("z") or c >= 128 else ord(" ") for c in range(256)
)


@dataclass
class _Tally:
    """Word counts of some texts, stop words left out: per text its distinct words and their counts.

    Words are numbered within the tally (`columns` index `hashes` and `words`), so the big arrays
    hold 4-byte numbers, whatever the vocabulary.
    """

    hashes: np.ndarray  # int64 hash of each distinct word, ascending
    words: list[str]  # those words, alongside
    columns: np.ndarray  # int32, one per (text, distinct word): the word's place in `hashes`
    counts: np.ndarray  # float32, alongside
    sizes: np.ndarray  # distinct words of each text


def _text(document: Text, title_weight: int) -> str:
    return f"{(document.title + chr(10)) * (1 + title_weight)}{document.summary}\n{document.body}"


def _tally(documents: Iterable[Text], title_weight: int) -> _Tally:
    """Counter counts each text's words in C, and a dict numbers them in C as they are first met,
    so no Python code runs per word. Arrays of machine numbers keep 100,000 articles small; numpy
    fills each text's from its counter with the length known (extending an array.array one value
    at a time took two thirds of the tally's time besides tokenising)."""
    numbers: list[np.ndarray] = []  # per text, the number of each of its words in `vocabulary`
    counts: list[np.ndarray] = []
    sizes = array("q")
    vocabulary: dict[str, int] = {}  # every word met → its number, in the order first met
    for document in documents:
        counter = Counter(_tokens(_text(document, title_weight)))
        size = len(counter)
        new = set(counter).difference(vocabulary)  # a scan of the text's words, not the vocabulary
        if new:
            vocabulary.update(zip(new, range(len(vocabulary), len(vocabulary) + len(new)), strict=True))
        numbers.append(np.fromiter(map(vocabulary.__getitem__, counter), dtype=np.int32, count=size))
        counts.append(np.fromiter(counter.values(), dtype=np.float32, count=size))
        sizes.append(size)
    words = list(vocabulary)
    seen = {word for word in words if len(word) > 1} - stop_words()  # a word is 2+ letters (_tokens)
    spelling = dict(zip(map(hash, seen), seen, strict=True))
    kept = np.sort(np.fromiter(spelling, dtype=np.int64, count=len(spelling)))
    # Each word's column: the place of its hash among the kept ones (-1: not kept), so a column is
    # a hash, as before. Only the vocabulary's words are looked up: sorting every text's words by
    # their hashes (np.unique, half a million at 2,083 texts) took 80 ms of the tally's 0.4 s.
    hashes = np.fromiter(map(hash, words), dtype=np.int64, count=len(words))
    place = np.searchsorted(kept, hashes)
    found = place < len(kept)
    found[found] = kept[place[found]] == hashes[found]
    column_of = np.where(found, place, -1)
    del hashes, place, found
    columns = column_of[np.concatenate(numbers)] if numbers else np.zeros(0, dtype=np.int64)
    del numbers
    frequencies = np.concatenate(counts) if counts else np.zeros(0, dtype=np.float32)
    del counts
    keep = columns >= 0
    text_of = np.repeat(np.arange(len(sizes)), np.frombuffer(sizes, dtype=np.int64))
    return _Tally(
        kept,
        [spelling[h] for h in kept.tolist()],
        columns[keep].astype(np.int32),
        frequencies[keep],
        np.bincount(text_of[keep], minlength=len(sizes)),
    )


def _tally_span(state: tuple[Sequence[Text], list[int], int], span: tuple[int, int]) -> _Tally:
    documents, positions, title_weight = state
    return _tally((documents[at] for at in positions[span[0] : span[1]]), title_weight)


def _tally_all(documents: Sequence[Text], positions: list[int], title_weight: int) -> list[_Tally]:
    """The tallies of the texts at `positions`. Tokenising is the one step that is Python per
    text: a large archive shares it among forked processes (fork keeps one hash seed, so their
    hashes agree); shares come back in text order. Each process makes only its own texts (see
    related.ArticleTexts)."""
    workers = min(os.cpu_count() or 1, _MAX_WORKERS)
    if len(positions) < _PARALLEL_TEXTS or workers < 2:
        return [_tally((documents[at] for at in positions), title_weight)]
    # Two shares a process at least, and none over _TALLY_SPAN texts: a share's working arrays
    # grow with its texts (at 100,000 articles, four shares of 25,000 put the build's sampled
    # peak 0.2 GB higher than shares of 5,000, in one run each).
    size = min(_TALLY_SPAN, -(-len(positions) // (2 * workers)))
    shares = spans(len(positions), size)
    return list(ordered_map(_tally_span, (documents, positions, title_weight), shares, workers))


@dataclass(frozen=True, eq=False)
class TermCounts:
    """Every text's term counts (stop words left out), with a digest of each tokenised text.

    Kept between builds (see related.text_matches), so that a build tokenises only the texts that
    changed: after a one-article edit that is one text, not the archive. A row is reused only for
    a text whose digest is that of the very string it was counted from.
    """

    digests: bytes  # DIGEST_SIZE bytes per text, in row order
    vocabulary: np.ndarray  # the words of the columns, in alphabetical order
    matrix: sp.csr_matrix  # texts × vocabulary, float32 counts, indices sorted

    def rows(self) -> dict[bytes, int]:
        size = DIGEST_SIZE
        return {self.digests[at : at + size]: at // size for at in range(0, len(self.digests), size)}


def _digest(document: Text, title_weight: int, file: bytes | None = None) -> bytes:
    """What a text's counts are known by: the digest of the file it was made from (with the title
    weight, which repeats the title) when given, else of the text itself. Hashing every text
    took 1.0 s of the text process at 100,000 articles, on the way of every build."""
    if file is not None:
        return digest_of(b"file\0%d\0%s" % (title_weight, file))
    return digest_of(_text(document, title_weight).encode("utf-8", "surrogatepass"))


def term_counts(
    documents: Sequence[Text],
    title_weight: int,
    last: Callable[[], TermCounts | None] | None = None,
    files: Sequence[bytes | None] = (),
) -> TermCounts:
    """Term counts of each text, columns in alphabetical order of the words (so sums, and scores,
    don't depend on the process's hash seed); rows of the last build's counts (handed over by
    `last`, which nothing else then holds) are reused for unchanged texts. `files`: the digest of
    the file each text was made from, where known (a text is a function of its file's bytes)."""
    known_files = files or [None] * len(documents)
    digests = [
        _digest(document, title_weight, file) for document, file in zip(documents, known_files, strict=True)
    ]
    previous = last() if last is not None else None
    known = previous.rows() if previous is not None else {}
    reused = [(at, known[d]) for at, d in enumerate(digests) if d in known]
    missing = [at for at, d in enumerate(digests) if d not in known]
    blob = b"".join(digests)
    if previous is not None and not missing and blob == previous.digests:
        return previous  # the very same texts: nothing to count, nothing to save
    shares: list[_Tally] = []
    if reused:
        assert previous is not None
        shares.append(_share_of(previous, np.asarray([row for _, row in reused], dtype=np.int64)))
    # Its rows are taken: held on while this build's matrix was made, the last one was a fifth
    # of the text process at its largest in a one-edit build (150 of 930 MB at 100,000 articles).
    del previous, known
    if missing:
        shares += _tally_all(documents, missing, title_weight)
    vocabulary, matrix = _counts(shares, len(documents))
    del shares  # before the rows are put in order, which copies the matrix
    order = np.asarray([at for at, _ in reused] + missing, dtype=np.int64)
    if len(order) and (order[1:] < order[:-1]).any():  # rows came reused first, then counted
        place = np.empty_like(order)
        place[order] = np.arange(len(order))
        matrix = matrix[place]
        matrix.sort_indices()
    return TermCounts(blob, vocabulary, matrix)


def _share_of(previous: TermCounts, rows: np.ndarray) -> _Tally:
    """Counted rows of an earlier build as a share of this one (words renumbered by this
    process's hashes, as a fresh share's are)."""
    part = previous.matrix[rows]
    # The words used, by a counting pass (sorting millions of entries took longer).
    used = np.flatnonzero(np.bincount(part.indices, minlength=len(previous.vocabulary)))
    spelled = previous.vocabulary[used]
    hashes = np.fromiter(map(hash, spelled), dtype=np.int64, count=len(spelled))
    order = np.argsort(hashes, kind="stable")
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    # Each old column's place among them, then one gather per entry: renumbering the entries
    # first held another array of them in 8 bytes (0.16 GB at 100,000 articles, while the text
    # process was at its largest in a one-edit build).
    column_rank = np.zeros(len(previous.vocabulary), dtype=np.int32)
    column_rank[used] = rank
    return _Tally(
        hashes[order],
        spelled[order].tolist(),
        column_rank[part.indices],
        part.data.astype(np.float32, copy=False),
        np.diff(part.indptr),
    )


def _counts(shares: list[_Tally], texts: int) -> tuple[np.ndarray, sp.csr_matrix]:
    """Shares merged into one matrix, rows in share order, columns in alphabetical order."""
    shares = [share for share in shares if len(share.sizes)]
    if not any(len(share.hashes) for share in shares):  # no text has a word
        # One empty column, as a matrix has one at least: its word is blank (a word per column).
        return np.asarray([""], dtype=object), sp.csr_matrix((texts, 1), dtype=np.float32)
    every = np.concatenate([share.hashes for share in shares])
    unique, first = np.unique(every, return_index=True)
    spelled = [word for share in shares for word in share.words]
    vocabulary = np.asarray([spelled[at] for at in first.tolist()], dtype=object)
    del spelled, every
    alphabetical = np.argsort(vocabulary, kind="stable")
    position = np.empty(len(unique), dtype=np.int32)
    position[alphabetical] = np.arange(len(unique), dtype=np.int32)
    columns = np.concatenate(
        [position[np.searchsorted(unique, share.hashes)][share.columns] for share in shares]
    )
    counts = np.concatenate([share.counts for share in shares])
    sizes = np.concatenate([share.sizes for share in shares])
    del shares
    matrix = sp.csr_matrix(
        (counts, columns, np.concatenate([[0], np.cumsum(sizes)])),
        shape=(texts, max(len(unique), 1)),
    )
    matrix.sort_indices()
    return vocabulary[alphabetical], matrix


def _content_terms(counts: sp.csr_matrix, max_df: float) -> np.ndarray:
    """Columns that carry content: not in most texts (stop words are gone already).

    A term in most texts separates nothing (but in a small archive "most" is a handful, and those
    few texts may well be one story: there they keep their words).
    """
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.flatnonzero(df <= max(_SMALL_ARCHIVE, int(max_df * counts.shape[0])))


def content_counts(counts: TermCounts, max_df: float = 0.5) -> tuple[sp.csr_matrix, np.ndarray]:
    """The counts of the terms that carry content (see _content_terms), and the word of each
    column: what tfidf_vectors weighs. A copy, so the caller can let go of the whole counts
    before the weighted one is made (three matrices of 0.2 GB each were held at once at
    100,000 articles, at the text process's largest)."""
    content = _content_terms(counts.matrix, max_df)
    return counts.matrix[:, content], counts.vocabulary[content]


def tfidf_vectors(matrix: sp.csr_matrix, words: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """One L2-normalised TF-IDF row per text (sublinear tf, smoothed idf), and the word of each
    column, from content counts (see content_counts; weighted in place).

    The title is written `1 + title_weight` times: a headline word is worth more than a body word.
    Terms of a single text count in its length, then leave: they can't make two texts alike, but
    dropping them first would make a text of mostly unique words look like any text it overlaps.
    """
    shared = np.flatnonzero(np.bincount(matrix.indices, minlength=matrix.shape[1]) >= 2)
    if len(shared) == 0:  # no two texts share a content word: no text signal at all
        return sp.csr_matrix((matrix.shape[0], 1), dtype=np.float32), np.asarray([""], dtype=object)
    return _tfidf(matrix)[:, shared].tocsr(), words[shared]


def row_prints(vectors: sp.csr_matrix, words: np.ndarray) -> bytes:
    """A digest of each row (DIGEST_SIZE bytes a row, in row order): of its columns and weights,
    and of the words of every column (`words`). Two rows, of this build or the last, have one
    print exactly when they have the same words and weights in the same columns: a word that
    joins or leaves the columns anywhere renumbers the ones after it, and no row keeps its print
    (a print of each entry's word kept more across such an edit, but took ten times as long:
    0.22 s against 0.02 s at 10,000 articles)."""
    columns = digest_of("\0".join(words.tolist()).encode("utf-8", "surrogatepass"))
    base = hashlib.blake2b(columns, digest_size=DIGEST_SIZE)
    indptr = vectors.indptr.tolist()
    # Read in place (as bytes, not copied: 0.1 GB at 100,000 articles, in the text process).
    indices = memoryview(np.ascontiguousarray(vectors.indices)).cast("B")
    data = memoryview(np.ascontiguousarray(vectors.data)).cast("B")
    wide, weight = vectors.indices.itemsize, vectors.data.itemsize
    prints = []
    for start, stop in zip(indptr, indptr[1:], strict=False):  # indptr is one longer
        one = base.copy()
        one.update(indices[start * wide : stop * wide])
        one.update(data[start * weight : stop * weight])
        prints.append(one.digest())
    return b"".join(prints)


def _tfidf(counts: sp.csr_matrix) -> sp.csr_matrix:
    """Sublinear tf (1 + ln count) × smoothed idf (ln((1 + n) / (1 + df)) + 1), rows L2-normalised."""
    weights = counts.astype(np.float32, copy=False)
    np.log(weights.data, out=weights.data)
    weights.data += 1
    df = np.bincount(weights.indices, minlength=weights.shape[1])
    idf = (np.log((1 + weights.shape[0]) / (1 + df)) + 1).astype(np.float32)
    weights.data *= idf[weights.indices]
    return normalize(weights)


def normalize(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Each row scaled to unit length, in place (rows without entries stay empty)."""
    matrix = matrix.tocsr()
    counts = np.diff(matrix.indptr)
    if matrix.nnz == 0:
        return matrix
    starts = np.minimum(matrix.indptr[:-1], matrix.nnz - 1)
    lengths = np.sqrt(np.add.reduceat(matrix.data * matrix.data, starts, dtype=np.float64))
    lengths[counts == 0] = 0.0
    scale = np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)
    matrix.data *= np.repeat(scale.astype(matrix.dtype), counts)
    return matrix


@cache
def stop_words() -> frozenset[str]:
    """Our list of English function words (stop_words.txt beside this module)."""
    text = (Path(__file__).with_name("stop_words.txt")).read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def _top_per_row(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """The `keep` largest entries of each row of a matrix with entries in (0, 1], ties to the lower column.

    Only rows longer than `keep` are sorted, a block of them at a time (so the sort's working
    arrays stay small): one argsort of `row - value/2` orders a block's rows at once (rows can't
    interleave).
    """
    matrix.sort_indices()
    counts = np.diff(matrix.indptr)
    long_rows = np.flatnonzero(counts > keep)
    if len(long_rows) == 0:
        return matrix
    chosen = np.ones(matrix.nnz, dtype=bool)
    blocks = max(1, int(counts[long_rows].sum()) // _SORT_ENTRIES)
    for block in np.array_split(long_rows, blocks):
        lengths = counts[block]
        offsets = np.cumsum(lengths) - lengths  # where each row starts within the block
        entries = np.repeat(matrix.indptr[block] - offsets, lengths) + np.arange(lengths.sum())
        local = np.repeat(np.arange(len(block), dtype=np.float64), lengths)
        order = np.argsort(local - matrix.data[entries] / 2, kind="stable")
        rank = np.arange(len(entries)) - np.repeat(offsets, lengths)
        chosen[entries[order[rank >= keep]]] = False
    indptr = np.concatenate([[0], np.cumsum(np.minimum(counts, keep))])
    return sp.csr_matrix((matrix.data[chosen], matrix.indices[chosen], indptr), shape=matrix.shape)


def heaviest(vectors: sp.csr_matrix, terms: int) -> sp.csr_matrix:
    """Each row cut to its `terms` heaviest terms, not renormalised: a long text's minor words
    still count in its length, as the words of no other text do (see tfidf_vectors)."""
    return _top_per_row(vectors, terms)


def prune(vectors: sp.csr_matrix, terms: int) -> sp.csr_matrix:
    """Each row cut to its `terms` heaviest terms and renormalised (what MoreLikeThis queries do).

    Common words shared by thousands of texts are what make an all-pairs product dense; the
    distinctive terms carry the topic and keep the product sparse.
    """
    if not terms:
        return vectors
    cut = _top_per_row(vectors, terms)
    return normalize(cut.copy() if cut is vectors else cut)  # normalize works in place


def nearest(vectors: sp.csr_matrix, count: int, floor: float) -> Neighbours:
    """Each row's `count` most similar other rows with cosine above `floor`.

    sparse_dot_topn multiplies and keeps each row's best in one pass of compiled code (on every
    core), so the mostly-tiny similarities of all pairs are never stored or sorted. A term is
    followed only into the `_POSTINGS` rows where it weighs most: the cost of a term grows with
    the square of its rows, and a term in thousands of texts finds nothing its rarer terms don't.
    """
    index = _top_per_row(vectors.T.tocsr(), _POSTINGS)
    top = sp_matmul_topn(
        index.T.tocsr(), index, top_n=count + 1, threshold=floor, n_threads=_product_threads()
    ).tocoo()
    other = top.row != top.col  # a text is not its own neighbour
    return Neighbours(
        top.row[other].astype(np.int64), top.col[other].astype(np.int64), top.data[other].astype(np.float64)
    )


_THREADS_STARTED_BY: int | None = None  # the process whose sp_matmul_topn started its thread pool


def _product_threads() -> int:
    """Every core, except in a process forked from one whose sp_matmul_topn already ran threaded:
    the pool's threads don't survive a fork, and the child would wait on them forever."""
    global _THREADS_STARTED_BY
    if _THREADS_STARTED_BY not in (None, os.getpid()):
        return 1
    _THREADS_STARTED_BY = os.getpid()
    return os.cpu_count() or 1
