"""Page fingerprints (pagememo.py): values many pages show are fingerprinted by their content's
digest, so a page's fingerprint still changes exactly when what it shows changes."""

from __future__ import annotations

from generator.pagememo import SharedDict, SharedList, shared, site_fingerprint


def page(*teasers: dict) -> str | None:
    return site_fingerprint("salt", "list.html", "/tags/x/", {"articles": list(teasers)})


def test_equal_shared_values_give_equal_fingerprints_and_any_change_shows():
    one = shared({"title": "Alpha", "authors": shared([{"name": "Ann", "url": "/authors/ann/"}])})
    same = shared({"title": "Alpha", "authors": shared([{"name": "Ann", "url": "/authors/ann/"}])})
    renamed = shared({"title": "Alpha", "authors": shared([{"name": "Anne", "url": "/authors/ann/"}])})
    assert isinstance(one, SharedDict) and isinstance(one["authors"], SharedList)
    assert page(one) == page(same)
    assert page(one) != page(renamed)  # a change inside a shared value inside a shared value
    assert page(one) != page(one, one)


def test_a_shared_value_is_fingerprinted_by_its_digest_not_its_content():
    """The point of sharing: a long teaser costs a page 16 bytes of hashing, not its length."""
    long = {"title": "x" * 100_000}
    assert shared(long).digest != shared({"title": "y" * 100_000}).digest
    assert page(shared(long)) != page(long)  # the page hashes the digest instead
    assert page(shared(long)) == page(shared(dict(long)))


def test_a_value_that_cannot_be_pickled_is_not_shared_and_its_page_is_just_rendered():
    value = {"make": lambda: None}
    assert type(shared(value)) is dict
    assert page(value) is None
