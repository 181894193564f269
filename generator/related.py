"""Every article's related coverage: signals combined into one score per pair, each edge explained.

Candidates come from the text (each article's nearest texts, see similarity.py) and from the
editors (`related` lists and internal links, in either direction); tags, authors and time only
re-score those candidates, so the work stays proportional to articles × candidates, never
articles².

    content = text·cosine + tags·shared_tags
    score   = content · (1 + authors·shared_authors) · (1 + time·closeness)
              + editorial·[picked either way] + links·[linked either way]

Authors and time multiply the content score: a shared byline or a shared week makes related
stories closer but never makes unrelated ones related (a columnist's every piece is not
related), and a strong older match loses at most a factor (1 + time). With the default weights
the content score stays below 1.3³ ≈ 2.2, under the link and editorial weights, so what an
editor chose always ranks first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from generator.bodies import Bodies, Markdown
from generator.cache import DIGEST_SIZE, Shelf, key
from generator.config import RelatedConfig
from generator.library import Library, title_key
from generator.models import Related
from generator.parallel import in_background, release_freed_memory
from generator.sparserows import SparseRows, pair_dots

# scipy (with similarity.py) is imported where it is used, not with this module: a build's main
# process imports this module at its start, and scipy took 0.17 s of it, an eighth of a one-edit
# rebuild at 2,083 articles. The text process imports it while that process reads (see
# build._import_similarity); the process that scores the pairs only for a large archive (see
# candidates).
# From this many pairs to score, their rows are gathered by scipy (see pair_dots): numpy's
# gather costs 0.4 µs more a pair, some 40 pairs an article, and importing scipy 0.17 s (at
# 10,000 articles: 0.18 s against 0.17 s, measured 0.15 s faster with scipy). A rebuild scores
# only the pairs whose texts changed (see TextDots), 3% of them after one edit: importing scipy
# for those was a fifth of the related stage of a one-edit build at 10,000 articles.
_SCIPY_PAIRS = 200_000

_TEXT_FLOOR = 0.02  # cosines below this are noise between unrelated texts
# Text similarity is scored on each text's heaviest terms: a very long text's tail of minor words
# makes it a little like everything (on the corpus, recall of hidden links rises a little), and
# capping it keeps the cost of scoring a pair bounded.
_SCORED_TERMS = 200
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
    links_to: np.ndarray  # i's body links to j
    linked_by: np.ndarray  # j's body links to i
    picks: np.ndarray  # i lists j as related
    picked_by: np.ndarray  # j lists i as related
    score: np.ndarray


@dataclass(frozen=True)
class Document:
    """The fields of one text (what similarity.Text asks for); the title is weighted on top of the whole."""

    title: str
    summary: str
    body: str


@dataclass(frozen=True)
class ArticleTexts(Sequence[Document]):
    """The articles as texts, each made when read: a process that reads them from a shared
    buffer (`bodies`, see texts.SharedTexts) holds one at a time, not its own copy of them all.
    Plain lists and that buffer, not the library: the text process is handed them pickled (see
    build._text_matches_beside)."""

    titles: Sequence[str]
    summaries: Sequence[str]  # each article's own summary ("" for none)
    bodies: Sequence[str]  # each article's Markdown, in library order (more texts may follow)
    files: Sequence[bytes | None] = ()  # the digest of each article's file, when known (see Markdown)

    def __len__(self) -> int:
        return len(self.titles)

    def __getitem__(self, at: int) -> Document:  # type: ignore[override] (no slices)
        return Document(self.titles[at], self.summaries[at], self.bodies[at])


def documents(library: Library, markdown: Markdown | None = None) -> ArticleTexts:
    """`markdown`: the articles' Markdown when the build has taken it out of them (see
    bodies.markdown_of; its first texts are the articles')."""
    articles = library.articles
    titles, summaries = [a.title for a in articles], [a.summary or "" for a in articles]
    if markdown is None:
        return ArticleTexts(titles, summaries, [a.body for a in articles])
    return ArticleTexts(titles, summaries, markdown.texts, markdown.files[: len(articles)])


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
    return _unique(np.asarray(keys, dtype=np.int64))


