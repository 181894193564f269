"""Markdown bodies of a whole library → HTML, summaries, and the internal-link graph.

Needs the library (link targets are article URLs), so it runs after it; the links it finds
are also a signal for the related-articles graph.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field

from generator.cache import Shelf, key
from generator.errors import Problem, warning
from generator.library import Library
from generator.markdown import (
    Draft,
    LinkContext,
    MarkdownRenderer,
    fill_with,
    internal_target,
    link_line,
    resolve_links,
)
from generator.models import Article
from generator.parallel import EarlyWorkers, finer_tail, ordered_map, quarters, spans
from generator.texts import PackedTexts, SharedTexts, level_for, pack, unpack
from generator.urls import Urls


@dataclass
class Bodies:
    html: MutableMapping[str, str] = field(default_factory=PackedTexts)  # source id → HTML
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


# A body's draft, packed: compressed HTML with link placeholders, token, hrefs, shown hrefs,
# the summary made from the body (None when the article has its own), and what its raw HTML
# leaves unbalanced (see rawhtml.py).
Drafted = tuple[bytes, str, tuple[str, ...], tuple[str, ...], str | None, tuple[str, ...]]


@dataclass(frozen=True)
class Markdown:
    """Every Markdown text of a library, in one buffer (see texts.SharedTexts): the articles' in
    library order, then the author profiles' and the pages'. The build takes them out of the
    articles, and the processes that convert and compare them read them from here."""

    ids: list[str]  # the source id of each text
    summarise: list[bool]  # whether a summary is made from the text (its article has none)
    texts: SharedTexts
    # The digest of the file each text was read from, where the build knows the text is that
    # file's (None: not known, the text is hashed; see _drafts).
    files: list[bytes | None] = field(default_factory=list)


def markdown_of(
    library: Library, file: int | None = None, files: Mapping[str, bytes] | None = None
) -> Markdown:
    """`file`: where the texts are written, to be shared (see SharedTexts). `files`: the digest of
    each source file whose text the library holds as read from exactly those bytes."""
    articles = library.articles
    profiles = [e.profile for e in library.authors.values() if e.profile and e.profile.body.strip()]
    sources = [*articles, *profiles, *library.pages]
    summarise = [not a.summary for a in articles] + [False] * (len(profiles) + len(library.pages))
    ids = [s.id for s in sources]
    digests = [files.get(i) for i in ids] if files else []
    return Markdown(ids, summarise, SharedTexts((s.body for s in sources), file), digests)


def render_bodies(
    library: Library,
    urls: Urls,
    sanitize: Callable[[str], str] | None = None,
    *,
    markdown: Markdown | None = None,
    cache: Shelf | None = None,
    jobs: int = 1,
    meanwhile: Callable[[], None] | None = None,
    early: EarlyWorkers | None = None,
) -> Bodies:
    """Every body → HTML. Markdown is converted once per text (cached) and in parallel; links are
    filled in afterwards, so an article that moves changes the pages that link to it, nothing more.

    `markdown`: the library's texts, when they were taken out of its articles (markdown_of).
    `meanwhile` is called once, when the workers are under way: this process's work then takes
    its place among the conversions instead of waiting in line before or after them. `early`:
    workers forked before the library was made, to convert with (see parallel.EarlyWorkers;
    they end with this stage, used or not)."""
    markdown = markdown or markdown_of(library)
    targets = link_targets(library, urls)
    bodies = Bodies()
    html = PackedTexts()
    bodies.html = html
    level = level_for(len(markdown.ids))
    filler = _Filler(html, cache or Shelf(None), sanitize, level)
    articles = len(library.articles)  # the first texts (see markdown_of)
    drafted = _drafts(markdown, cache, jobs, level, meanwhile, early)
    for number, (source_id, (draft, draft_key)) in enumerate(zip(markdown.ids, drafted, strict=True)):
        context = LinkContext(source_id, targets)
        if number >= articles:
            if source_id not in html:
                filler.fill(source_id, draft, draft_key, context)
            continue
        article = library.articles[number]
        filler.fill(article.id, draft, draft_key, context)
        bodies.summaries[article.id] = article.summary or draft[4] or ""
        bodies.links[article.id] = tuple(dict.fromkeys(t for t in context.found if t in library.by_id))
        if context.broken or draft[5]:
            text = markdown.texts[number]
            bodies.problems += [broken_link(article, href, text) for href in dict.fromkeys(context.broken)]
            bodies.problems += [unbalanced_html(article, tag, text) for tag in draft[5]]
    return bodies


@dataclass
class _Filler:
    """Stores each body's final HTML. One without links or sanitizing is its draft, kept packed as
    is; the others are kept in the cache by their draft and what their links resolved to, so a
    rebuild neither unpacks nor repacks the thousands of bodies whose links point the same way."""

    html: PackedTexts
    shelf: Shelf
    sanitize: Callable[[str], str] | None
    level: int  # of compression (see texts.level_for)

    def fill(self, source_id: str, drafted: Drafted, draft_key: str, context: LinkContext) -> None:
        data, token, hrefs, shown, _summary, _unbalanced = drafted
        if not hrefs and self.sanitize is None:
            self.html.set_packed(source_id, data)
            return
        values = resolve_links(Draft("", token, hrefs, shown), context)
        entry = key("filled", draft_key, "sanitized" if self.sanitize else "", *values)
        packed = self.shelf.get(entry)
        if packed is None:
            filled = fill_with(Draft(unpack(data), token, hrefs, shown), values, self.sanitize)
            packed = pack(filled, self.level)
            self.shelf.put(entry, packed)
        self.html.set_packed(source_id, packed)


def _drafts(
    markdown: Markdown,
    cache: Shelf | None,
    jobs: int,
    level: int,
    meanwhile: Callable[[], None] | None = None,
    early: EarlyWorkers | None = None,
) -> Iterator[tuple[Drafted, str]]:
    """Each text's draft and its cache key (what the text and the summary request hash to), in
    order: cached where the text was seen before, the rest converted, in parallel when it pays.

    Given as the conversions come back, so the caller fills in each draft's links while the
    workers convert the next ones: filled after the last, 2,083 articles' links kept the other
    core idle for 0.1 s."""
    shelf = cache or Shelf(None)
    texts = markdown.texts
    files = markdown.files or [None] * len(texts)
    keys = [
        _draft_key(texts, at, file, summary, level)
        for at, (file, summary) in enumerate(zip(files, markdown.summarise, strict=True))
    ]
    hits = [shelf.get(k) for k in keys]
    todo = [(at, markdown.summarise[at]) for at, hit in enumerate(hits) if hit is None]
    converted = _converted(texts, todo, jobs, level, meanwhile, early)
    for draft_key, hit in zip(keys, hits, strict=True):
        if hit is None:
            hit = next(converted)
            shelf.put(draft_key, hit)
        yield hit, draft_key
    for _ in converted:  # none left: runs `meanwhile` if no conversion did
        pass


def _draft_key(texts: SharedTexts, at: int, file: bytes | None, summary: bool, level: int) -> str:
    """A draft is a function of its text: known by the digest of the file the text was read from
    (its body is those bytes' body), the text is not hashed again. At 100,000 articles hashing
    half a gigabyte of Markdown, and touching every page of the buffer that holds it, took 1.5 s
    of every build's main process."""
    summarised = "summary" if summary else ""
    if file is not None:
        return key("markdown of file", file, summarised, str(level))
    return key("markdown", texts.encoded(at), summarised, str(level))


def _converted(
    texts: SharedTexts,
    todo: list[tuple[int, bool]],
    jobs: int,
    level: int,
    meanwhile: Callable[[], None] | None = None,
    early: EarlyWorkers | None = None,
) -> Iterator[Drafted]:
    """The drafts of `todo` (each a text's place and whether to make its summary), in order,
    converted by `jobs` processes when there are enough; `meanwhile` is called once the first
    batch is back (the workers have the next ones)."""
    workers = jobs if len(todo) >= PARALLEL_FROM else 1
    size = max(1, min(BATCH, -(-len(todo) // max(1, workers * 4))))
    # Workers inherit the texts and are sent spans of `todo`, not texts: a pickled text would be
    # copied through a pipe, and a str read where it was inherited copies a page of it (see
    # texts.SharedTexts). Early workers are sent the texts once, as the file they are in.
    # Eight batches a process in flight, not three: this process takes back every batch no worker
    # has started, and with three it often left the worker none queued (it idled 0.1 s in all at
    # 2,083 articles). Drafts are small; so is the window.
    batches = list(finer_tail(spans(len(todo), size), lambda span: quarters(*span), 2 * workers))
    state = (texts, todo, level)
    if early is not None and len(early) and workers > 1:
        done = early.map(_convert, state, batches, ahead=8)
    else:
        done = ordered_map(_convert, state, batches, workers, ahead=8)
    if early is not None:
        early.close()  # not needed (or done with)
    for results in done:
        if meanwhile is not None:
            meanwhile()
            meanwhile = None
        yield from results
    if meanwhile is not None:
        meanwhile()


PARALLEL_FROM = 64  # below this, starting workers costs more than it saves
BATCH = 40
_RENDERER: MarkdownRenderer | None = None


def _convert(state: tuple[SharedTexts, list[tuple[int, bool]], int], span: tuple[int, int]) -> list[Drafted]:
    """In a worker (or inline): Markdown → drafts of todo[start:stop], with the summary when the
    article has none, packed at a level of compression."""
    texts, todo, level = state
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = MarkdownRenderer()
    renderer = _RENDERER
    results: list[Drafted] = []
    for at, summary in todo[span[0] : span[1]]:
        text = texts[at]
        draft = renderer.draft(text)
        made = renderer.summary(text) if summary else None
        results.append(
            (pack(draft.html, level), draft.token, draft.hrefs, draft.shown, made, draft.unbalanced)
        )
    return results


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
    """One article's body HTML, summary, linked articles and broken-link warnings (press serve
    re-renders edited articles one by one with this; the build renders all in `render_bodies`)."""
    context = LinkContext(article.id, targets)
    draft = renderer.draft(article.body)
    html = renderer.fill(draft, context)
    problems = [broken_link(article, href, article.body) for href in dict.fromkeys(context.broken)]
    problems += [unbalanced_html(article, tag, article.body) for tag in draft.unbalanced]
    return ArticleBody(
        html=html,
        summary=article.summary or renderer.summary(article.body),
        links=tuple(dict.fromkeys(t for t in context.found if t in known)),
        problems=problems,
        used=links_used(article.id, context, targets),
    )


def links_used(source_id: str, context: LinkContext, targets: Mapping[str, str]) -> dict[str, str | None]:
    """What a body's links were resolved against: each content id they name → the href it gave
    (None: no such article yet). A broken link counts by the id it names, not as written
    (`../articles/2013/01/later.md`): else the body never looked stale once that article came."""
    used: dict[str, str | None] = {t: targets.get(t) for t in context.found}
    for href in dict.fromkeys(context.broken):
        target = internal_target(source_id, href)
        used[target[0] if target else href] = None
    return used


def unbalanced_html(article: Article, tag: str, body: str) -> Problem:
    """Raw HTML that leaves a container open or closes one it never opened: a warning at the
    tag's first line in the body (see rawhtml.py)."""
    name = tag.strip("</>")
    line = link_line(body.lower(), article.body_line, tag[:-1])  # "<table", "</div": its first use
    if tag.startswith("</"):
        message = (
            f"raw HTML closes {tag} without opening it: that closes the page's own element around the body"
        )
        hint = f"remove the {tag}, or add its opening tag in the body"
    else:
        message = f"raw HTML leaves {tag} open: what follows the body on its page lands inside it"
        hint = f"close it with </{name}> in the body"
    return warning(f"content/{article.id}", line, None, message, hint)


def broken_link(article: Article, href: str, body: str) -> Problem:
    """An internal link that resolves to no article: a warning at the link's line of its body."""
    return warning(
        f"content/{article.id}",
        link_line(body, article.body_line, href),
        None,
        f"broken internal link {href!r}: no such article",
        "link to the other article's .md file with a relative path",
    )
