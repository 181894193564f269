"""Raw article text (the scraped pages in seeds/) → v1 articles.

A document reads, top to bottom: `# headline`, a byline `By [Name](#)`, a dateline, a lead-image
caption ending in a bold photo credit, body paragraphs, a "Related articles" list of titles and
an `Original url:` line. Scraped text varies, so every part but the headline and a date is
optional, and each part is recognised by its own small function. The body is kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.errors import Problem, error
from generator.importers.archive import Document, Harvest, unique
from generator.slugs import slugify
from generator.source import decode

SUFFIXES = (".txt", ".md", ".markdown")
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_TIME = r"(?:\s*(?:,|\||at|-|—)?\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[ap]\.?m\.?)?)?"
_DATELINES = [
    re.compile(rf"^{_WEEKDAY}(?P<month>[a-z]+)\.?\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}}){_TIME}$", re.I),
    re.compile(rf"^{_WEEKDAY}(?P<day>\d{{1,2}})\s+(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{{4}}){_TIME}$", re.I),
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>\d\d)(?:[T ](?P<hour>\d\d):(?P<minute>\d\d))?$"),
]
_HEADLINE = re.compile(r"^#\s+(.+?)\s*#*$")
_BYLINE = re.compile(r"^by\s+(.+)$", re.I)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_NAME_SPLIT = re.compile(r"\s*(?:,\s*and\s+|,|\s+and\s+|&|/|\|)\s*")
_CREDIT = re.compile(r"^(?P<caption>.*?)\s*\*\*(?P<credit>[^*]+)\*\*\s*$", re.S)
_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)[^)]*\)$")
_RELATED = re.compile(r"^#{0,6}\s*[*_]*\s*related(?: articles| stories| coverage)?\s*:?\s*[*_]*\s*:?$", re.I)
_ITEM = re.compile(r"^\s*[-*+]\s+(.+)$")
_ORIGINAL = re.compile(r"^original\s+url\s*:\s*(.*)$", re.I)
_URL = re.compile(r"^<?(https?://[^\s>]+)>?$")
_PUBLISHER_ID = re.compile(r"-(?:[a-z]\d{3,}|\d{5,})$")
_PAGE_SUFFIX = re.compile(r"\.(?:html?|php|aspx?)$", re.I)


@dataclass(frozen=True)
class Block:
    """A paragraph: its first and last line numbers (1-based, in the file) and its text."""

    first: int
    last: int
    text: str


def blocks(text: str) -> list[Block]:
    out: list[Block] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            out.append(Block(start, number - 1, "\n".join(current).strip()))
            current = []
    if current:
        out.append(Block(start, start + len(current) - 1, "\n".join(current).strip()))
    return out


def parse_names(text: str) -> list[str]:
    """'[A](#) and [B](#)', 'A, B and C', 'Reuters / AP' → names, in order."""
    links = _LINK.findall(text)
    if links:
        rest = _LINK.sub("", text)
        if not re.sub(r"(?:,|\band\b|&|/|\|)", "", rest).strip():
            return unique(n for link in links for n in _NAME_SPLIT.split(link))
        text = _LINK.sub(lambda m: m.group(1), text)
    return unique(_NAME_SPLIT.split(text))


def parse_dateline(text: str) -> tuple[str | None, str | None]:
    """A dateline → (ISO date or date-time, None), or (None, why it is not a valid date)."""
    line = " ".join(text.split())
    for pattern in _DATELINES:
        match = pattern.match(line)
        if not match:
            continue
        parts = match.groupdict()
        month = parts["month"]
        number = int(month) if month.isdigit() else MONTHS.get(month.lower())
        if number is None:
            return None, f"unknown month {month!r}"
        try:
            day = date(int(parts["year"]), number, int(parts["day"]))
        except ValueError as exc:
            return None, f"{line!r} is not a real date ({exc})"
        if not parts.get("hour"):
            return day.isoformat(), None
        hour, ampm = int(parts["hour"]), (parts.get("ampm") or "").lower()
        if ampm:
            hour = hour % 12 + (12 if ampm.startswith("p") else 0)
        if hour > 23 or int(parts["minute"]) > 59:
            return None, f"{line!r} has an impossible time"
        return f"{day.isoformat()}T{hour:02d}:{parts['minute']}:00", None
    return None, None


def slug_from_url(url: str) -> str | None:
    """The URL's last path segment without the publisher's trailing id: '...-turkey-a19907' → '...-turkey'."""
    segments = [s for s in _decoded(urlsplit(url).path).split("/") if s]
    if not segments:
        return None
    stem = _PAGE_SUFFIX.sub("", segments[-1])
    stem = _PUBLISHER_ID.sub("", stem) or stem
    return slugify(stem)


def _decoded(path: str) -> str:
    """A URL path as text: '/%D0%BF%D1%83' → '/пу', as the publisher's server read it, so the slug
    is made of the words, not of their escapes ('d0-bf-d1-83'). Escapes of bytes that are not
    UTF-8 (an old cp1251 site's) are kept, and the build says what to do about such an alias."""
    try:
        return unquote(path, errors="strict")
    except UnicodeDecodeError:
        return path


class Unreadable(ValueError):
    def __init__(self, line: int, message: str, hint: str | None = None):
        super().__init__(message)
        self.line = line
        self.hint = hint


def _header(parts: list[Block], meta: dict[str, object]) -> int:
    """Byline and dateline, in either order, right after the headline; returns blocks consumed."""
    used = 0
    for block in parts[:2]:
        if "date" not in meta:
            iso, why = parse_dateline(block.text)
            if why:
                raise Unreadable(block.first, f"dateline: {why}", "write the date like 'December 3, 2012'")
            if iso:
                meta["date"] = iso
                used += 1
                continue
        byline = _BYLINE.match(block.text)
        if "authors" not in meta and (byline or _only_links(block.text)):
            meta["authors"] = parse_names(byline.group(1) if byline else block.text)
            used += 1
            continue
        break
    return used


def _only_links(text: str) -> bool:
    """An agency byline is often just a link, without 'By': '[Reuters](#)'."""
    return bool(_LINK.search(text)) and not re.sub(r"(?:,|\band\b|&|/|\|)", "", _LINK.sub("", text)).strip()


def _image(parts: list[Block], meta: dict[str, object]) -> int:
    """An optional image line, then a caption paragraph ending in a bold credit."""
    used = 0
    image: dict[str, str] = {}
    if parts and (picture := _IMAGE.match(parts[0].text)):
        image["src"] = picture.group("src")
        used = 1
    if len(parts) > used + 1 and (credit := _CREDIT.match(parts[used].text)):
        if credit.group("caption").strip():
            image["caption"] = " ".join(credit.group("caption").split())
        image["credit"] = credit.group("credit").strip()
        used += 1
    if image:
        meta["image"] = image
    return used


def _tail(parts: list[Block], meta: dict[str, object]) -> int:
    """'Related articles' list and 'Original url:' at the end; returns where the body stops."""
    end = len(parts)
    for index in range(len(parts) - 1, -1, -1):
        original = _ORIGINAL.match(parts[index].text.split("\n")[0])
        if original:
            rest = original.group(1).strip() or (parts[index + 1].text if index + 1 < len(parts) else "")
            url = _URL.match(rest.strip())
            if not url:
                raise Unreadable(parts[index].first, "'Original url:' is not followed by an http(s) URL")
            meta["source_url"] = url.group(1)
            end = index
            break
    for index in range(end - 1, -1, -1):
        if _RELATED.match(parts[index].text.split("\n")[0]):
            titles = [_ITEM.match(line) for block in parts[index:end] for line in block.text.split("\n")]
            meta["related"] = unique(_LINK.sub(lambda m: m.group(1), t.group(1)) for t in titles if t)
            return index
    return end


def parse(text: str) -> tuple[dict[str, object], str]:
    """Raw text → (front matter, body); raises Unreadable with the line to look at."""
    parts = blocks(text)
    if not parts:
        raise Unreadable(1, "document is empty")
    headline = _HEADLINE.match(parts[0].text)
    if not headline or "\n" in parts[0].text:
        raise Unreadable(parts[0].first, "no headline", "start the document with a line '# Headline'")
    meta: dict[str, object] = {"title": headline.group(1)}
    position = 1 + _header(parts[1:], meta)
    after_header = parts[position].first if position < len(parts) else parts[-1].last + 1
    position += _image(parts[position:], meta)
    end = _tail(parts[position:], meta) + position
    body_parts = parts[position:end]
    lines = text.split("\n")
    body = "\n".join(lines[body_parts[0].first - 1 : body_parts[-1].last]) if body_parts else ""
    if "date" not in meta:
        found = re.search(r"/(\d{4})/(\d{2})/(\d{2})/", str(meta.get("source_url", "")))
        if not found:
            hint = "add the date under the byline, like 'December 3, 2012'"
            raise Unreadable(after_header, "no dateline", hint)
        meta["date"] = "-".join(found.groups())
    return meta, body


def to_document(meta: dict[str, object], body: str, source: str) -> Document:
    """Front matter as the v1 format wants it, at articles/YYYY/MM/<slug>.md."""
    url = meta.get("source_url")
    slug = (slug_from_url(str(url)) if url else None) or slugify(str(meta["title"]))
    if url:
        path = _decoded(urlsplit(str(url)).path).rstrip("/")
        if path:
            meta["aliases"] = [path]
    iso = str(meta["date"])
    target = f"articles/{iso[:4]}/{iso[5:7]}/{slug}.md"
    return Document(source, target, meta, body)


def sources(src: Path) -> list[Path]:
    if src.is_file():
        return [src]
    return sorted(
        p
        for p in src.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith((".", "_")) for part in p.relative_to(src).parts)
    )


def read_one(path: Path, shown: str) -> tuple[Document | None, list[Problem]]:
    text, problems = decode(path.read_bytes(), shown)
    if text is None:
        return None, problems
    try:
        meta, body = parse(text)
    except Unreadable as exc:
        return None, [error(shown, exc.line, None, str(exc), exc.hint)]
    return to_document(meta, body, shown), []


def harvest(src: Path) -> Harvest:
    """Every document under SRC (or SRC itself), read one by one: one bad document fails alone."""
    result = Harvest()
    for path in sources(src):
        document, problems = read_one(path, str(path))
        result.problems += problems
        if document:
            result.documents.append(document)
    return result
