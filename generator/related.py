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

from generator.bodies import Bodies
from generator.cache import Shelf, key
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
# From this many articles the pairs' rows are gathered by scipy (see pair_dots): numpy's gather
# costs 0.4 µs more a pair, some 40 pairs an article, and importing scipy 0.17 s (at 10,000
# articles: 0.18 s against 0.17 s, measured 0.15 s faster with scipy).
_SCIPY_FROM = 5_000

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

    def __len__(self) -> int:
        return len(self.titles)

    def __getitem__(self, at: int) -> Document:  # type: ignore[override] (no slices)
        return Document(self.titles[at], self.summaries[at], self.bodies[at])


def documents(library: Library, bodies: Sequence[str] | None = None) -> ArticleTexts:
    """`bodies`: the articles' Markdown when the build has taken it out of them (see
    bodies.markdown_of; its first texts are the articles')."""
    articles = library.articles
    return ArticleTexts(
        [a.title for a in articles],
        [a.summary or "" for a in articles],
        bodies if bodies is not None else [a.body for a in articles],
    )


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
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


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


def text_matches(texts: ArticleTexts, settings: RelatedConfig, shelf: Shelf | None = None) -> TextMatches:
    """With a shelf (the cache's "terms"), the term counts of the last build are reused for every
    unchanged text and this build's are kept for the next (an edit moves corpus-wide term weights,
    so everything after counting is redone: it is the cheap part). The shelf is loaded here, in
    the process that counts (a background one, see build.py), not in the one that renders."""
    from generator.similarity import TermCounts, heaviest, nearest, prune, term_counts, tfidf_vectors

    entry = key("term counts")  # one entry: its rows are checked text by text (see TermCounts)
    previous = shelf.get(entry) if shelf is not None else None
    counts = term_counts(texts, settings.title_weight, previous if isinstance(previous, TermCounts) else None)
    del previous
    if shelf is not None:
        shelf.put(entry, counts)
        shelf.save()
        shelf.let_go()  # it holds the counts: they are let go of below (150 MB at 100,000 articles)
    # Counting made and freed the tallies of every text; the allocator would keep that memory
    # through the matrix work, beside the Markdown stage's processes.
    release_freed_memory()
    full = tfidf_vectors(counts)
    del counts
    vectors = heaviest(full, _SCORED_TERMS)
    # A row's heaviest few terms are among its heaviest _SCORED_TERMS (one order, ties to the
    # lower column), so those are cut from the shorter rows: the same terms, a third of the sort.
    few = 0 < settings.terms <= _SCORED_TERMS
    near = nearest(prune(vectors if few else full, settings.terms), settings.candidates, _TEXT_FLOOR)
    del full
    return TextMatches(near.rows * len(texts) + near.cols, SparseRows.of(vectors))


Matches = Callable[[], TextMatches]
"""Hands over text matches computed elsewhere (a background process); called once."""


@dataclass(frozen=True)
class Candidates:
    """The pairs worth scoring (keys i·n + j, sorted) and what scoring them needs."""

    keys: np.ndarray
    n: int
    vectors: SparseRows  # each text's heaviest terms
    links: np.ndarray  # directed keys: i's body links to j
    picks: np.ndarray  # directed keys: i lists j as related
    tags: SparseRows
    authors: SparseRows
    stamps: np.ndarray

    @property
    def by_scipy(self) -> bool:
        """Whether the texts' rows are gathered by scipy (see sparserows.pair_dots)."""
        return self.n >= _SCIPY_FROM


def candidates(
    library: Library, bodies: Bodies, settings: RelatedConfig, matches: Matches | None = None
) -> Candidates:
    """Each article's nearest texts and its editorial links and picks, in either direction."""
    ids = [a.id for a in library.articles]
    n = len(ids)
    index = {aid: r for r, aid in enumerate(ids)}
    if n >= _SCIPY_FROM:  # as Candidates.by_scipy
        import scipy.sparse  # noqa: F401 (before waiting for the text process: loaded meanwhile)
    text_part = matches() if matches else text_matches(documents(library), settings)
    links = _directed(bodies.links, index)
    picks = _directed({aid: [r.article_id for r in refs] for aid, refs in library.editorial.items()}, index)
    keys = _unique(np.concatenate([text_part.near, links, _flip(links, n), picks, _flip(picks, n)]))
    return Candidates(
        keys,
        n,
        text_part.vectors,
        links,
        picks,
        _set_matrix(library.article_tags, ids),
        _set_matrix(library.article_authors, ids),
        _timestamps(library),
    )


