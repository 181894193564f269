"""Rows of a sparse matrix as three numpy arrays, and the dot products of chosen pairs of them.

This is all the scoring of related pairs needs of sparse matrices (see related.score_pairs), kept
apart from the matrix work of similarity.py so that the process that scores a small archive's
pairs never loads scipy: importing it took 0.17 s of the build's critical path, an eighth of a
one-edit rebuild at 2,083 articles. The text process, which does the matrix work, loads it beside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

_BLOCK_ROWS = 32  # query rows held dense at once when scoring chosen pairs (see pair_dots)

Gather = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class SparseRows:
    """A CSR matrix's arrays: row r's entries are `data[indptr[r]:indptr[r + 1]]`, in the columns
    `indices[...]` of `width`. Pickles as plain arrays."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    width: int

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def of(cls, matrix: Any) -> SparseRows:
        """The arrays of a scipy CSR matrix (shared, not copied)."""
        return cls(matrix.indptr, matrix.indices, matrix.data, int(matrix.shape[1]))

    @classmethod
    def from_entries(
        cls, rows: np.ndarray, cols: np.ndarray, data: np.ndarray, shape: tuple[int, int]
    ) -> SparseRows:
        """Entries (no two in one place) in CSR order: by row, then column, as scipy's canonical
        form has them, so a row's entries are summed in the same order whichever made it."""
        order = np.lexsort((cols, rows))
        indptr = np.zeros(shape[0] + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
        return cls(indptr, cols[order].astype(np.int32), data[order], shape[1])


def pair_dots(vectors: SparseRows, rows: np.ndarray, cols: np.ndarray, by_scipy: bool = False) -> np.ndarray:
    """Dot products of chosen pairs only (rows[n] · cols[n]); `rows` must be sorted.

    `by_scipy`: the pairs' other rows are gathered by scipy's row indexing, which copies each
    row's run of entries at once; numpy gathers them entry by entry, 0.4 µs more a pair (0.18 s
    of the 410,000 pairs of 10,000 articles), which a small archive pays rather than import scipy.

    A few query rows at a time are scattered into a small dense buffer, then each pair costs one
    gather per term of its other row: linear in the pairs' terms, never in the archive squared.
    The buffer is flat and each pair's terms are summed as one run (np.add.reduceat, in float64):
    indexing it in two dimensions and summing with np.bincount took four times as long (the
    related lists of the corpus came out identical; a long run is added pairwise, so a sum may
    differ in its last bit, never between runs, --jobs, or the way the rows were gathered). The
    buffer is cleared entry by entry, not refilled, so a block costs its entries, not the
    vocabulary's width.
    """
    out = np.zeros(len(rows))
    width = vectors.width
    buffer = np.zeros(_BLOCK_ROWS * width, dtype=vectors.data.dtype)
    indptr, indices, data = vectors.indptr, vectors.indices, vectors.data
    lengths = np.diff(indptr)
    gather = _scipy_gather(vectors) if by_scipy else _numpy_gather(vectors)
    starts = np.searchsorted(rows, np.arange(0, vectors.rows + _BLOCK_ROWS, _BLOCK_ROWS)).tolist()
    for block, (lo, hi) in enumerate(zip(starts[:-1], starts[1:], strict=True)):
        if lo == hi:
            continue
        first = block * _BLOCK_ROWS
        last = min(first + _BLOCK_ROWS, vectors.rows)
        span = slice(indptr[first], indptr[last])
        filled = np.repeat(np.arange(last - first) * width, lengths[first:last]) + indices[span]
        buffer[filled] = data[span]
        terms = lengths[cols[lo:hi]]
        columns, values, runs = gather(cols[lo:hi], terms)
        where = np.repeat((rows[lo:hi] - first) * width, terms) + columns
        products = (values * buffer.take(where)).astype(np.float64, copy=False)
        # One 0.0 past the end: a run may start there (trailing pairs with no terms).
        sums = np.add.reduceat(np.append(products, 0.0), runs)
        sums[terms == 0] = 0.0  # reduceat gives an empty run the next entry, not 0
        out[lo:hi] = sums
        buffer[filled] = 0
    return out


def _numpy_gather(vectors: SparseRows) -> Gather:
    """The chosen rows' columns and values, one row after another, and where each row starts
    (given each chosen row's number of `terms`)."""

    def gather(chosen: np.ndarray, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ends = np.cumsum(terms)
        runs = ends - terms
        at = np.arange(int(ends[-1])) + np.repeat(vectors.indptr[chosen] - runs, terms)
        return vectors.indices[at], vectors.data[at], runs

    return gather


def _scipy_gather(vectors: SparseRows) -> Gather:
    """As _numpy_gather, by scipy's row indexing (the same arrays)."""
    from generator.sparse import sp

    matrix = sp.csr_matrix(
        (vectors.data, vectors.indices, vectors.indptr), shape=(vectors.rows, vectors.width)
    )

    def gather(chosen: np.ndarray, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        picked = matrix[chosen]
        return picked.indices, picked.data, picked.indptr[:-1]

    return gather
