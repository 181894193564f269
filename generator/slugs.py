"""Turning names into URL slugs, and checking that a slug is safe to put in a path."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SAFE_SLUG = re.compile(r"^[\w][\w.~-]*$", re.UNICODE)

# Latin letters that Unicode does not decompose into a base letter and a mark, so folding by
# NFKD alone dropped them: 'Straße' became 'strae', 'Łódź' 'odz', 'Øresund' 'resund'.
_LETTERS = str.maketrans(
    {
        **dict.fromkeys("ßẞ", "ss"),
        **dict.fromkeys("Ææ", "ae"),
        **dict.fromkeys("Œœ", "oe"),
        **dict.fromkeys("Øø", "o"),
        **dict.fromkeys("Łł", "l"),
        **dict.fromkeys("ĐđÐðƉɖ", "d"),
        **dict.fromkeys("Þþ", "th"),
        **dict.fromkeys("ıƗɨ", "i"),
        **dict.fromkeys("Ħħ", "h"),
        **dict.fromkeys("Ŧŧ", "t"),
        **dict.fromkeys("Ŋŋ", "ng"),
        **dict.fromkeys("ĸ", "k"),
        **dict.fromkeys("Ƀƀ", "b"),
        **dict.fromkeys("Ƒƒ", "f"),
        **dict.fromkeys("ƏəƐɛ", "e"),
    }
)

# A slug is a file name (`press new` writes <slug>.md, or <slug>-2.md beside one) and a folder
# of output/, and file systems allow 255 bytes for one: room is left for such a suffix.
MAX_SLUG_BYTES = 200


def slugify(text: str) -> str:
    """ASCII, lowercase, hyphenated: 'Nikolaus von Twickel' → 'nikolaus-von-twickel'.

    Accents fold to their base letter so 'José' and 'Jose' share a page, and letters with no
    base letter are spelled out ('Straße' → 'strasse'); text with no Latin letters at all
    keeps its Unicode word characters rather than collapsing to nothing. At most
    MAX_SLUG_BYTES, cut after a whole word.
    """
    folded = _decomposed(text)
    slug = _NON_WORD.sub("-", folded.encode("ascii", "ignore").decode("ascii").lower()).strip("-")
    if not slug:
        slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-_")
    return _capped(slug) or "untitled"


def _decomposed(text: str) -> str:
    """Letters spelled out (see _LETTERS), then split into base letter and mark (NFKD): what
    slugs and name keys both fold from."""
    return unicodedata.normalize("NFKD", text.translate(_LETTERS))


def _capped(slug: str) -> str:
    """The slug cut to MAX_SLUG_BYTES of UTF-8 at the last hyphen that fits; a first word longer
    than that is cut where it must be."""
    data = slug.encode("utf-8")
    if len(data) <= MAX_SLUG_BYTES:
        return slug
    cut = data[: MAX_SLUG_BYTES + 1].decode("utf-8", "ignore")  # one more: is the cut on a hyphen?
    words = cut[:-1] if cut.endswith("-") else cut.rsplit("-", 1)[0] if "-" in cut else ""
    if not words.strip("-_"):
        words = data[:MAX_SLUG_BYTES].decode("utf-8", "ignore")
    return words.strip("-_")


def name_key(text: str) -> str:
    """What tells one name from another where their slugs can't: case, accents, spacing and most
    punctuation are spelling ('NATO' and 'Nato', 'José' and 'Jose', 'U.S.' and 'US' are one name),
    but a symbol that slugify drops can be the name ('C++', 'C#' and 'C' are three)."""
    folded = _decomposed(text).casefold()
    return "".join(c for c in folded if c.isalnum() or c in _MEANINGFUL)


_MEANINGFUL = "+#&@$%*"


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