def _unique(keys: np.ndarray) -> np.ndarray:
    """np.unique(keys): numpy 2's hashing unique, sorted after, took 8 times as long as a sort."""
    ordered = np.sort(keys)
    return ordered[_run_starts(ordered)]


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """A mask of sorted values: True where a value differs from the one before it."""
    starts = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    return starts


def _set_matrix(values: Mapping[str, tuple[str, ...]], ids: list[str]) -> SparseRows:
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
    return SparseRows.from_entries(rows_a, cols_a, data, (n, max(len(names), 1)))


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


@dataclass(frozen=True)
class TextMatches:
    """What the texts alone decide (no links needed, so it can run beside the Markdown stage)."""

    near: np.ndarray  # keys i·n + j of each article's nearest texts
    vectors: SparseRows  # each text's heaviest terms, to score any pair with
    prints: bytes  # a digest of each of those rows (see similarity.row_prints)


def text_matches(texts: ArticleTexts, settings: RelatedConfig, shelf: Shelf | None = None) -> TextMatches:
    """With a shelf (the cache's "terms"), the term counts of the last build are reused for every
    unchanged text and this build's are kept for the next (an edit moves corpus-wide term weights,
    so everything after counting is redone: it is the cheap part). The shelf is loaded here, in
    the process that counts (a background one, see build.py), not in the one that renders."""
    from generator.similarity import (
        TermCounts,
        content_counts,
        heaviest,
        nearest,
        prune,
        row_prints,
        term_counts,
        tfidf_vectors,
    )

    entry = key("term counts")  # one entry: its rows are checked text by text (see TermCounts)

    def last() -> TermCounts | None:
        found = shelf.take(entry) if shelf is not None else None
        return found if isinstance(found, TermCounts) else None

    counts = term_counts(texts, settings.title_weight, last, texts.files)
    if shelf is not None:
        shelf.keep_only(entry, counts)  # and lets go: counts are dropped below (150 MB at 100,000 articles)
    # Counting made and freed the tallies of every text; the allocator would keep that memory
    # through the matrix work, beside the Markdown stage's processes.
    release_freed_memory()
    matrix, words = content_counts(counts)
    del counts  # before the weighted copy is made (see content_counts)
    full, words = tfidf_vectors(matrix, words)
    del matrix
    vectors = heaviest(full, _SCORED_TERMS)
    prints = row_prints(vectors, words)
    del words
    # A row's heaviest few terms are among its heaviest _SCORED_TERMS (one order, ties to the
    # lower column), so those are cut from the shorter rows: the same terms, a third of the sort.
    # The full weights then go before the search: held through it, they were 0.15 GB of the text
    # process at its largest, at 100,000 articles.
    if 0 < settings.terms <= _SCORED_TERMS:
        full = vectors
    near = nearest(prune(full, settings.terms), settings.candidates, _TEXT_FLOOR)
    del full
    return TextMatches(near.rows * len(texts) + near.cols, SparseRows.of(vectors), prints)


Matches = Callable[[], TextMatches]
"""Hands over text matches computed elsewhere (a background process); called once."""


@dataclass(frozen=True)
class Candidates:
    """The pairs worth scoring (keys i·n + j, sorted) and what scoring them needs."""

    keys: np.ndarray
    n: int
    vectors: SparseRows  # each text's heaviest terms
    prints: bytes  # a digest of each of those rows
    links: np.ndarray  # directed keys: i's body links to j
    picks: np.ndarray  # directed keys: i lists j as related
    tags: SparseRows
    authors: SparseRows
    stamps: np.ndarray


