import pytest

from generator.slugs import clean_slug, slug_problem, slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Nikolaus von Twickel", "nikolaus-von-twickel"),
        ("José Díaz", "jose-diaz"),
        ("  NATO!! ", "nato"),
        ("Москва", "москва"),
        ("???", "untitled"),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_slug_problems_and_cleaning():
    assert slug_problem("a/b") == "must not contain '/'"
    assert slug_problem("..") == "would point at a folder, not name a page"
    assert slug_problem("a..b") is None  # one segment, harmless
    assert slug_problem("ok-slug") is None
    assert clean_slug("ok-slug") is None
    assert clean_slug("a%20b") == "a-b"
