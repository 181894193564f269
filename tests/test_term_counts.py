"""Term counts kept between builds: reusing the rows of unchanged texts gives exactly the counts of
counting every text afresh, and only the texts that changed are tokenised again."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from generator import similarity
from generator.build import Options, load
from generator.related import Document
from generator.similarity import TermCounts, term_counts
from tests.test_related import FILES, FLOOD_ID

DOCS = [
    Document("Flood waters rise", "The river", "Flood waters rose over the levee; the river crest came."),
    Document("Budget vote", "", "The council approved the school lunch budget."),
    Document("Chess olympiad", "Blitz", "Grandmasters played the opening rounds of blitz chess."),
    Document("Only stop words", "", "the and of to"),
    Document("Café crème", "", "Naïve façade, café crème, jalapeño."),
]


def _same(a: TermCounts, b: TermCounts) -> None:
    assert a.digests == b.digests
    assert a.vocabulary.tolist() == b.vocabulary.tolist()
    assert a.matrix.shape == b.matrix.shape
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a.matrix, name), getattr(b.matrix, name)), name
    assert a.matrix.data.dtype == b.matrix.data.dtype


@pytest.fixture
def tallied(monkeypatch) -> list[str]:
    """The titles of the texts tokenised (the real tokeniser runs; this only watches it)."""
    seen: list[str] = []
    real = similarity._tally

    def watched(documents: Iterable[Document], title_weight: int) -> similarity._Tally:
        documents = list(documents)  # made as read (see related.ArticleTexts)
        seen.extend(d.title for d in documents)
        return real(documents, title_weight)

    monkeypatch.setattr(similarity, "_tally", watched)
    return seen


EDITS = {
    "one body edited": lambda d: [d[0], Document(d[1].title, "", d[1].body + " Kitchen staff."), *d[2:]],
    "a text added": lambda d: [
        *d,
        Document("Levee breach", "", "The levee breach flooded the river district."),
    ],
    "a text removed": lambda d: [d[0], *d[2:]],
    "texts reordered": lambda d: list(reversed(d)),
    "a text twice": lambda d: [*d, d[2]],
    "a new word only": lambda d: [*d[:4], Document(d[4].title, "", d[4].body + " Zeppelin.")],
    "nothing changed": lambda d: list(d),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_reused_rows_give_the_counts_of_a_fresh_count(edit, tallied):
    before = term_counts(DOCS, 1)
    after = EDITS[edit](DOCS)
    tallied.clear()
    reused = term_counts(after, 1, lambda: before)
    recounted = set(tallied)
    _same(reused, term_counts(after, 1))
    assert recounted == {d.title for d in after} - {d.title for d in DOCS if d in after}
    assert (reused is before) == (edit == "nothing changed")


def test_a_changed_title_weight_counts_every_text_again(tallied):
    before = term_counts(DOCS, 1)
    tallied.clear()
    reused = term_counts(DOCS, 2, lambda: before)
    assert sorted(tallied) == sorted(d.title for d in DOCS)
    _same(reused, term_counts(DOCS, 2))


def test_an_edited_text_gives_the_related_lists_of_a_build_without_cache(make_site):
    site = make_site(FILES)
    assert load(site, Options()).ok  # fills the cache, term counts included
    assert (site / ".cache/terms").is_dir()
    source = site / "content" / FLOOD_ID
    source.write_text(source.read_text().replace("Flood waters rose", "Chess grandmasters rose"))
    cached = load(site, Options())
    fresh = load(site, Options(cache=False))
    assert cached.site is not None and fresh.site is not None
    assert cached.site.related == fresh.site.related
    assert cached.site.related[FLOOD_ID] != load_related_before_edit(make_site)


def load_related_before_edit(make_site) -> list:
    result = load(make_site(FILES), Options(cache=False))
    assert result.site is not None
    return result.site.related[FLOOD_ID]


def _reference_words(text: str) -> list[str]:
    """What a word is, said once with the regexes: runs of 2+ letters, markup and URLs left out."""
    from generator.similarity import _MARKUP, _WORD

    return _WORD.findall(_MARKUP.sub(" ", text).lower())


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
@example("It’s a 2012 résumé of [links](http://x.org/a-b) and <b>tags</b>, I/O & e-mail")
@example("ascii only: a b cc d3e f_g")
@example("Ünïcode words and ascii ones")
def test_tokens_are_the_words_a_regex_finds(text):
    """The tokeniser's split path must find exactly the regex's words (one-letter runs aside,
    which the tally drops)."""
    from generator.similarity import _tokens

    assert [w for w in _tokens(text) if len(w) > 1] == _reference_words(text)


def test_one_letter_words_are_not_terms():
    counts = term_counts([Document("A b cc", "", "i x dd"), Document("cc", "", "dd e")], 0)
    assert sorted(counts.vocabulary.tolist()) == ["cc", "dd"]


@pytest.mark.parametrize("span", [1, 2, 5])
def test_counts_tallied_in_shares_are_those_of_one_tally(monkeypatch, span):
    """A large archive is tallied in shares (over processes, none over _TALLY_SPAN texts): the
    counts are the same, whatever the shares."""
    documents = [
        Document(f"{d.title} {n}", d.summary, f"{d.body} item{'x' * n}") for n in range(4) for d in DOCS
    ]
    whole = term_counts(documents, 1)
    monkeypatch.setattr(similarity, "_PARALLEL_TEXTS", 2)
    monkeypatch.setattr(similarity, "_TALLY_SPAN", span)
    _same(term_counts(documents, 1), whole)