def candidates(
    library: Library,
    bodies: Bodies,
    settings: RelatedConfig,
    matches: Matches | None = None,
    scoring_all: bool = True,
) -> Candidates:
    """Each article's nearest texts and its editorial links and picks, in either direction.
    `scoring_all`: every pair's text is to be scored (no last build's scores to reuse)."""
    ids = [a.id for a in library.articles]
    n = len(ids)
    index = {aid: r for r, aid in enumerate(ids)}
    if scoring_all and n * _PAIRS_PER_ARTICLE >= _SCIPY_PAIRS:  # see _text_dots
        import generator.sparse  # noqa: F401 (before waiting for the text process: loaded meanwhile)
    text_part = matches() if matches else text_matches(documents(library), settings)
    links = _directed(bodies.links, index)
    picks = _directed({aid: [r.article_id for r in refs] for aid, refs in library.editorial.items()}, index)
    keys = _unique(np.concatenate([text_part.near, links, _flip(links, n), picks, _flip(picks, n)]))
    return Candidates(
        keys,
        n,
        text_part.vectors,
        text_part.prints,
        links,
        picks,
        _set_matrix(library.article_tags, ids),
        _set_matrix(library.article_authors, ids),
        _timestamps(library),
    )


def score_pairs(
    found: Candidates, keys: np.ndarray, settings: RelatedConfig, known: KnownDots | None = None
) -> tuple[Pairs, np.ndarray]:
    """Some candidate pairs (`keys`, sorted) with their signals and combined score (no ranking
    yet), and their text scores in full (for the next build, see TextDots); those `known` from
    the last build are not scored again.

    At 100,000 articles there are millions of pairs: arrays are dropped as soon as they are used,
    and the signals kept for the reasons are stored in 4 bytes (the score is computed in 8).
    """
    n = found.n
    flipped = _flip(keys, n)
    links_to, linked_by = _contains(found.links, keys), _contains(found.links, flipped)
    picks_, picked_by = _contains(found.picks, keys), _contains(found.picks, flipped)
    del flipped
    i, j = (keys // n).astype(np.int32), (keys % n).astype(np.int32)
    text = _text_dots(found, i, j, known)
    tags = pair_dots(found.tags, i, j)
    authors = pair_dots(found.authors, i, j)
    days = np.abs(found.stamps[i] - found.stamps[j]) / _DAY
    score = settings.text * text + settings.tags * tags
    score *= 1 + settings.authors * authors
    score *= 1 + settings.time * np.exp(-days / settings.time_scale_days)
    score += settings.editorial * (picks_ | picked_by) + settings.links * (links_to | linked_by)
    np.round(score, 6, out=score)  # rounded so ties are real ties, broken by the order in rank()
    small = np.float32
    pairs = Pairs(
        i,
        j,
        text.astype(small),
        tags.astype(small),
        authors.astype(small),
        days.astype(small),
        links_to,
        linked_by,
        picks_,
        picked_by,
        score,
    )
    return pairs, text


@dataclass(frozen=True, eq=False)  # eq: arrays don't compare as one value (see cache.Shelf.put)
class TextDots:
    """The text scores of a build's candidate pairs, kept for the next build: most texts' vectors
    are the same after an edit, and so is the score of any pair of them. Scoring the pairs' texts
    was half the related stage (0.42 s of a one-edit build at 10,000 articles)."""

    prints: bytes  # each row's digest (see similarity.row_prints), in that build's row order
    keys: np.ndarray  # pairs i·n + j scored, sorted, in that build's numbering
    text: np.ndarray  # their text scores (float64, as scored)


@dataclass(frozen=True)
class KnownDots:
    """The last build's text scores, looked up by this build's rows."""

    last: TextDots
    rows: np.ndarray  # this build's row → the last build's row with the same vector (-1: none)

    @classmethod
    def of(cls, last: TextDots | None, prints: bytes) -> KnownDots | None:
        if last is None:
            return None
        return cls(last, same_rows(last.prints, prints))

    def find(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which pairs were scored last time (a mask), and their scores."""
        keys, n = self.last.keys, len(self.last.prints) // DIGEST_SIZE
        if len(keys) == 0:
            return np.zeros(len(i), dtype=bool), np.zeros(0)
        before_i, before_j = self.rows[i], self.rows[j]
        wanted = before_i * n + before_j
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        found = (before_i >= 0) & (before_j >= 0) & (keys[at] == wanted)
        return found, self.last.text[at[found]]


def same_rows(before: bytes, now: bytes) -> np.ndarray:
    """Each row of `now` (prints, DIGEST_SIZE bytes a row) → the row of `before` with the same
    print, -1 for none. Texts with one vector (a story filed twice, or copied) are matched in
    order, the first with the first: matched to one of them, all would find few of their pairs
    (3% at the benchmark's 100,000 articles, 48 copies of each text). Matched as numbers by
    numpy: a dict of the prints, looked up row by row, took 25 ms of a one-edit build at 2,083
    articles."""
    old = np.frombuffer(before, dtype=f"V{DIGEST_SIZE}")
    new = np.frombuffer(now, dtype=f"V{DIGEST_SIZE}")
    # Each print as a number (equal prints, equal numbers), then each row as its print's number
    # and how many rows before it have that print: the keys the two builds' rows are matched by.
    numbers = np.unique(np.concatenate([old, new]), return_inverse=True)[1].reshape(-1)
    span = max(len(old), len(new)) + 1
    old_keys = numbers[: len(old)] * span + _occurrence(numbers[: len(old)])
    new_keys = numbers[len(old) :] * span + _occurrence(numbers[len(old) :])
    if len(old_keys) == 0:
        return np.full(len(new), -1, dtype=np.int64)
    order = np.argsort(old_keys, kind="stable")
    ordered = old_keys[order]
    at = np.minimum(np.searchsorted(ordered, new_keys), len(ordered) - 1)
    return np.where(ordered[at] == new_keys, order[at], -1).astype(np.int64)


def _occurrence(values: np.ndarray) -> np.ndarray:
    """For each value, how many earlier ones are equal to it."""
    order = np.argsort(values, kind="stable")
    starts = _run_starts(values[order])
    positions = np.arange(len(values))
    first = np.maximum.accumulate(np.where(starts, positions, 0))
    found = np.empty(len(values), dtype=np.int64)
    found[order] = positions - first
    return found


def _text_dots(found: Candidates, i: np.ndarray, j: np.ndarray, known: KnownDots | None) -> np.ndarray:
    """The text score of each pair: the last build's for a pair of rows it scored with the same
    vectors (the same ordered pair: the sum runs over the second row's terms, so its last bit
    depends on the order), the others scored now."""
    if known is None:
        return pair_dots(found.vectors, i, j, _by_scipy(len(i)))
    reused, scores = known.find(i, j)
    text = np.empty(len(i))
    text[reused] = scores
    todo = ~reused
    text[todo] = pair_dots(found.vectors, i[todo], j[todo], _by_scipy(int(todo.sum())))
    return text


def _by_scipy(pairs: int) -> bool:
    """Whether the rows of this many pairs are gathered by scipy (see sparserows.pair_dots); the
    scores are the same either way, to the bit."""
    return pairs >= _SCIPY_PAIRS


_PAIRS_PER_ARTICLE = 40  # candidate pairs of an article, about (for _SCIPY_PAIRS before they are found)


def rank(pairs: Pairs, groups: np.ndarray, k: int, min_score: float) -> np.ndarray:
    """Positions of each article's top-k pairs, best first; ties go to the older (then lower id) article.

    Drops the article itself, its duplicates, and a second copy of any duplicated story.
    """
    ok = (pairs.i != pairs.j) & (groups[pairs.i] != groups[pairs.j]) & (pairs.score >= min_score)
    chosen = np.flatnonzero(ok)
    chosen = chosen[np.lexsort((pairs.j[chosen], -pairs.score[chosen], pairs.i[chosen]))]
    story = pairs.i[chosen].astype(np.int64) * (int(groups.max()) + 1) + groups[pairs.j[chosen]]
    _, first = np.unique(story, return_index=True)
    chosen = chosen[np.sort(first)]
    rows = pairs.i[chosen]
    starts = np.searchsorted(rows, rows, side="left")
    return chosen[np.arange(len(chosen)) - starts < k]


def related(
    library: Library,
    bodies: Bodies,
    settings: RelatedConfig,
    matches: Matches | None = None,
    share: bool = True,
    shelf: Shelf | None = None,
) -> Related:
    """{article id: [(other id, score, reasons)]}, best first, at most `settings.k` each.

    An article's list depends on its own pairs only, so the candidate pairs are cut in two at an
    article boundary and a large archive scores, ranks and explains one half in a forked process
    (unless told not to `share` the work: the other cores are busy).

    With a `shelf` (the cache's "dots"), the text scores of the last build's pairs are reused
    where both texts' vectors are unchanged, and this build's are kept (see TextDots).
    """
    ids = [a.id for a in library.articles]
    result: Related = {aid: [] for aid in ids}
    if len(ids) < 2 or settings.k < 1:
        return result
    entry = key("text dots")  # one entry: its rows are matched by their vectors (see KnownDots)
    last = shelf.get(entry) if shelf is not None else None
    found = candidates(library, bodies, settings, matches, scoring_all=not isinstance(last, TextDots))
    groups = _duplicate_groups(library)
    keys = found.keys
    known = KnownDots.of(last if isinstance(last, TextDots) else None, found.prints)
    del last
    if share and len(keys) >= _SPLIT_PAIRS:
        middle = np.searchsorted(keys, keys[len(keys) // 2] // found.n * found.n)
        second = in_background(_edges, library, settings, found, keys[middle:], groups, known)
        edges, text = _edges(library, settings, found, keys[:middle], groups, known)
        more, more_text = second()
        edges += more
        text = np.concatenate([text, more_text])
    else:
        edges, text = _edges(library, settings, found, keys, groups, known)
    if shelf is not None:
        shelf.keep_only(entry, TextDots(found.prints, keys, text))
    del known, text
    # Edges name the library's own id strings: the forked half's are unpickled copies.
    library_ids = {aid: aid for aid in ids}
    for source, other, score, reasons in edges:
        result[source].append((library_ids[other], score, reasons))
    return result


_SPLIT_PAIRS = 200_000  # candidate pairs from which the scoring is shared with a forked process


def _edges(
    library: Library,
    settings: RelatedConfig,
    found: Candidates,
    keys: np.ndarray,
    groups: np.ndarray,
    known: KnownDots | None = None,
) -> tuple[list[tuple[str, str, float, list[str]]], np.ndarray]:
    """The kept edges among some candidate pairs (whole articles' worth), in order, explained,
    and the text score of every pair (see TextDots).

    Scored a piece of whole articles at a time (an article's list depends on its own pairs
    only): the signals of every pair at once, with the arrays that make them, were a gigabyte
    at 100,000 articles, beside the render process of the pages that don't show the lists."""
    ids = [a.id for a in library.articles]
    explain = Reasons(library, settings)
    edges = []
    texts = np.empty(len(keys))  # filled a piece at a time: joined, the pieces were copied once more
    for piece in _pieces(keys, found.n, _PAIRS_AT_ONCE):
        pairs, texts[piece] = score_pairs(found, keys[piece], settings, known)
        kept = rank(pairs, groups, settings.k, settings.min_score)
        columns = [
            getattr(pairs, name)[kept].tolist() for name in ("i", "j", "score", "text", "tags", "authors")
        ]
        columns += [Reasons.kinds(pairs, kept), np.rint(pairs.days[kept]).astype(np.int64).tolist()]
        del pairs, kept  # the candidate pairs; only the kept edges go on
        for i, j, score, *signals in zip(*columns, strict=True):
            edges.append((ids[i], ids[j], score, explain(ids[i], ids[j], *signals)))
    return edges, texts


_PAIRS_AT_ONCE = 500_000


def _pieces(keys: np.ndarray, n: int, size: int) -> Iterator[slice]:
    """Consecutive slices of sorted pair keys, each some `size` pairs cut where an article's
    pairs begin (one article with more than `size` pairs is a piece of its own)."""
    start = 0
    while start < len(keys):
        stop = start + size
        if stop < len(keys):
            stop = int(np.searchsorted(keys, keys[stop] // n * n))  # that article's first pair
            if stop <= start:  # one article's pairs fill the piece: it goes whole
                stop = int(np.searchsorted(keys, (keys[start] // n + 1) * n))
        yield slice(start, min(stop, len(keys)))
        start = stop


def _flip(keys: np.ndarray, n: int) -> np.ndarray:
    return (keys % n) * n + keys // n


class Reasons:
    """Human words for the signals of one edge, strongest kind first.

    Made for every kept edge (half a million at 100,000 articles, on the build's critical path),
    so what can be is worked out once: the words of each combination of editorial kinds, of each
    text score and day count, each article's tags and authors with their names."""

    KINDS = ("editorial pick", "lists this as related", "linked from body", "links here")

    def __init__(self, library: Library, settings: RelatedConfig):
        self.settings = settings
        tags, authors = library.tags, library.authors
        self.tag_names = {
            aid: [(s, tags[s].name) for s in slugs] for aid, slugs in library.article_tags.items()
        }
        self.tag_sets = {aid: set(slugs) for aid, slugs in library.article_tags.items()}
        self.author_names = {
            aid: [(s, authors[s].name) for s in slugs] for aid, slugs in library.article_authors.items()
        }
        self.author_sets = {aid: set(slugs) for aid, slugs in library.article_authors.items()}
        # Each combination of the four kinds (bit n: KINDS[n]) as its words.
        self._kinds = [[w for bit, w in enumerate(self.KINDS) if code >> bit & 1] for code in range(16)]
        # One str per different reason ("7 days apart", "shared tags: Data visualization"): a few
        # thousand, shown on hundreds of thousands of edges. (A half scored in a forked process
        # comes back with its own, one each too: pickle writes a str it has seen once.)
        self._words: dict[str, str] = {}
        self._texts: dict[float, str | None] = {}
        self._days: dict[int, str | None] = {}

    @staticmethod
    def kinds(pairs: Pairs, kept: np.ndarray) -> list[int]:
        """The editorial kinds of the kept pairs, one number each (bit n: KINDS[n])."""
        flags = (pairs.picks, pairs.picked_by, pairs.links_to, pairs.linked_by)
        code = np.zeros(len(kept), dtype=np.int64)
        for bit, flag in enumerate(flags):
            code |= flag[kept].astype(np.int64) << bit
        return code.tolist()

    def __call__(
        self, source: str, other: str, text: float, tags: float, authors: float, kinds: int, days: int
    ) -> list[str]:
        """`kinds`: see `kinds`; `days`: apart, rounded (half to even)."""
        reasons = self._kinds[kinds].copy()
        words = self._texts.get(text, "")
        if words == "":
            words = self._texts[text] = self._once(f"text {text:.2f}") if text >= 0.005 else None
        if words is not None:
            reasons.append(words)
        if tags > 0:
            theirs = self.tag_sets[other]
            shared = [name for slug, name in self.tag_names[source] if slug in theirs]
            reasons.append(self._once("shared tags: " + ", ".join(shared)))
        if authors > 0:
            theirs = self.author_sets[other]
            shared = [name for slug, name in self.author_names[source] if slug in theirs]
            reasons.append(self._once("shared authors: " + ", ".join(shared)))
        words = self._days.get(days, "")
        if words == "":
            words = self._days[days] = self._apart(days)
        if words is not None:
            reasons.append(words)
        return reasons

    def _apart(self, days: int) -> str | None:
        if not self.settings.time or days > self.settings.time_scale_days:
            return None
        return self._once("same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} apart")

    def _once(self, words: str) -> str:
        return self._words.setdefault(words, words)


def find_article(library: Library, reference: str) -> str | None:
    """An article named as an editor would: its file (from the site, content/ or cwd) or its title."""
    path = reference.strip().replace("\\", "/")
    for prefix in ("content/", "./content/"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
    if path in library.by_id:
        return path
    if "/content/" in path:
        path = path.split("/content/", 1)[1]
    return library.resolve("", path)


def explain(library: Library, related: Related, reference: str) -> str | None:
    """An article's related list as text, one line per edge with its score and reasons."""
    article_id = find_article(library, reference)
    if article_id is None:
        return None
    article = library.by_id[article_id]
    lines = [f"{article.title} ({library.local[article_id].date().isoformat()}, content/{article_id})"]
    edges = related.get(article_id, [])
    if not edges:
        lines.append("  no related articles")
    for place, (other, score, reasons) in enumerate(edges, start=1):
        when = library.local[other].date().isoformat()
        lines.append(f"{place:3}. {score:7.3f}  {library.by_id[other].title} ({when}, content/{other})")
        lines.append(f"     {'; '.join(reasons)}")
    return "\n".join(lines)
