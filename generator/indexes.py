"""Index pages: one generic group-and-paginate, used for dates, authors and tags.

An index is a titled list of article ids at a URL; pagination and links to neighbouring
groups (the previous and next month, say) are the same whatever the grouping.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass

from generator.library import Library
from generator.urls import Urls


@dataclass(frozen=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True)
class IndexPage:
    kind: str  # year, month, day, author, tag
    key: str  # the group's slug or date, e.g. "2012-12"
    title: str
    first_url: str
    url: str
    number: int
    pages: int
    article_ids: tuple[str, ...]
    total: int
    prev_page: str | None = None
    next_page: str | None = None
    older: Link | None = None  # the neighbouring group before this one
    newer: Link | None = None

    def page_numbers(self) -> list[int | None]:
        """The numbers of the pages this one links to, None where a run of them is left out
        (see elided)."""
        return elided(self.number, self.pages)


# Pages linked on each side of the current one, and at each end (Django's elided page range).
ON_EACH_SIDE = 3
ON_ENDS = 2


def elided(number: int, pages: int) -> list[int | None]:
    """Page numbers to link from page `number` of `pages`: the first and last ON_ENDS, the
    ON_EACH_SIDE around this one, None for each run left out between them (never a run of one:
    that page is shown instead).

    Linking every page from every page made an index of P pages P² links: a tag of 584 pages
    at 100,000 articles had 42 KB of page numbers on each of its pages, and they were most of
    the time spent rendering index pages (55 of 100 s); and no reader scans 584 numbers."""
    if pages <= (ON_EACH_SIDE + ON_ENDS) * 2:
        return list(range(1, pages + 1))
    numbers: list[int | None] = []
    if number > 1 + ON_EACH_SIDE + ON_ENDS + 1:
        numbers += [*range(1, ON_ENDS + 1), None, *range(number - ON_EACH_SIDE, number + 1)]
    else:
        numbers += range(1, number + 1)
    if number < pages - ON_EACH_SIDE - ON_ENDS - 1:
        numbers += [
            *range(number + 1, number + ON_EACH_SIDE + 1),
            None,
            *range(pages - ON_ENDS + 1, pages + 1),
        ]
    else:
        numbers += range(number + 1, pages + 1)
    return numbers


@dataclass(frozen=True)
class Group:
    kind: str
    key: str
    title: str
    url: str
    article_ids: tuple[str, ...]  # newest first


def paginate(
    group: Group, per_page: int, older: Link | None = None, newer: Link | None = None
) -> list[IndexPage]:
    ids = group.article_ids
    count = max(1, -(-len(ids) // per_page))
    pages = []
    for number in range(1, count + 1):
        pages.append(
            IndexPage(
                kind=group.kind,
                key=group.key,
                title=group.title,
                first_url=group.url,
                url=Urls.paginated(group.url, number),
                number=number,
                pages=count,
                article_ids=ids[(number - 1) * per_page : number * per_page],
                total=len(ids),
                prev_page=Urls.paginated(group.url, number - 1) if number > 1 else None,
                next_page=Urls.paginated(group.url, number + 1) if number < count else None,
                older=older,
                newer=newer,
            )
        )
    return pages


def paginate_all(groups: list[Group], per_page: int, chronological: bool) -> list[IndexPage]:
    """Paginate every group; chronological groups (sorted oldest first) link to their neighbours."""
    pages: list[IndexPage] = []
    for i, group in enumerate(groups):
        older = newer = None
        if chronological:
            older = Link(groups[i - 1].url, groups[i - 1].title) if i > 0 else None
            newer = Link(groups[i + 1].url, groups[i + 1].title) if i + 1 < len(groups) else None
        pages += paginate(group, per_page, older, newer)
    return pages


def date_groups(library: Library) -> dict[str, list[Group]]:
    """Year, month and day groups, each list oldest first, each group's articles newest first."""
    buckets: dict[str, dict[tuple[int, ...], list[str]]] = {"year": {}, "month": {}, "day": {}}
    for article in reversed(library.articles):
        when = library.local[article.id]
        for kind, key in (
            ("year", (when.year,)),
            ("month", (when.year, when.month)),
            ("day", (when.year, when.month, when.day)),
        ):
            buckets[kind].setdefault(key, []).append(article.id)
    return {
        kind: [_date_group(kind, key, ids) for key, ids in sorted(found.items())]
        for kind, found in buckets.items()
    }


def _date_group(kind: str, key: tuple[int, ...], ids: list[str]) -> Group:
    if kind == "year":
        return Group(kind, f"{key[0]:04d}", str(key[0]), Urls.year(*key), tuple(ids))
    if kind == "month":
        return Group(
            kind,
            f"{key[0]:04d}-{key[1]:02d}",
            f"{calendar.month_name[key[1]]} {key[0]}",
            Urls.month(*key),
            tuple(ids),
        )
    return Group(
        kind,
        f"{key[0]:04d}-{key[1]:02d}-{key[2]:02d}",
        f"{calendar.month_name[key[1]]} {key[2]}, {key[0]}",
        Urls.day(*key),
        tuple(ids),
    )


def author_groups(library: Library) -> list[Group]:
    return [
        Group("author", e.slug, e.name, Urls.author(e.slug), e.article_ids) for e in library.authors.values()
    ]


def tag_groups(library: Library) -> list[Group]:
    return [Group("tag", e.slug, e.name, Urls.tag(e.slug), e.article_ids) for e in library.tags.values()]


def all_index_pages(library: Library, per_page: int) -> list[IndexPage]:
    pages: list[IndexPage] = []
    for groups in date_groups(library).values():
        pages += paginate_all(groups, per_page, chronological=True)
    pages += paginate_all(author_groups(library), per_page, chronological=False)
    pages += paginate_all(tag_groups(library), per_page, chronological=False)
    return pages


@dataclass(frozen=True)
class MonthCount:
    year: int
    month: int
    count: int
    url: str
    label: str


def month_counts(library: Library) -> list[MonthCount]:
    """Every month from the first to the last article, empty months included (the chart needs gaps)."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for when in library.local.values():
        counts[(when.year, when.month)] += 1
    if not counts:
        return []
    first, last = min(counts), max(counts)
    months = []
    year, month = first
    while (year, month) <= last:
        months.append(
            MonthCount(
                year,
                month,
                counts.get((year, month), 0),
                Urls.month(year, month),
                f"{calendar.month_abbr[month]} {year}",
            )
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
