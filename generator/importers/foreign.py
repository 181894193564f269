"""What the Hugo and Jekyll importers share: their files, their dates, their links, their leftovers.

Both are Markdown with front matter (YAML, or TOML for Hugo), both write dates loosely
('2014-07-01 10:00:02 -0400'), both link between posts with a template tag we turn into a
relative `.md` link, and both have tags we cannot convert: those stay in the text, and each is
listed as a warning with its file and line, so nothing disappears silently.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from generator.errors import Problem, error, warning
from generator.importers.archive import Document, Harvest, relative_link, unique
from generator.read import (
    Invalid,
    template_value,
    to_aliases,
    to_datetime,
    to_image,
    to_text,
    to_text_list,
    to_url,
)
from generator.slugs import clean_slug, slug_problem, slugify
from generator.source import decode, split

_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
FILE_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
# Block-level tags: a paragraph starting with one is raw HTML, where Markdown links are not read.
_BLOCK_TAG = re.compile(
    r"^\s*<(?:address|article|aside|blockquote|dd|details|div|dl|dt|figure|footer|form|h[1-6]|header|hr|"
    r"li|main|nav|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul|iframe|script|style)\b",
    re.I,
)


@dataclass
class Source:
    """One file of the other generator: front matter, body, and where things are in the file."""

    path: str  # shown in the report
    rel: str  # relative to the other generator's content root (posix)
    meta: dict[str, Any]
    body: str
    body_line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    def get(self, *keys: str) -> Any:
        """A front-matter value by any of its spellings (Hugo keys are case-insensitive)."""
        lowered = {str(k).lower(): k for k in self.meta}
        for key in keys:
            if key in lowered and self.meta[lowered[key]] not in (None, "", []):
                return self.meta[lowered[key]]
        return None

    def line(self, key: str) -> int | None:
        lowered = {k.lower(): v for k, v in self.key_lines.items()}
        return lowered.get(key)


def read_source(data: bytes, path: str, rel: str) -> tuple[Source | None, list[Problem]]:
    """YAML (`---`), TOML (`+++`) or JSON (`{`) front matter, as Hugo reads them, or none at all;
    bad input is a located error."""
    text, problems = decode(data, path)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [error(path, 1, None, "file is empty", "delete it, or give it front matter and a body")]
    blank = re.match(r"(?:[ \t]*\n)*", text)
    skipped = text.count("\n", 0, blank.end()) if blank else 0
    if text[blank.end() if blank else 0 :].startswith(("---", "+++", "{")):
        text = text[blank.end() if blank else 0 :]  # Hugo reads front matter after blank lines too
    else:
        skipped = 0
    if text.startswith("+++"):
        source, problems = _toml(text, path, rel)
    elif text.startswith("{"):
        source, problems = _json(text, path, rel)
    else:
        src, problems = split(text, path, require=False, as_written=True)  # 'title: 3.10' stays 3.10
        source = src and Source(path, rel, src.meta, src.body, src.body_line, src.key_lines)
    if skipped:
        problems = [replace(p, line=p.line + skipped) if p.line else p for p in problems]
        if source:
            source.body_line += skipped
            source.key_lines = {k: v + skipped for k, v in source.key_lines.items()}
    return source, problems


def _toml(text: str, path: str, rel: str) -> tuple[Source | None, list[Problem]]:
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "+++"), None)
    if end is None:
        return None, [error(path, 1, None, "TOML front matter is not closed", "add a line '+++'")]
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) + 1 if found else 1
        hint = "quote text values and close every bracket; see https://toml.io"
        return None, [error(path, line, None, f"invalid TOML: {exc}", hint)]
    key_lines = {}
    for number, raw in enumerate(lines[1:end], start=2):
        match = re.match(r"^\s*([A-Za-z0-9_-]+)\s*=", raw)
        if match:
            key_lines.setdefault(match.group(1), number)
    meta = {k: _plain(v) for k, v in meta.items()}
    return Source(path, rel, meta, "\n".join(lines[end + 1 :]), end + 2, key_lines), []


def _json(text: str, path: str, rel: str) -> tuple[Source | None, list[Problem]]:
    """Hugo's JSON front matter: one object at the top of the file, the body after it."""
    try:
        meta, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        hint = "quote every key and text value, separate entries with commas, and close the braces"
        return None, [error(path, exc.lineno, None, f"invalid JSON front matter: {exc.msg}", hint)]
    if not isinstance(meta, dict):
        return None, [error(path, 1, None, "JSON front matter is not an object", "write it as {...}")]
    key_lines = {}
    for number, raw in enumerate(text[:end].split("\n"), start=1):
        match = re.match(r'^\s*"([^"]+)"\s*:', raw)
        if match:
            key_lines.setdefault(match.group(1), number)
    rest = text[end:]
    body_line = text.count("\n", 0, end) + 1
    if rest.startswith("\n"):  # the object's own last line ends there
        rest, body_line = rest[1:], body_line + 1
    return Source(path, rel, meta, rest, body_line, key_lines), []


