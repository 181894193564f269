"""Turning names into URL slugs, and checking that a slug is safe to put in a path."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SAFE_SLUG = re.compile(r"^[\w][\w.~-]*$", re.UNICODE)


def slugify(text: str) -> str:
    """ASCII, lowercase, hyphenated: 'Nikolaus von Twickel' → 'nikolaus-von-twickel'.

    Accents fold to their base letter so 'José' and 'Jose' share a page; text with no Latin
    letters at all keeps its Unicode word characters rather than collapsing to nothing.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_WORD.sub("-", folded).strip("-")
    if slug:
        return slug
    fallback = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-_")
    return fallback or "untitled"


def slug_problem(slug: str) -> str | None:
    """Why a slug can't be used as one path segment at all, or None when it can."""
    if not slug:
        return "is empty"
    if "/" in slug or "\\" in slug:
        return "must not contain '/'"
    if slug in (".", ".."):
        return "would point at a folder, not name a page"
    if any(ord(c) < 32 for c in slug):
        return "must not contain control characters"
    return None


def clean_slug(slug: str) -> str | None:
    """A URL-safe replacement for a usable but messy slug ('a%20b' → 'a-b'), or None if it is fine.

    Scraped archives are full of percent-encoded or spaced file names; a URL made of them breaks
    on some hosts, so we normalise with a warning instead of refusing the article.
    """
    if _SAFE_SLUG.match(slug):
        return None
    return slugify(unquote(slug))
