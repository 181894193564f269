"""A large archive's Markdown is held in one shared buffer and taken out of the articles before the
build forks (see texts.SharedTexts, build._load): the site built is the same, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import build as builder
from generator.texts import SharedTexts
from tests.conftest import article

TOPICS = ["flood levee river crest", "budget council school lunch", "chess blitz olympiad rounds"]


def test_shared_texts_give_back_each_text_as_it_was():
    given = ["plain", "café crème — “quoted”", "", "lone \udcff surrogate", "x" * 10_000]
    texts = SharedTexts(given)
    assert len(texts) == len(given)
    assert list(texts) == given
    assert [texts[at] for at in range(len(given))] == given
    assert bytes(texts.encoded(1)) == given[1].encode("utf-8")
    assert bytes(texts.encoded(3)) == given[3].encode("utf-8", "surrogatepass")
    with pytest.raises(IndexError):
        texts[len(given)]


def _files(count: int = 70) -> dict[str, str]:
    """Enough articles for the Markdown stage to fork its worker (bodies.PARALLEL_FROM), three
    topics for the related lists to find, non-ASCII bodies and a broken link on a known line."""
    files = {}
    for n in range(count):
        words = TOPICS[n % 3]
        body = f"Café story {n} on the {words}.\n\nMore about the {words} — crème brûlée.\n"
        if n == 5:
            body += "\nFirst line.\n\nSee [the gone one](../../../2019/01/missing.md).\n"
        files[f"content/articles/2020/03/s{n:02d}.md"] = article(
            f"Story {n}: {words.split()[0]}", f"2020-03-{1 + n % 28:02d}", body, tags=[words.split()[0]]
        )
    return files


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("jobs", [1, 2])
def test_markdown_taken_out_before_forking_builds_the_same_site(make_site, monkeypatch, jobs):
    files = _files()
    usual, early = make_site(files, name="usual"), make_site(files, name="early")
    first = builder.build(usual, builder.Options(jobs=jobs))
    held: list[int] = []  # the Markdown the articles hold when the text process is forked
    real = builder._text_matches_beside

    def watched(library, markdown, config, cache, spare):
        held.append(sum(len(a.body) for a in library.articles))
        return real(library, markdown, config, cache, spare)

    monkeypatch.setattr(builder, "_text_matches_beside", watched)
    monkeypatch.setattr(builder, "SHARED_MARKDOWN_FROM", 1)
    second = builder.build(early, builder.Options(jobs=jobs))
    assert first.ok and second.ok
    assert held == [0]
    assert _snapshot(early / "output") == _snapshot(usual / "output")
    assert [(p.path, p.line, p.message) for p in second.problems] == [
        (p.path, p.line, p.message) for p in first.problems
    ]
    broken = [p for p in second.problems if "broken internal link" in p.message]
    assert [(p.path, p.line) for p in broken] == [("content/articles/2020/03/s05.md", 13)]
    # The read cache was saved before the Markdown was let go of: a later load reads every body.
    loaded = builder.load(early, builder.Options(jobs=1)).site
    assert loaded is not None and loaded.cache is not None
    assert loaded.cache.stats()["read"][0] == len(files)
    assert all("Café story" in a.body for a in loaded.library.articles)


def test_only_a_large_archive_waits_for_the_text_process_before_rendering(make_site, monkeypatch):
    """A large archive's text process holds too much to overlap the related stage (see
    build._load); a smaller one's build goes on while it works."""
    from generator.parallel import Background

    waits: list[bool] = []
    real = Background.settle

    def recorded(self, wait=True):
        waits.append(wait)
        return real(self, wait)

    monkeypatch.setattr(Background, "settle", recorded)
    assert builder.build(make_site(_files(), name="small"), builder.Options(jobs=2)).ok
    monkeypatch.setattr(builder, "SHARED_MARKDOWN_FROM", 1)
    assert builder.build(make_site(_files(), name="large"), builder.Options(jobs=2)).ok
    assert waits == [False, True]


def test_a_large_archives_markdown_is_converted_by_workers_forked_before_reading(make_site, monkeypatch):
    """Forked at the start (see parallel.EarlyWorkers), they convert what the workers forked at
    the Markdown stage would, and the site is the same."""
    from generator import bodies
    from generator.parallel import EarlyWorkers

    files = _files()
    usual, early = make_site(files, name="usual"), make_site(files, name="early")
    first = builder.build(usual, builder.Options(jobs=1))
    used: list[int] = []
    real = EarlyWorkers.map

    def recorded(self, *args, **kwargs):
        used.append(len(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(EarlyWorkers, "map", recorded)
    monkeypatch.setattr(builder, "SHARED_MARKDOWN_FROM", 1)
    monkeypatch.setattr(bodies, "PARALLEL_FROM", 1)
    second = builder.build(early, builder.Options(jobs=2))
    assert first.ok and second.ok
    assert used == [1]
    assert _snapshot(early / "output") == _snapshot(usual / "output")