def _plain(value: Any) -> Any:
    """TOML dates → ISO text, as our own YAML reading keeps them, so both paths agree."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def iso_date(value: Any) -> str | None:
    """A loose date → ISO 8601 text ('2014-07-01 10:00:02 -0400' → '2014-07-01T10:00:02-04:00')."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    match = _DATE.match(str(value).strip())
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        day_part = date(int(year), int(month), int(day)).isoformat()
        if hour is None:
            return day_part
        text = f"{day_part}T{int(hour):02d}:{minute}:{int(second or 0):02d}"
        if offset:
            digits = "00:00" if offset == "Z" else offset[1:].replace(":", "").ljust(4, "0")
            text += "+00:00" if offset == "Z" else f"{offset[0]}{digits[:2]}:{digits[2:4]}"
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return None


def texts(value: Any, split_spaces: bool = False) -> list[str]:
    """A string or list of strings → list of strings; Jekyll also writes 'tags: one two'."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split() if split_spaces else [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and not isinstance(v, (dict, list))]
    return [str(value)]


def safe_slug(value: str) -> str:
    """A slug that is one clean path segment, whatever the other generator allowed."""
    if slug_problem(value):
        return slugify(value)
    return clean_slug(value) or value


def summary_text(value: Any) -> str | None:
    """Summaries are often HTML-escaped ('&mdash;'); v1 summaries are text."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(html.unescape(str(value)).split())
    return text or None


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0]


@dataclass
class Links:
    """Where each source file went, so a link to it can become a relative `.md` link."""

    by_rel: dict[str, str] = field(default_factory=dict)  # source rel path (and spellings) → target
    by_name: dict[str, list[str]] = field(default_factory=dict)  # file name without extension → targets

    def add(self, rel: str, target: str, *spellings: str) -> None:
        for key in (rel, *spellings):
            self.by_rel.setdefault(key.strip("/"), target)
        self.by_name.setdefault(_stem(rel), []).append(target)

    def find(self, candidates: list[str], name: str | None) -> str | None:
        for candidate in candidates:
            key = posixpath.normpath(candidate.strip("/")) if candidate.strip("/") else ""
            if key in self.by_rel:
                return self.by_rel[key]
        named = self.by_name.get(_stem(name or ""), [])
        return named[0] if len(set(named)) == 1 else None


@dataclass
class Planned:
    """An article whose place is known; its body is rewritten once every article's place is."""

    source: Source
    target: str
    meta: dict[str, Any]


def plan(
    src: Source, stem: str, date_keys: tuple[str, ...], hint: str
) -> tuple[Planned | None, list[Problem]]:
    """Title, date and slug, the file-name date (`YYYY-MM-DD-slug`) filling in for a missing one.

    The importer adds the rest of the front matter to `meta`; the target is articles/YYYY/MM/<slug>.md.
    """
    from_name = FILE_DATE.match(stem)
    slug = safe_slug(str(src.get("slug") or (from_name.group(4) if from_name else stem)))
    raw = src.get(*date_keys)
    if raw is None and from_name:
        raw = "-".join(from_name.groups()[:3])
    iso = iso_date(raw) if raw is not None else None
    if iso is None:
        if raw is None:
            message = "no date in front matter or file name"
        else:  # the file name's hint would not help with a date written but wrong
            message = f"{raw!r} is not a date"
            hint = "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS +0000, a real day and time"
        line = next((src.line(k) for k in date_keys if src.line(k)), 1)
        return None, [error(src.path, line, "date", message, hint)]
    problems: list[Problem] = []
    title = src.get("title")
    if title is None:
        title = title_from_slug(slug)
        problems.append(warning(src.path, 1, "title", f"is missing; using {title!r}"))
    meta: dict[str, Any] = {"title": str(title), "date": iso, "slug": slug}
    return Planned(src, f"articles/{iso[:4]}/{iso[5:7]}/{slug}.md", meta), problems


def rewrite_all(
    planned: list[Planned], links: Links, rewrite: Callable[[Planned, Links], BodyRewrite], result: Harvest
) -> None:
    """Every body rewritten now that every link target is known; the link figures added up."""
    for article in planned:
        work = rewrite(article, links)
        result.problems += work.problems
        result.figures["internal links converted"] += work.links
        result.figures["internal links unresolved"] += work.unresolved
        result.documents.append(
            Document(article.source.path, article.target, article.meta, article.source.body)
        )


