"""The related-articles graph on small sites where the right answer is known."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import Options, load
from generator.related import Related
from tests.conftest import ROOT, article

FLOOD = (
    "Flood waters rose over the levee in Riverside overnight. Emergency crews evacuated families "
    "from the river district as the flood crest approached; sandbags, pumps and rescue boats lined "
    "the levee road. The river gauge reached a record crest, and the mayor ordered the evacuation "
    "of every street near the levee."
)
FLOOD_FOLLOW_UP = (
    "Riverside counted the damage after the flood: the levee breach left the river district under "
    "water, evacuated families sheltered in schools, and emergency crews pumped flood water from "
    "streets. Engineers blamed the levee's age for the breach at the record crest."
)
BUDGET = (
    "The city council approved next year's budget for school lunches, adding money for fresh "
    "vegetables and kitchen staff. Teachers and parents praised the vote; the lunch program will "
    "serve every pupil in the district's primary schools."
)
OLD_FLOOD = (
    "Thirty years ago the river burst its banks at Riverside: the old levee failed at the crest, "
    "emergency crews evacuated families by boat and the flood left the river district under water."
)
CHESS = (
    "The chess olympiad opened with a blitz tournament; grandmasters played the opening rounds "
    "before a crowd of chess fans, and the endgame of the final board drew applause."
)

FILES = {
    "content/articles/2020/03/flood-rises.md": article(
        "Flood waters rise in Riverside",
        "2020-03-01",
        FLOOD,
        tags=["Floods", "Riverside"],
        authors=["Ann Lee"],
    ),
    "content/articles/2020/03/levee-breaks.md": article(
        "Riverside levee breaks as flood crests",
        "2020-03-03",
        FLOOD_FOLLOW_UP,
        tags=["Floods", "Riverside"],
        authors=["Bo Chan"],
    ),
    "content/articles/2020/03/budget.md": article(
        "Council approves school lunch budget", "2020-03-02", BUDGET, tags=["Schools"], authors=["Ann Lee"]
    ),
    "content/articles/1990/03/old-flood.md": article(
        "Riverside remembers the great flood", "1990-03-10", OLD_FLOOD, tags=["Floods"]
    ),
    "content/articles/2020/04/chess.md": article(
        "Chess olympiad opens",
        "2020-04-01",
        CHESS,
        related=["Council approves school lunch budget"],
    ),
    "content/articles/2020/04/chess-endgame.md": article(
        "Endgame drama at the chess olympiad",
        "2020-04-02",
        CHESS + " A second report from the tournament hall, see [the budget](../03/budget.md).",
    ),
    # Filed twice: same title, same day, another file. Never related to its twin.
    "content/articles/2020/03/flood-rises-copy.md": article(
        "Flood waters rise in Riverside", "2020-03-01", FLOOD, tags=["Floods", "Riverside"]
    ),
}

FLOOD_ID = "articles/2020/03/flood-rises.md"
FOLLOW_UP_ID = "articles/2020/03/levee-breaks.md"
BUDGET_ID = "articles/2020/03/budget.md"
OLD_ID = "articles/1990/03/old-flood.md"
CHESS_ID = "articles/2020/04/chess.md"
ENDGAME_ID = "articles/2020/04/chess-endgame.md"
COPY_ID = "articles/2020/03/flood-rises-copy.md"


def related_of(site: Path) -> Related:
    result = load(site, Options())
    assert result.ok, [p.format() for p in result.errors]
    assert result.site is not None
    return result.site.related


@pytest.fixture
def graph(make_site) -> Related:
    return related_of(make_site(FILES))


def others(graph: Related, article_id: str) -> list[str]:
    return [other for other, _, _ in graph[article_id]]


def reasons(graph: Related, article_id: str, other_id: str) -> list[str]:
    return next(r for o, _, r in graph[article_id] if o == other_id)


def test_two_stories_about_one_event_relate_and_say_why(graph):
    assert others(graph, FLOOD_ID)[0] == FOLLOW_UP_ID
    assert others(graph, FOLLOW_UP_ID)[0] in (FLOOD_ID, COPY_ID)
    why = reasons(graph, FLOOD_ID, FOLLOW_UP_ID)
    assert any(r.startswith("text ") for r in why)
    assert "shared tags: Floods, Riverside" in why
    assert "2 days apart" in why


def test_an_unrelated_story_does_not_relate(graph):
    assert BUDGET_ID not in others(graph, FLOOD_ID)
    assert FLOOD_ID not in others(graph, BUDGET_ID)
    assert CHESS_ID not in others(graph, FLOOD_ID)


def test_a_shared_byline_alone_does_not_relate(graph):
    # The flood story and the budget story share an author and a week, nothing else.
    assert BUDGET_ID not in others(graph, FLOOD_ID)


def test_a_strong_older_match_is_not_hidden_by_time(graph):
    assert OLD_ID in others(graph, FLOOD_ID)
    assert OLD_ID in others(graph, FOLLOW_UP_ID)


def test_an_editorial_pick_always_wins_both_ways(graph):
    assert others(graph, CHESS_ID)[0] == BUDGET_ID
    assert "editorial pick" in reasons(graph, CHESS_ID, BUDGET_ID)
    assert others(graph, BUDGET_ID)[0] in (CHESS_ID, ENDGAME_ID)
    assert "lists this as related" in reasons(graph, BUDGET_ID, CHESS_ID)


def test_an_internal_link_relates_both_ways(graph):
    assert "linked from body" in reasons(graph, ENDGAME_ID, BUDGET_ID)
    assert "links here" in reasons(graph, BUDGET_ID, ENDGAME_ID)
    assert others(graph, ENDGAME_ID)[0] == BUDGET_ID  # a link outranks the near-identical chess text


def test_never_itself_nor_a_duplicate_of_itself(graph):
    for article_id, edges in graph.items():
        ids = [other for other, _, _ in edges]
        assert article_id not in ids
        assert len(ids) == len(set(ids))
    assert COPY_ID not in others(graph, FLOOD_ID)
    assert FLOOD_ID not in others(graph, COPY_ID)
    # Two filings of one story never both appear in a third article's list.
    assert not {FLOOD_ID, COPY_ID} <= set(others(graph, FOLLOW_UP_ID))


def test_scores_are_ordered_and_at_most_k(graph):
    for edges in graph.values():
        scores = [score for _, score, _ in edges]
        assert scores == sorted(scores, reverse=True)
        assert len(edges) <= 5


def test_order_is_stable_and_ties_go_to_the_older_article(make_site):
    same = "Volcano ash grounded flights across the region while airports waited for the ash cloud."
    files = {
        "content/articles/2021/05/query.md": article("Volcano ash cloud", "2021-05-10", same),
        # Identical words (digits are not words), same day: a true tie, broken by file order.
        "content/articles/2021/05/b-report.md": article("Ash report 2", "2021-05-01", same),
        "content/articles/2021/05/a-report.md": article("Ash report 1", "2021-05-01", same),
    }
    first = related_of(make_site(files, name="one"))
    second = related_of(make_site(files, name="two"))
    assert first == second
    assert others(first, "articles/2021/05/query.md") == [
        "articles/2021/05/a-report.md",
        "articles/2021/05/b-report.md",
    ]
    scores = [score for _, score, _ in first["articles/2021/05/query.md"]]
    assert scores[0] == scores[1]


def test_weights_come_from_site_toml(make_site):
    toml = 'title = "T"\n[related]\nk = 1\nlinks = 0.0\n'
    graph = related_of(make_site(FILES, site_toml=toml))
    assert all(len(edges) <= 1 for edges in graph.values())
    assert all("linked from body" not in r or s < 2 for e in graph.values() for _, s, r in e)


def test_k_zero_turns_it_off(make_site):
    graph = related_of(make_site(FILES, site_toml='title = "T"\n[related]\nk = 0\n'))
    assert all(edges == [] for edges in graph.values())


def test_unknown_and_bad_settings_are_errors_that_name_the_key(make_site):
    site = make_site(FILES, site_toml='title = "T"\n[related]\ntextt = 1.0\ntags = -1.0\n')
    result = load(site, Options())
    messages = [p.format() for p in result.errors]
    assert any("related.textt" in m and "did you mean 'related.text'" in m for m in messages), messages
    assert any("related.tags" in m and "must not be negative" in m for m in messages), messages


def test_article_page_lists_editorial_then_computed_with_dates_and_a_drawing(make_site, press):
    site = make_site(FILES)
    code, _, err = press("build", str(site))
    assert code == 0, err
    page = (site / "output/2020/04/01/chess/index.html").read_text()
    aside = page.split('<aside class="related"', 1)[1].split("</aside>", 1)[0]
    editorial, computed = aside.index('class="editorial"'), aside.index('class="computed"')
    assert editorial < computed
    assert '<time datetime="2020-03-02T00:00:00+00:00">March 2, 2020</time>' in aside
    assert "<svg" in aside and "<line" in aside and "<script" not in aside
    assert 'href="/2020/04/02/chess-endgame/"' in aside.split("<svg", 1)[1]


def test_graph_json_lists_every_article_and_edge(make_site, press):
    site = make_site(FILES)
    code, _, err = press("build", str(site))
    assert code == 0, err
    data = json.loads((site / "output/graph.json").read_text())
    assert data["format"] == "press-graph/1"
    ids = [n["id"] for n in data["nodes"]]
    assert sorted(ids) == sorted(a.removeprefix("content/") for a in FILES)
    flood = data["nodes"][ids.index(FLOOD_ID)]
    assert flood == {
        "id": FLOOD_ID,
        "title": "Flood waters rise in Riverside",
        "url": "/2020/03/01/flood-rises/",
        "date": "2020-03-01",
        "authors": ["Ann Lee"],
        "tags": ["Floods", "Riverside"],
    }
    graph = related_of(site)
    assert len(data["edges"]) == sum(len(e) for e in graph.values())
    first = next(e for e in data["edges"] if e["source"] == ids.index(CHESS_ID))
    assert first["target"] == ids.index(BUDGET_ID) and "editorial pick" in first["reasons"]
    assert (site / "output/graph/index.html").is_file()


def test_titles_are_inert_in_the_graph_page_and_json(make_site, press):
    evil = "</script><script>alert(1)</script> & <b>bold</b>"
    site = make_site(
        {
            "content/articles/2020/01/a.md": article(evil, "2020-01-01", FLOOD),
            "content/articles/2020/01/b.md": article("Levee", "2020-01-02", FLOOD_FOLLOW_UP),
        }
    )
    code, _, err = press("build", str(site))
    assert code == 0, err
    page = (site / "output/graph/index.html").read_text()
    block = page.split('<script type="application/json" id="graph-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block
    assert json.loads(block)["nodes"][0]["title"] == evil
    assert json.loads((site / "output/graph.json").read_text())["nodes"][0]["title"] == evil
    assert "alert(1)</script>" not in page


def test_graph_output_is_byte_stable(make_site, press):
    one, two = make_site(FILES, name="one"), make_site(FILES, name="two")
    assert press("build", str(one))[0] == 0
    assert press("build", str(two))[0] == 0
    assert (one / "output/graph.json").read_bytes() == (two / "output/graph.json").read_bytes()


def test_press_related_prints_scores_and_reasons(make_site, press):
    site = make_site(FILES)
    code, out, err = press("related", "Chess olympiad opens", str(site))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Chess olympiad opens (2020-04-01, content/articles/2020/04/chess.md)")
    assert "Council approves school lunch budget" in lines[1]
    assert "editorial pick" in lines[2]
    code, out, _ = press("related", "content/articles/2020/03/budget.md", str(site))
    assert code == 0 and "links here" in out and "lists this as related" in out


def test_press_related_into_a_closed_pipe_exits_without_a_traceback(make_site):
    """`press related ... | head -1`: the reader goes away; the command stops quietly."""
    site = make_site(FILES)
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to the pipe now fails, as after `head` has exited
    try:
        done = subprocess.run(
            [sys.executable, "-m", "generator", "related", "Chess olympiad opens", str(site)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr


def test_press_related_unknown_article_fails(make_site, press):
    code, _, err = press("related", "No such headline", str(make_site(FILES)))
    assert code == 1
    assert "No article matches 'No such headline'" in err


@pytest.mark.corpus
def test_the_real_corpus_is_one_explorable_graph(corpus_build: Path):
    data = json.loads((corpus_build / "graph.json").read_text())
    assert len(data["nodes"]) > 2000
    with_edges = {e["source"] for e in data["edges"]}
    assert len(with_edges) / len(data["nodes"]) > 0.95
    assert all(e["source"] != e["target"] and e["score"] > 0 and e["reasons"] for e in data["edges"])
    assert all(len([e for e in data["edges"] if e["source"] == n]) <= 5 for n in list(with_edges)[:50])


def test_texts_without_a_content_word_relate_by_their_other_signals(make_site):
    files = {
        "content/articles/2020/01/a.md": article("It is", "2020-01-01", "It is what it is.", tags=["Odd"]),
        "content/articles/2020/01/b.md": article("Was it", "2020-01-02", "1 2 3", tags=["Odd"]),
        "content/articles/2020/01/c.md": article("Is", "2020-01-03", "", related=["Was it"]),
    }
    graph = related_of(make_site(files))
    assert others(graph, "articles/2020/01/c.md") == ["articles/2020/01/b.md"]
    assert others(graph, "articles/2020/01/b.md")[0] == "articles/2020/01/c.md"


def test_texts_that_share_no_word_are_not_an_error(make_site):
    files = {
        "content/articles/2020/01/a.md": article("Alpha", "2020-01-01", "Apples."),
        "content/articles/2020/01/b.md": article("Beta", "2020-01-02", "Volcanoes.", related=["Alpha"]),
    }
    graph = related_of(make_site(files))
    assert others(graph, "articles/2020/01/b.md") == ["articles/2020/01/a.md"]


@pytest.mark.parametrize("seed", range(5))
def test_a_rows_heaviest_few_terms_are_cut_alike_from_its_heaviest_many(seed):
    """text_matches finds neighbours from rows already cut to their scored terms: cutting those
    to the searched few must give what cutting the full rows gives, ties included."""
    import numpy as np
    import scipy.sparse as sp

    from generator.similarity import heaviest, prune

    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 4, size=(40, 300)) / 4.0  # few distinct values: many ties
    dense[rng.random(dense.shape) < 0.5] = 0.0
    full = sp.csr_matrix(dense)
    for few, many in [(5, 20), (20, 20), (50, 200)]:
        cut = prune(heaviest(full, many), few)
        alone = prune(full, few)
        assert (cut != alone).nnz == 0 and np.array_equal(cut.indices, alone.indices)


def test_unique_keys_are_numpys_unique():
    import numpy as np

    from generator.related import _unique

    rng = np.random.default_rng(1)
    for size in (0, 1, 2, 1000):
        keys = rng.integers(0, 50, size=size).astype(np.int64)
        assert np.array_equal(_unique(keys), np.unique(keys))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pair_dots_are_the_dot_products_of_the_chosen_pairs(dtype):
    """Rows with no terms, pairs at block edges, a last pair with an empty row: each chosen
    pair's dot product in float64 (to its last bits: numpy adds a long run pairwise), the same
    to the bit whether numpy or scipy gathers the rows."""
    import math

    import numpy as np
    import scipy.sparse as sp

    from generator.sparserows import _BLOCK_ROWS, SparseRows, pair_dots

    rng = np.random.default_rng(7)
    rows_n = 3 * _BLOCK_ROWS + 5
    dense = rng.random((rows_n, 90)).astype(dtype)
    dense[rng.random(dense.shape) < 0.8] = 0.0
    dense[[3, _BLOCK_ROWS, rows_n - 1]] = 0.0  # rows with no terms at all
    vectors = SparseRows.of(sp.csr_matrix(dense))
    pairs = sorted({(int(i), int(j)) for i, j in rng.integers(0, rows_n, size=(600, 2))})
    pairs += [(rows_n - 2, rows_n - 1)]  # the last pair's other row is empty
    rows = np.array([i for i, _ in pairs])
    cols = np.array([j for _, j in pairs])
    got = pair_dots(vectors, rows, cols)
    for (i, j), value in zip(pairs, got, strict=True):
        expected = math.fsum((dense[i] * dense[j]).astype(np.float64))  # the exact sum
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert np.array_equal(got, pair_dots(vectors, rows, cols))  # and the same every time
    assert got.tobytes() == pair_dots(vectors, rows, cols, by_scipy=True).tobytes()


def test_sparse_rows_from_entries_are_scipys_canonical_csr():
    """Tags and bylines are scored from rows made without scipy: the same arrays scipy makes
    (rows in order, columns sorted within each), so every sum is added in the same order."""
    import numpy as np
    import scipy.sparse as sp

    from generator.sparserows import SparseRows

    rng = np.random.default_rng(3)
    places = rng.choice(40 * 25, size=300, replace=False)
    rows, cols = (places // 25).astype(np.int64), (places % 25).astype(np.int64)
    data = rng.random(300)
    made = SparseRows.from_entries(rows, cols, data, (41, 25))  # the last row has no entries
    scipys = sp.csr_matrix((data, (rows, cols)), shape=(41, 25))
    assert made.width == 25 and made.rows == 41
    for mine, theirs in (
        (made.indptr, scipys.indptr),
        (made.indices, scipys.indices),
        (made.data, scipys.data),
    ):
        assert np.array_equal(mine, theirs) and mine.dtype == theirs.dtype


@pytest.mark.parametrize("share", [True, False])
def test_scoring_shared_with_a_forked_process_gives_the_same_lists(make_site, monkeypatch, share):
    """A large archive scores half of its pairs in a forked process, unless the build renders
    pages beside (see build._write_site): either way, the same lists, reasons and all."""
    import generator.related as related_module

    site = load(make_site(FILES), Options(jobs=1)).site
    assert site is not None
    alone = related_module.related(site.library, site.bodies, site.config.related, share=False)
    monkeypatch.setattr(related_module, "_SPLIT_PAIRS", 1)  # this small site's pairs are cut in two
    forks: list[object] = []
    real = related_module.in_background
    monkeypatch.setattr(related_module, "in_background", lambda *a: forks.append(a[0]) or real(*a))
    again = related_module.related(site.library, site.bodies, site.config.related, share=share)
    assert again == alone and any(again.values())
    assert len(forks) == (1 if share else 0)


def test_pairs_scored_a_piece_at_a_time_give_the_same_lists(make_site, monkeypatch):
    """The pairs are scored a few whole articles at a time (memory, see related._edges): cut
    into many small pieces, the lists are those of one piece."""
    import generator.related as related_module

    site = load(make_site(FILES), Options(jobs=1)).site
    assert site is not None
    whole = related_module.related(site.library, site.bodies, site.config.related, share=False)
    pieces: list[slice] = []
    real = related_module._pieces
    monkeypatch.setattr(related_module, "_PAIRS_AT_ONCE", 3)
    monkeypatch.setattr(related_module, "_pieces", lambda *a: pieces.extend(real(*a)) or pieces)
    again = related_module.related(site.library, site.bodies, site.config.related, share=False)
    assert again == whole and any(again.values())
    assert len(pieces) > 2


def test_pieces_cover_the_pairs_and_cut_only_between_articles():
    import numpy as np

    from generator.related import _pieces

    n = 10
    # Article 0 has 1 pair, article 3 has 6, article 4 has 2, article 9 has 3.
    keys = np.array(
        [0 * n + 5] + [3 * n + j for j in range(6)] + [4 * n + 1, 4 * n + 2] + [9 * n + j for j in range(3)]
    )
    pieces = list(_pieces(keys, n, 4))
    assert [p.start for p in pieces] == [0, 1, 7, 9] and pieces[-1].stop == len(keys)
    assert all(a.stop == b.start for a, b in zip(pieces, pieces[1:], strict=False))
    for piece in pieces:  # every article's pairs in one piece
        rows = set((keys[piece] // n).tolist())
        assert not rows & set((keys[: piece.start] // n).tolist())
    assert [list(keys[p]) for p in _pieces(keys, n, 100)] == [list(keys)]


@pytest.mark.parametrize("share", [False, True])
def test_text_scores_of_unchanged_texts_are_reused_and_the_lists_are_those_made_afresh(
    make_site, tmp_path, monkeypatch, share
):
    """The last build's text scores are kept (see related.TextDots): after an edit that adds a
    word no other text has, only pairs with the edited text are scored again, and the lists,
    scores and reasons are those of a related stage with nothing kept (also when half the pairs
    are scored in a forked process). An edit that adds words other texts have moves their
    weights in each of those texts: their pairs are scored again too."""
    import numpy as np

    import generator.related as related_module
    from generator.cache import Shelf

    site_dir = make_site(FILES)
    site = load(site_dir, Options(jobs=1, cache=False)).site
    assert site is not None
    settings = site.config.related
    shelf_dir = tmp_path / "dots"
    monkeypatch.setattr(related_module, "_SPLIT_PAIRS", 1 if share else 10**9)
    related_module.related(site.library, site.bodies, settings, share=share, shelf=Shelf(shelf_dir))
    scored: list[int] = []  # pairs given to pair_dots for their texts, in this process
    real = related_module.pair_dots

    def counted(vectors, i, j, *rest):
        if rest:  # the texts' (with how to gather their rows), not the tags' or authors'
            scored.append(len(i))
        return real(vectors, i, j, *rest)

    monkeypatch.setattr(related_module, "pair_dots", counted)
    edited = site_dir / "content" / FOLLOW_UP_ID
    for words, elsewhere in (("Zanzibarian quokkas.", False), ("Chess olympiad, budget.", True)):
        edited.write_text(edited.read_text() + f"\n{words}\n")
        site = load(site_dir, Options(jobs=1, cache=False)).site
        assert site is not None
        fresh = related_module.related(site.library, site.bodies, settings, share=False)
        scored.clear()
        kept = related_module.related(
            site.library, site.bodies, settings, share=share, shelf=Shelf(shelf_dir)
        )
        assert kept == fresh and any(kept.values())
        if share:
            continue  # half the pairs were scored in the forked process, uncounted
        keys = related_module.candidates(site.library, site.bodies, settings).keys
        n = len(site.library.articles)
        row = site.library.articles.index(site.library.by_id[FOLLOW_UP_ID])
        with_edited = int(np.count_nonzero((keys // n == row) | (keys % n == row)))
        assert 0 < with_edited < len(keys)
        if not elsewhere:
            # The pairs with the edited text, no more: the story filed twice (two texts with one
            # vector) has each copy's pairs found under that copy.
            assert sum(scored) == with_edited
        else:
            assert with_edited < sum(scored) < len(keys)


def test_row_prints_know_a_row_by_its_weights_and_every_columns_word():
    """A row keeps its print wherever it is, while the columns are the same words; another
    weight, or a word joining the columns anywhere (renumbering those after it), changes it."""
    import numpy as np
    import scipy.sparse as sp

    from generator.cache import DIGEST_SIZE
    from generator.similarity import row_prints

    def prints(words: list[str], rows: list[dict[str, float]]) -> list[bytes]:
        dense = np.asarray([[row.get(w, 0.0) for w in words] for row in rows], dtype=np.float32)
        made = row_prints(sp.csr_matrix(dense), np.asarray(words, dtype=object))
        return [made[at : at + DIGEST_SIZE] for at in range(0, len(made), DIGEST_SIZE)]

    words = ["alpha", "beta", "gamma"]
    before = prints(words, [{"alpha": 0.6, "gamma": 0.8}, {"beta": 1.0}])
    moved = prints(words, [{"beta": 1.0}, {"alpha": 0.6, "beta": 0.8}, {"alpha": 0.6, "gamma": 0.8}])
    assert moved[0] == before[1] and moved[2] == before[0] and len(set(moved)) == 3
    assert prints(words, [{"alpha": 0.6, "gamma": 0.7}])[0] != before[0]
    assert prints(["aardvark", *words], [{"alpha": 0.6, "gamma": 0.8}])[0] != before[0]


def _same_rows_by_dict(before: bytes, now: bytes) -> list[int]:
    """The matching spelled out: each print's rows in order, the first taken first."""
    from generator.cache import DIGEST_SIZE

    earlier: dict[bytes, list[int]] = {}
    for at in range(0, len(before), DIGEST_SIZE):
        earlier.setdefault(before[at : at + DIGEST_SIZE], []).append(at // DIGEST_SIZE)
    rows = []
    for at in range(0, len(now), DIGEST_SIZE):
        rows_of = earlier.get(now[at : at + DIGEST_SIZE])
        rows.append(rows_of.pop(0) if rows_of else -1)
    return rows


def test_rows_are_matched_by_print_copies_in_order():
    """A row of this build finds the last build's row with its print; copies of one text (a
    story filed twice) are matched first with first, and a copy more than before finds none."""
    import random

    from generator.cache import DIGEST_SIZE
    from generator.related import same_rows

    a, b, c, d = (bytes([n]) * DIGEST_SIZE for n in (1, 2, 3, 0))
    before = b"".join([a, b, a, c, a])
    now = b"".join([b, a, a, d, a, a, c])
    assert same_rows(before, now).tolist() == [1, 0, 2, -1, 4, -1, 3] == _same_rows_by_dict(before, now)
    assert same_rows(b"", now).tolist() == [-1] * 7
    assert same_rows(before, b"").tolist() == []
    rng = random.Random(7)
    pool = [rng.randbytes(DIGEST_SIZE) for _ in range(12)]
    for _ in range(200):
        before = b"".join(rng.choice(pool) for _ in range(rng.randrange(0, 30)))
        now = b"".join(rng.choice(pool) for _ in range(rng.randrange(0, 30)))
        assert same_rows(before, now).tolist() == _same_rows_by_dict(before, now)