def score_pairs(found: Candidates, keys: np.ndarray, settings: RelatedConfig) -> Pairs:
    """Some candidate pairs (`keys`, sorted) with their signals and combined score (no ranking yet).

    At 100,000 articles there are millions of pairs: arrays are dropped as soon as they are used,
    and the signals kept for the reasons are stored in 4 bytes (the score is computed in 8).
    """
    n = found.n
    flipped = _flip(keys, n)
    links_to, linked_by = _contains(found.links, keys), _contains(found.links, flipped)
    picks_, picked_by = _contains(found.picks, keys), _contains(found.picks, flipped)
    del flipped
    i, j = (keys // n).astype(np.int32), (keys % n).astype(np.int32)
    text = pair_dots(found.vectors, i, j, found.by_scipy)
    tags = pair_dots(found.tags, i, j)
    authors = pair_dots(found.authors, i, j)
    days = np.abs(found.stamps[i] - found.stamps[j]) / _DAY
    score = settings.text * text + settings.tags * tags
    score *= 1 + settings.authors * authors
    score *= 1 + settings.time * np.exp(-days / settings.time_scale_days)
    score += settings.editorial * (picks_ | picked_by) + settings.links * (links_to | linked_by)
    np.round(score, 6, out=score)  # rounded so ties are real ties, broken by the order in rank()
    small = np.float32
    return Pairs(
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
) -> Related:
    """{article id: [(other id, score, reasons)]}, best first, at most `settings.k` each.

    An article's list depends on its own pairs only, so the candidate pairs are cut in two at an
    article boundary and a large archive scores, ranks and explains one half in a forked process
    (unless told not to `share` the work: the other cores are busy).
    """
    ids = [a.id for a in library.articles]
    result: Related = {aid: [] for aid in ids}
    if len(ids) < 2 or settings.k < 1:
        return result
    found = candidates(library, bodies, settings, matches)
    groups = _duplicate_groups(library)
    keys = found.keys
    if share and len(keys) >= _SPLIT_PAIRS:
        middle = np.searchsorted(keys, keys[len(keys) // 2] // found.n * found.n)
        second = in_background(_edges, library, settings, found, keys[middle:], groups)
        edges = _edges(library, settings, found, keys[:middle], groups) + second()
    else:
        edges = _edges(library, settings, found, keys, groups)
    # Edges name the library's own id strings: the forked half's are unpickled copies.
    library_ids = {aid: aid for aid in ids}
    for source, other, score, reasons in edges:
        result[source].append((library_ids[other], score, reasons))
    return result


_SPLIT_PAIRS = 200_000  # candidate pairs from which the scoring is shared with a forked process


def _edges(
    library: Library, settings: RelatedConfig, found: Candidates, keys: np.ndarray, groups: np.ndarray
) -> list[tuple[str, str, float, list[str]]]:
    """The kept edges among some candidate pairs (whole articles' worth), in order, explained.

    Scored a piece of whole articles at a time (an article's list depends on its own pairs
    only): the signals of every pair at once, with the arrays that make them, were a gigabyte
    at 100,000 articles, beside the render process of the pages that don't show the lists."""
    names = ("i", "j", "score", *Reasons.COLUMNS)
    ids = [a.id for a in library.articles]
    explain = Reasons(library, settings)
    edges = []
    for piece in _pieces(keys, found.n, _PAIRS_AT_ONCE):
        pairs = score_pairs(found, keys[piece], settings)
        kept = rank(pairs, groups, settings.k, settings.min_score)
        columns = [getattr(pairs, name)[kept].tolist() for name in names]
        del pairs, kept  # the candidate pairs; only the kept edges go on
        for i, j, score, *signals in zip(*columns, strict=True):
            edges.append((ids[i], ids[j], score, explain(ids[i], ids[j], *signals)))
    return edges


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
    """Human words for the signals of one edge, strongest kind first."""

    COLUMNS = ("picks", "picked_by", "links_to", "linked_by", "text", "tags", "authors", "days")

    def __init__(self, library: Library, settings: RelatedConfig):
        self.library = library
        self.settings = settings
        self.tag_sets = {aid: set(tags) for aid, tags in library.article_tags.items()}
        self.author_sets = {aid: set(authors) for aid, authors in library.article_authors.items()}
        # One str per different reason ("7 days apart", "shared tags: Data visualization"): a few
        # thousand, shown on hundreds of thousands of edges. (A half scored in a forked process
        # comes back with its own, one each too: pickle writes a str it has seen once.)
        self._words: dict[str, str] = {}

    def __call__(
        self,
        source: str,
        other: str,
        picks: bool,
        picked_by: bool,
        links_to: bool,
        linked_by: bool,
        text: float,
        tags: float,
        authors: float,
        days: float,
    ) -> list[str]:
        library = self.library
        reasons = [
            words
            for flag, words in (
                (picks, "editorial pick"),
                (picked_by, "lists this as related"),
                (links_to, "linked from body"),
                (linked_by, "links here"),
            )
            if flag
        ]
        once = self._words.setdefault
        if text >= 0.005:
            words = f"text {text:.2f}"
            reasons.append(once(words, words))
        if tags > 0:
            shared = [library.tags[s].name for s in library.article_tags[source] if s in self.tag_sets[other]]
            words = "shared tags: " + ", ".join(shared)
            reasons.append(once(words, words))
        if authors > 0:
            theirs = self.author_sets[other]
            shared = [library.authors[s].name for s in library.article_authors[source] if s in theirs]
            words = "shared authors: " + ", ".join(shared)
            reasons.append(once(words, words))
        whole = int(round(days))
        if self.settings.time and whole <= self.settings.time_scale_days:
            words = "same day" if whole == 0 else f"{whole} day{'s' if whole != 1 else ''} apart"
            reasons.append(once(words, words))
        return reasons


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
