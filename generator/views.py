"""Render contexts built on purpose: what a template may see of an article, an index, the site.

Templates get plain dicts of display-ready values (URLs already through `Urls.href`, dates
already formatted), never internal objects, so a theme can't reach into the build and a
change inside the build can't silently break a theme.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from markupsafe import Markup, escape

from generator.config import Config
from generator.graph import Cards, Edges, drawn_edges, neighbourhood
from generator.indexes import IndexPage, MonthCount
from generator.library import Library
from generator.models import Article, Author, Edge, Image, Related
from generator.pagememo import input_digest, shared
from generator.texts import PackedTexts, unpack
from generator.urls import Urls


def display_date(when: datetime) -> str:
    """Like "December 3, 2012", in English whatever the machine's locale (strftime's %B is the
    locale's, and slow: a build formats tens of thousands of dates)."""
    return f"{MONTHS[when.month - 1]} {when.day}, {when.year}"


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def display_time(when: datetime) -> str:
    hour = when.hour % 12 or 12
    return f"{hour}:{when.minute:02d} {'a.m.' if when.hour < 12 else 'p.m.'} {when.tzname() or ''}".strip()


def drawing(hood: dict[str, Any]) -> Markup:
    """The neighbourhood as inline SVG markup, made here rather than in a template: drawn by Jinja,
    its few dozen numbers and titles were two thirds of the time of rendering an article page.
    A theme can still draw its own from `hood.nodes` and `hood.edges` (see _neighbourhood.html)."""
    size = hood["size"]
    lines = [
        f'  <svg viewBox="0 0 {size} {size}" aria-labelledby="hood-title">',
        '    <title id="hood-title">This article among its related coverage</title>',
    ]
    for e in hood["edges"]:
        lines.append(f'    <line {_ends(e["x1"], e["y1"], e["x2"], e["y2"])} stroke-width="{e["width"]}"/>')
    for n in hood["nodes"]:
        label, href = _node_text(n["title"], n["date"], n["url"])
        hop = n["hop"]
        lines.append(
            f'    <a href="{href}" class="hop{hop}" aria-label="{label}">'
            f"{_circle(n['x'], n['y'], hop)}<title>{label}</title></circle></a>"
        )
    lines.append("  </svg>")
    return Markup("\n".join(lines))


