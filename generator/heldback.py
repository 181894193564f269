"""What `press check` sees that a build won't: a published article pointing at one held back.

A check reads drafts and articles dated in the future too (their problems shouldn't wait for the
day they go live), so links to them resolve there. The build leaves them out: a published
article's link to one is broken on the built site, and its `related` entry naming one is shown
as plain text (warnings, errors under --strict). The check says so at each such place, as the
build will, so that `press check --strict` in a pre-commit hook stops what `press build --strict`
in CI would fail on.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from datetime import datetime

from generator.errors import Problem, warning
from generator.library import Library
from generator.markdown import link_line
from generator.models import Article

_HINT = "publish that article first, or add the link once it is live"


def held_back_links(library: Library, links: Mapping[str, tuple[str, ...]], now: datetime) -> list[Problem]:
    """`links`: the articles each article's body links to (see bodies.Bodies)."""
    held = {a.id: _why(a) for a in library.articles if a.draft or a.date > now}
    if not held:
        return []
    problems = []
    for article in library.articles:
        if article.id in held:
            continue  # held back itself: published later, with what it links to, or together
        for target in links.get(article.id, ()):
            if target in held:
                problems.append(_body_link(article, target, held[target]))
        for ref in library.editorial.get(article.id, ()):
            if ref.article_id in held:
                line = article.line_of_entry("related", ref.text)
                message = (
                    f"related entry {ref.text!r} is {held[ref.article_id]}: the build leaves it out, "
                    "so it is shown as plain text until that article is live"
                )
                problems.append(warning(f"content/{article.id}", line, "related", message, _HINT))
    return problems


def _body_link(article: Article, target: str, why: str) -> Problem:
    line = link_line(article.body, article.body_line, posixpath.basename(target))
    message = f"link to {target!r}, {why}: the build leaves it out, so the link is broken until it is live"
    return warning(f"content/{article.id}", line, None, message, _HINT)


def _why(article: Article) -> str:
    if article.draft:
        return "a draft"
    return f"dated {article.date.date().isoformat()}, in the future"
