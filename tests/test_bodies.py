"""Bodies are held packed: stored as they are in a small archive, compressed in a large one."""

from pathlib import Path

import pytest

from generator import texts
from generator.bodies import render_bodies
from generator.build import Options, load
from generator.cache import Cache

PARAGRAPH = "The council met on Tuesday to discuss the budget for the coming year. " * 12


@pytest.fixture
def site(make_site):
    files = {
        f"content/articles/2020/03/story-{n}.md": f"---\ntitle: Story {n}\ndate: 2020-03-0{n}\n---\n\n"
        + f"{PARAGRAPH}\n\n" * 5
        for n in range(1, 4)
    }
    loaded = load(make_site(files), Options(cache=False)).site
    assert loaded is not None
    return loaded


def _sizes(bodies) -> tuple[int, int]:
    """Packed and raw UTF-8 bytes of every body."""
    packed = sum(len(bodies.html.packed(source)) for source in bodies.html)
    raw = sum(len(bodies.html[source].encode()) for source in bodies.html)
    return packed, raw


def test_a_small_archives_html_is_stored_and_a_large_ones_compressed(site, monkeypatch):
    small = render_bodies(site.library, site.urls)
    packed, raw = _sizes(small)
    assert packed >= raw  # stored: zlib's level 0, a few bytes of framing on top
    monkeypatch.setattr(texts, "COMPRESS_FROM", 1)
    large = render_bodies(site.library, site.urls)
    packed, raw = _sizes(large)
    assert packed < raw * 0.8
    assert dict(large.html) == dict(small.html)  # the same HTML, however it is held


def test_drafts_cached_at_one_level_are_not_reused_at_another(site, monkeypatch, tmp_path: Path):
    """An archive that grows past the threshold has its drafts packed again, not kept stored."""
    cache = Cache(tmp_path)
    stored = render_bodies(site.library, site.urls, cache=cache.shelf("markdown"))
    cache.save()
    monkeypatch.setattr(texts, "COMPRESS_FROM", 1)
    again = Cache(tmp_path)
    compressed = render_bodies(site.library, site.urls, cache=again.shelf("markdown"))
    assert again.shelf("markdown").hits == 0
    assert _sizes(compressed)[0] < _sizes(stored)[0] * 0.8
