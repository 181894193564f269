"""Markdown bodies of a whole library → HTML, summaries, and the internal-link graph.

Needs the library (link targets are article URLs), so it runs after it; the links it finds
are also a signal for the related-articles graph.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field

from generator.errors import Problem, warning
from generator.library import Library
from generator.markdown import LinkContext, MarkdownRenderer, internal_target, link_line
from generator.models import Article
from generator.urls import Urls


@dataclass
class Bodies:
    html: dict[str, str] = field(default_factory=dict)  # source id → HTML
    summaries: dict[str, str] = field(default_factory=dict)  # article id → plain text
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)  # article id → linked article ids
    problems: list[Problem] = field(default_factory=list)


def link_targets(library: Library, urls: Urls) -> dict[str, str]:
    """Every content id a `.md` link may point at → the href it becomes."""
    targets = {aid: urls.href(url) for aid, url in library.url.items()}
    targets.update({pid: urls.href(url) for pid, url in library.page_url.items()})
    for slug, entry in library.authors.items():
        if entry.profile:
            targets[entry.profile.id] = urls.href(Urls.author(slug))
    return targets


@dataclass
class ArticleBody:
    """One article's Markdown, rendered; `used` is what it depends on besides its own text."""

    html: str
    summary: str
    links: tuple[str, ...]
    problems: list[Problem]
    used: dict[str, str | None]  # content id each `.md` link names → the href it got (None: broken)


def render_article(
    renderer: MarkdownRenderer, article: Article, targets: Mapping[str, str], known: Container[str]
) -> ArticleBody:
    """Body HTML, summary, linked articles and broken-link warnings of one article."""
    context = LinkContext(article.id, targets)
    html = renderer.render(article.body, context)
    used: dict[str, str | None] = {t: targets.get(t) for t in context.found}
    problems = []
    for href in dict.fromkeys(context.broken):
        target = internal_target(article.id, href)
        used[target[0] if target else href] = None
        problems.append(
            warning(
                f"content/{article.id}",
                link_line(article.body, article.body_line, href),
                None,
                f"broken internal link {href!r}: no such article",
                "link to the other article's .md file with a relative path",
            )
        )
    return ArticleBody(
        html=html,
        summary=article.summary or renderer.summary(article.body),
        links=tuple(dict.fromkeys(t for t in context.found if t in known)),
        problems=problems,
        used=used,
    )


def render_bodies(library: Library, urls: Urls, sanitize: Callable[[str], str] | None = None) -> Bodies:
    renderer = MarkdownRenderer(sanitize)
    targets = link_targets(library, urls)
    bodies = Bodies()
    for article in library.articles:
        body = render_article(renderer, article, targets, library.by_id)
        bodies.html[article.id] = body.html
        bodies.summaries[article.id] = body.summary
        bodies.links[article.id] = body.links
        bodies.problems += body.problems
    for entry in library.authors.values():
        if entry.profile and entry.profile.body.strip():
            bodies.html[entry.profile.id] = renderer.render(
                entry.profile.body, LinkContext(entry.profile.id, targets)
            )
    for page in library.pages:
        bodies.html[page.id] = renderer.render(page.body, LinkContext(page.id, targets))
    return bodies