@dataclass
class BodyRewrite:
    """One body's rewrite: link tags become links; anything else is kept and noted."""

    source: Source
    target: str
    problems: list[Problem] = field(default_factory=list)
    links: int = 0
    unresolved: int = 0

    def line_of(self, text: str, index: int) -> int:
        return self.source.body_line + text.count("\n", 0, index)

    def keep(self, text: str, index: int, what: str) -> None:
        self.problems.append(
            warning(
                self.source.path,
                self.line_of(text, index),
                None,
                f"kept as text: {what}",
                "press has no equivalent; edit the imported article by hand",
            )
        )

    def link(self, text: str, index: int, arg: str, target: str | None, fallback: str) -> str:
        """The relative `.md` link for a resolved target; an unresolved one stays a visible `.md` link."""
        fragment = arg.partition("#")[2]
        if target is not None:
            self.links += 1
            return relative_link(self.target, target, fragment)
        self.unresolved += 1
        self.problems.append(
            warning(
                self.source.path,
                self.line_of(text, index),
                None,
                f"link to {arg!r} matches no imported article; written as {fallback!r}, "
                "which the build reports as a broken link",
                "import the linked page too, or edit the link",
            )
        )
        return fallback + (f"#{fragment}" if fragment else "")


_ANCHOR = re.compile(r"<a\s+(?P<attrs>[^<>]*?)\s*>(?P<text>(?:(?!</?a\b).)*?)</a>", re.S | re.I)
_ATTR = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"')
_BLOCK_OPEN = re.compile(r"<(div|table|ul|ol|dl|blockquote|section|figure|pre)\b", re.I)
_BLOCK_CLOSE = re.compile(r"</(div|table|ul|ol|dl|blockquote|section|figure|pre)\s*>", re.I)
LOCAL_MD = re.compile(r"^(?![a-z][a-z0-9+.-]*:|//|#)[^\s]*\.md(?:#\S*)?$", re.I)
# attributes a Markdown link cannot carry but whose loss changes nothing a reader sees
_HARMLESS = {"rel", "target"}


def _markdown_link(match: re.Match[str]) -> str | None:
    """`<a href="x.md" title="T">text</a>` → `[text](x.md "T")`, or None when it carries more than that."""
    attrs = dict(_ATTR.findall(match.group("attrs")))
    if _ATTR.sub("", match.group("attrs")).strip() or set(attrs) - {"href", "title"} - _HARMLESS:
        return None
    href = attrs.get("href", "")
    if not LOCAL_MD.match(href):
        return None
    title = attrs.get("title", "").replace('"', "'")
    text = match.group("text").replace("[", "\\[").replace("]", "\\]")
    quoted = f' "{title}"' if title else ""
    return f"[{text}]({href}{quoted})"


def markdown_anchors(body: str) -> str:
    """`<a href="x.md">text</a>` → `[text](x.md)` where Markdown reads it, so the build can rewrite it.

    Python-Markdown leaves HTML blocks (a paragraph opening with a block tag, up to its end tag)
    alone and never looks at links inside them; those anchors stay as they are.
    """
    out = []
    depth = 0
    for part in re.split(r"(\n[ \t]*\n)", body):
        inside = depth > 0 or bool(_BLOCK_TAG.match(part))
        if inside:
            depth = max(0, depth + len(_BLOCK_OPEN.findall(part)) - len(_BLOCK_CLOSE.findall(part)))
            out.append(part)
            continue
        out.append(_ANCHOR.sub(lambda m: _markdown_link(m) or m.group(0), part))
    return "".join(out)


_V1_CHECKS: dict[str, Callable[[Any], object]] = {
    "image": to_image,
    "source_url": to_url,
    "related": to_text_list,
    "updated": lambda value: to_datetime(value, UTC),
    "alias": to_aliases,
    "photo": to_text,
}


def keep_extras(src: Source, consumed: set[str], meta: dict[str, Any], problems: list[Problem]) -> None:
    """Keys press does not map are kept (templates see them under `extra`); one that happens to be
    a v1 key with a value v1 refuses is kept under `<key>_original`, with a warning, so it can't
    fail the build."""
    for key, value in src.meta.items():
        name = str(key)
        if name.lower() in consumed or name in meta:
            continue
        check = _V1_CHECKS.get(name)
        try:
            if check is not None:
                check(value)
        except Invalid as exc:
            meta[f"{name}_original"] = value
            problems.append(
                warning(src.path, src.line(name.lower()), name, f"{exc}; kept as {name}_original")
            )
            continue
        meta[name] = template_value(value)  # a number written as one stays one (see read.py)


def title_from_slug(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ").strip().capitalize() or slug


def tag_names(values: list[str], terms: dict[str, str]) -> list[str]:
    """Taxonomy values are often term slugs; the term's page gives its display name."""
    return unique(terms.get(v, terms.get(slugify(v), v)) for v in values)