# A drawing's points are those of its layout (graph._layout: the same few dozen for every article
# with as many related ones), so their attributes are written once each: formatting every number
# of every drawing was half the time of drawing them.
@lru_cache(maxsize=4096)
def _ends(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"'


@lru_cache(maxsize=4096)
def _circle(x: float, y: float, hop: int) -> str:
    radius = 9 if hop == 0 else (6 if hop == 1 else 4)
    return f'<circle cx="{x}" cy="{y}" r="{radius}">'


class Kept(dict):  # type: ignore[type-arg]
    """A memo of one kind of view, per article, emptied when it holds `KEPT` of them.

    Each render process makes its own, for the articles its pages show, and that is most of
    them: kept whole, at 100,000 articles they were 0.3 GB in each process by the end of the
    pages, and the pieces they held between the pages' freed ones kept more. Emptied, it is made
    again as the pages go on, mostly for articles shown near each other (related coverage is
    close in time): an archive of up to `KEPT` articles never is."""

    __slots__ = ()

    def __setitem__(self, key: str, value: Any) -> None:
        if len(self) >= KEPT:
            self.clear()
        super().__setitem__(key, value)


KEPT = 25_000


@lru_cache(maxsize=KEPT, typed=True)  # typed: a Markup title is not escaped, an equal str is
def _node_text(title: str, date: str, url: str) -> tuple[str, str]:
    """A node's escaped label and link: an article is drawn on a dozen pages, escaped once."""
    return f"{escape(title)} ({escape(date)})", str(escape(url))


@dataclass(frozen=True)
class Deferred:
    """A context value made only when its page is rendered.

    The page memo decides whether a page changed by fingerprinting its context, and this pickles
    as its function and inputs: a page found unchanged never pays for making the value (an
    article's neighbourhood drawing, its JSON-LD, its unpacked body). `make` must be a
    module-level function of its inputs alone (its code counts in every fingerprint, as the
    generator's does). The renderer makes every Deferred value before a template sees it.
    """

    make: Callable[..., Any]
    inputs: tuple[Any, ...]


def made(view: dict[str, Any]) -> dict[str, Any]:
    """A view with its Deferred values made (views put them at their top level only, so the
    renderer knows where to look without walking every context)."""
    return {k: v.make(*v.inputs) if isinstance(v, Deferred) else v for k, v in view.items()}


def drawn_neighbourhood(article_id: str, edges: Edges, cards: Cards) -> dict[str, Any]:
    hood = neighbourhood(article_id, edges, cards)
    hood["svg"] = drawing(hood)
    return hood


def unpacked_markup(packed: bytes) -> Markup:
    return Markup(unpack(packed))


def script_json(data: Any) -> str:
    """JSON for a <script> block: '<', '>' and '&' escaped so no string can close the script."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def safe_json(data: Any) -> Markup:
    return Markup(script_json(data))


# The fields of an article its page can show (see ViewMaker.article_inputs): not its Markdown or
# line numbers, which the HTML stands for.
_SHOWN_FIELDS = tuple(f.name for f in fields(Article) if f.name not in {"body", "body_line", "lines"})


def _plain(value: Any) -> Any:
    """A value as hashed for a print: a date as its ISO text and zone name (all a page shows of
    it), an image as its fields; pickling either took four times as long."""
    if isinstance(value, datetime):
        return (value.isoformat(), value.tzname())
    if isinstance(value, Image):
        return (value.src, value.caption, value.credit)
    return value


@dataclass
class ViewMaker:
    """Makes views for one build; holds what every view needs so call sites stay short."""

    config: Config
    urls: Urls
    library: Library
    html: Mapping[str, str]  # article id → body HTML
    summaries: dict[str, str]  # article id → plain-text summary
    related: Related
    _teasers: dict[str, dict[str, Any]] = field(default_factory=Kept, repr=False, compare=False)
    _edges: dict[str, list[tuple[str, float]]] = field(default_factory=Kept, repr=False, compare=False)
    _cards: dict[str, tuple[str, str, str]] = field(default_factory=Kept, repr=False, compare=False)
    _neighbours: dict[str, dict[str, str]] = field(default_factory=Kept, repr=False, compare=False)
    _bylines: dict[str, list[dict[str, str]]] = field(default_factory=Kept, repr=False, compare=False)
    # Each article's prints (DIGEST_SIZE bytes) are kept for the whole build, not emptied with the
    # views: an article is listed on its year, month, day, author and tag pages, each kind of them
    # a pass through the archive, and emptied every KEPT articles its print was made again in every
    # pass. At 100,000 articles the index pages' checks were 381 of the 1,280 samples (py-spy) of a
    # one-edit build's render stage, and are 84 now; all of an archive's prints are some 10 MB a
    # process.
    _teaser_prints: dict[str, bytes | None] = field(default_factory=dict, repr=False, compare=False)
    _related_prints: dict[str, bytes | None] = field(default_factory=dict, repr=False, compare=False)
    _links_in: dict[str, tuple[Any, ...]] = field(default_factory=Kept, repr=False, compare=False)

    def site(self) -> dict[str, Any]:
        return {
            "title": self.config.title,
            "description": self.config.description,
            "language": self.config.language,
            "home": self.urls.href("/"),
            "archive": self.urls.href(Urls.archive()),
            "authors": self.urls.href(Urls.authors()),
            "tags": self.urls.href(Urls.tags()),
            "feed": self.urls.href(Urls.feed()),
            "graph": self.urls.href(Urls.graph()),
            "css": self.urls.href(Urls.static("style.css")),
        }

    def when(self, article_id: str) -> datetime:
        return self.library.local[article_id]

    def teaser(self, article_id: str) -> dict[str, Any]:
        """An article as a list entry: headline, link, date, byline, summary (made once per build,
        and shared: an article is listed on its day, month, year, author and tag pages)."""
        if article_id not in self._teasers:
            self._teasers[article_id] = shared(self._teaser(article_id))
        return self._teasers[article_id]

    def _teaser(self, article_id: str) -> dict[str, Any]:
        article = self.library.by_id[article_id]
        when = self.when(article_id)
        return {
            "title": article.title,
            "url": self.urls.href(self.library.url[article_id]),
            "date_iso": when.isoformat(),
            "date": display_date(when),
            "summary": self.summaries.get(article_id, ""),
            "authors": self.bylines(article_id),
        }

    def teaser_print(self, article_id: str) -> bytes | None:
        """A hash of what `teaser(article_id)` is made from (with `urls`, which callers hash once):
        an index page hashes these instead of its teasers (see index_inputs). Kept in step with
        _teaser: a field it shows must come from these inputs."""
        if article_id not in self._teaser_prints:
            authors = [
                (slug, self.library.authors[slug].name) for slug in self.library.article_authors[article_id]
            ]
            self._teaser_prints[article_id] = input_digest(
                "teaser",
                self.library.by_id[article_id].title,
                self.library.url[article_id],
                self.when(article_id),
                self.summaries.get(article_id, ""),
                authors,
            )
        return self._teaser_prints[article_id]

    def bylines(self, article_id: str) -> list[dict[str, str]]:
        """An article's authors as links (made once per build, shown by its page and teaser)."""
        if article_id not in self._bylines:
            self._bylines[article_id] = shared(
                [
                    {"name": self.library.authors[slug].name, "url": self.urls.href(Urls.author(slug))}
                    for slug in self.library.article_authors[article_id]
                ]
            )
        return self._bylines[article_id]

    def tag_links(self, article_id: str) -> list[dict[str, str]]:
        return [
            {"name": self.library.tags[slug].name, "url": self.urls.href(Urls.tag(slug))}
            for slug in self.library.article_tags[article_id]
        ]

    def _neighbour(self, article_id: str | None) -> dict[str, str] | None:
        """An article as a link to it (previous, next, related): made once per article, copied
        per use (a template could change what it is given)."""
        if article_id is None:
            return None
        return dict(self._linked(article_id))

    def _linked(self, article_id: str) -> dict[str, str]:
        """The one link of an article, not to be handed out as is (see _neighbour)."""
        if article_id not in self._neighbours:
            self._neighbours[article_id] = self._link(article_id)
        return self._neighbours[article_id]

    def _link(self, article_id: str) -> dict[str, str]:
        return {
            "title": self.library.by_id[article_id].title,
            "url": self.urls.href(self.library.url[article_id]),
            "date": display_date(self.when(article_id)),
            "date_iso": self.when(article_id).isoformat(),
        }

    def article(self, article: Article, prev_id: str | None, next_id: str | None) -> dict[str, Any]:
        when = self.when(article.id)
        updated = article.updated.astimezone(when.tzinfo) if article.updated else None
        if updated is not None and updated.date() == when.date():
            updated = None
        created = article.created.astimezone(when.tzinfo) if article.created else None  # entered the archive
        editorial = [
            {"title": ref.text, "url": None, "date": None, "date_iso": None}
            if ref.article_id is None
            else {**self._linked(ref.article_id), "title": self.library.by_id[ref.article_id].title}
            for ref in self.library.editorial[article.id]
        ]
        shown = {ref.article_id for ref in self.library.editorial[article.id]}
        computed = [
            {**self._linked(other), "score": round(score, 3), "reasons": reasons}
            for other, score, reasons in self.related.get(article.id, [])
            if other not in shown and other in self.library.by_id
        ]
        canonical = self.urls.absolute(self.library.url[article.id])
        return {
            "id": article.id,
            "title": article.title,
            "url": self.urls.href(self.library.url[article.id]),
            "canonical": canonical,
            "date_iso": when.isoformat(),
            "date": display_date(when),
            "time": display_time(when),
            "updated_iso": updated.isoformat() if updated else None,
            "updated": display_date(updated) if updated else None,
            "created_iso": created.isoformat() if created else None,
            "created": display_date(created) if created else None,
            "authors": self.bylines(article.id),
            "tags": self.tag_links(article.id),
            "summary": self.summaries.get(article.id, ""),
            "image": _image(article, canonical),
            "body": self.body(article.id),
            "source_url": article.source_url,
            "related": editorial,
            "computed_related": computed,
            "neighbourhood": self._neighbourhood(article.id),
            "previous": self._neighbour(prev_id),
            "next": self._neighbour(next_id),
            "extra": article.extra,
            "jsonld": Deferred(safe_json, (self._jsonld(article, when, updated, canonical),)),
        }

    def article_inputs(self, article_id: str, prev_id: str | None, next_id: str | None) -> list[Any] | None:
        """What an article's page (see `article`) is made from, besides `urls` and the site's fields:
        the previous and next articles' links, the article's own inputs, and the print of each
        related article (see related_print), which stands for the neighbourhood drawing. A build
        hashes these to decide whether the page changed, without making its view (see
        Renderer.articles); None when a print can't be made. Kept in step with `article` and
        what it reads of other articles (_linked, _edges_of, _card)."""
        by_id = self.library.by_id
        related = [
            (other, score, why) for other, score, why in self.related.get(article_id, []) if other in by_id
        ]
        prints = [self.related_print(other) for other, _, _ in related]
        if None in prints:
            return None
        return [
            self._link_inputs(prev_id),
            self._link_inputs(next_id),
            self._own_inputs(article_id, related),
            prints,
        ]

    def _own_inputs(self, article_id: str, related: list[Edge]) -> list[Any]:
        """What an article page shows of its own article: its fields, date, URL, names, summary,
        HTML and editorial picks, and its related list as shown (scores to three places) with
        each related article's link."""
        article = self.library.by_id[article_id]
        return [
            [_plain(getattr(article, name)) for name in _SHOWN_FIELDS],
            _plain(self.when(article_id)),
            self.library.url[article_id],
            [(slug, self.library.authors[slug].name) for slug in self.library.article_authors[article_id]],
            [(slug, self.library.tags[slug].name) for slug in self.library.article_tags[article_id]],
            self.summaries.get(article_id, ""),
            self._stored_html(article_id),
            [(ref.text, self._link_inputs(ref.article_id)) for ref in self.library.editorial[article_id]],
            [(round(score, 3), why, self._link_inputs(other)) for other, score, why in related],
        ]

    def related_print(self, article_id: str) -> bytes | None:
        """A hash of what an article page shows of one of its related articles: its link, and
        its related list as the neighbourhood drawing reads it (_edges_of), each article on it by
        its link. Made once per article: an article is drawn on a dozen pages, and
        related coverage is often far apart in time, in other render processes' batches."""
        if article_id not in self._related_prints:
            self._related_prints[article_id] = input_digest(
                "related",
                self._link_inputs(article_id),
                [(score, self._link_inputs(other)) for other, score in self._edges_of(article_id)],
            )
        return self._related_prints[article_id]

    def _link_inputs(self, article_id: str | None) -> tuple[Any, ...] | None:
        """What an article's link and drawing card are made from (see _link, _card)."""
        if article_id is None:
            return None
        if article_id not in self._links_in:
            title, url = self.library.by_id[article_id].title, self.library.url[article_id]
            self._links_in[article_id] = (article_id, title, url, _plain(self.when(article_id)))
        return self._links_in[article_id]

    def body(self, article_id: str) -> Markup | Deferred:
        """An article's HTML, unpacked only if its page is rendered."""
        stored = self._stored_html(article_id)
        return Deferred(unpacked_markup, (stored,)) if isinstance(stored, bytes) else Markup(stored)

    def _stored_html(self, source_id: str) -> bytes | str:
        """A body's HTML as held: packed bytes when bodies are kept packed (equal bytes, equal
        HTML: fingerprints need not unpack it), else the text."""
        packed = self.html.packed(source_id) if isinstance(self.html, PackedTexts) else None
        return packed if packed is not None else self.html.get(source_id, "")

    def _neighbourhood(self, article_id: str) -> Deferred | None:
        """The drawing's inputs: the related lists of the article and of each of its related ones,
        and how each article they name is shown (see graph.neighbourhood)."""
        if not self.related.get(article_id):
            return None
        edges = drawn_edges(article_id, self._edges_of)
        cards: Cards = {article_id: self._card(article_id)}
        for listed in edges.values():
            for other, _ in listed:
                cards[other] = self._card(other)
        return Deferred(drawn_neighbourhood, (article_id, edges, cards))

    def _edges_of(self, article_id: str) -> list[tuple[str, float]]:
        """An article's related ids and scores as the drawing uses them: scores to three places,
        as the related list shows them. An edit that adds words moves the weights of every text
        sharing them, and the sixth place of hundreds of scores; the drawings don't change, and
        their pages aren't rendered again for it."""
        if article_id not in self._edges:
            by_id = self.library.by_id
            listed = self.related.get(article_id, [])
            self._edges[article_id] = [
                (other, round(score, 3)) for other, score, _ in listed if other in by_id
            ]
        return self._edges[article_id]

    def _card(self, article_id: str) -> tuple[str, str, str]:
        if article_id not in self._cards:
            self._cards[article_id] = (
                self.library.by_id[article_id].title,
                self.when(article_id).date().isoformat(),
                self.urls.href(self.library.url[article_id]),
            )
        return self._cards[article_id]

    def _jsonld(
        self, article: Article, when: datetime, updated: datetime | None, canonical: str
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": when.isoformat(),
            "dateModified": (updated or when).isoformat(),
            "mainEntityOfPage": canonical,
            "author": [
                {"@type": "Person", "name": b["name"], "url": self.urls.absolute(Urls.author(slug))}
                for b, slug in zip(
                    self.bylines(article.id), self.library.article_authors[article.id], strict=True
                )
            ],
            "publisher": self._publisher(),
        }
        if not data["author"]:  # no byline: the publication is the author, as in the feeds
            data["author"] = [self._publisher()]
        if self.summaries.get(article.id):
            data["description"] = self.summaries[article.id]
        if article.image and article.image.src:
            data["image"] = urljoin(canonical, article.image.src)
        if article.tags:
            data["keywords"] = [self.library.tags[s].name for s in self.library.article_tags[article.id]]
        return data

    def _publisher(self) -> dict[str, str]:
        return {"@type": "Organization", "name": self.config.title, "url": self.urls.absolute("/")}

    def index_inputs(self, page: IndexPage) -> tuple[Any, ...] | None:
        """What `index(page)` is made from, besides `urls`: the page (its articles, numbers and
        neighbours), its author's profile, and its teasers' inputs. A build hashes these to
        decide whether the page changed, without making its view (see Renderer.indexes); None
        when a teaser's inputs can't be hashed."""
        profile = self._profile_of(page)
        shown = None
        if profile is not None:
            shown = (profile.bio, profile.photo, profile.links, self._stored_html(profile.id))
        teasers = [self.teaser_print(i) for i in page.article_ids]
        return None if None in teasers else (page, shown, teasers)

    def _profile_of(self, page: IndexPage) -> Author | None:
        return self.library.authors[page.key].profile if page.kind == "author" else None

    def index(self, page: IndexPage) -> dict[str, Any]:
        href = self.urls.href
        profile = None
        entry = self._profile_of(page)
        if entry is not None:
            profile = {
                "bio": entry.bio,
                "photo": entry.photo,
                "links": [{"name": n, "url": u} for n, u in entry.links],
                "body": Markup(self.html.get(entry.id, "")),
            }
        return {
            "kind": page.kind,
            "title": page.title,
            "url": href(page.url),
            "canonical": self.urls.absolute(page.url),
            "number": page.number,
            "pages": page.pages,
            "total": page.total,
            "articles": [self.teaser(i) for i in page.article_ids],
            "prev_page": href(page.prev_page) if page.prev_page else None,
            "next_page": href(page.next_page) if page.next_page else None,
            "older": {"url": href(page.older.url), "label": page.older.label} if page.older else None,
            "newer": {"url": href(page.newer.url), "label": page.newer.label} if page.newer else None,
            "profile": profile,
            "feed": href(Urls.author_feed(page.key)) if page.kind == "author" else None,
            "page_links": self._page_links(page),
        }

    def _page_links(self, page: IndexPage) -> list[dict[str, Any]]:
        """Links to the pages of an index around this one (see indexes.elided); a number of None
        stands for the pages left out."""
        return [
            {"number": n, "url": None if n is None else self.urls.href(Urls.paginated(page.first_url, n))}
            for n in page.page_numbers()
        ]

    def archive(self, months: list[MonthCount]) -> dict[str, Any]:
        years: dict[int, dict[str, Any]] = {}
        for m in months:
            year = years.setdefault(
                m.year, {"year": m.year, "url": self.urls.href(Urls.year(m.year)), "count": 0, "months": []}
            )
            year["count"] += m.count
            if m.count:
                year["months"].append({"label": m.label, "url": self.urls.href(m.url), "count": m.count})
        return {
            "years": sorted(years.values(), key=lambda y: -y["year"]),
            "chart": bar_chart(months, self.urls),
            "total": sum(m.count for m in months),
        }


def _image(article: Article, page: str) -> dict[str, str | None] | None:
    """`url`: the image's full URL, resolved against the article's page as a browser resolves
    its <img> (og:image and JSON-LD must name a full URL; `src` as written is `/images/x.jpg`
    or `x.jpg`, which crawlers can't place)."""
    if article.image is None:
        return None
    src = article.image.src
    return {
        "src": src,
        "url": urljoin(page, src) if src else None,
        "caption": article.image.caption,
        "credit": article.image.credit,
    }


def bar_chart(months: list[MonthCount], urls: Urls) -> dict[str, Any]:
    """Geometry of the per-month bar chart (inline SVG, drawn by the template, no JavaScript).

    A fixed-width coordinate system scaled uniformly by the browser: bars share the width, so a
    two-month archive and a forty-year one both fill the chart, and text is never stretched.
    """
    width, height, label_gap = 600.0, 120.0, 32.0
    slot = width / max(len(months), 1)
    peak = max((m.count for m in months), default=0) or 1
    bars = []
    for i, m in enumerate(months):
        h = round(m.count / peak * height, 1)
        bars.append(
            {
                "x": round(i * slot, 2),
                "y": round(height - h, 1),
                "width": round(max(slot * 0.8, 0.5), 2),
                "height": h,
                "label": f"{m.label}: {m.count}",
                "url": urls.href(m.url),
                "count": m.count,
            }
        )
    starts = [(b["x"], m.year) for b, m in zip(bars, months, strict=True) if m.month == 1 or b is bars[0]]
    years, last = [], -label_gap
    for x, year in starts:
        if x - last >= label_gap:
            years.append({"x": x, "label": str(year)})
            last = x
    return {"width": width, "height": height, "bars": bars, "years": years, "peak": peak}
