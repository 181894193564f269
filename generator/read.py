"""Source file → Article / Author / Page, every check collected with its line.

Metadata precedence is defaults < file path < front matter, applied through one converter
per key, so each key's rules live in one small function and a wrong value names its key.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from generator.cache import digest_of
from generator.errors import Problem, error, warning
from generator.models import Article, Author, Image, Page
from generator.slugs import clean_slug, slug_problem
from generator.source import MAX_BYTES, Duplicate, NumberText, SourceText, decode, split, too_big


class Invalid(ValueError):
    """A front-matter value that can't be used; the message says why, the hint how to fix it."""

    def __init__(self, message: str, hint: str, item: int | str | None = None):
        """`hint` is required: an error a person can't act on is only half reported."""
        super().__init__(message)
        self.hint = hint
        self.item = item  # the list entry at fault (position or text), to point at its own line


# -- converters: raw YAML value → typed value, or raise Invalid --------------------------------------


def to_text(value: Any) -> str:
    if isinstance(value, (bool, dict, list)) or value is None:
        raise Invalid(f"must be text, got {_type_name(value)}", "write the value as a quoted string")
    text = str(value).strip()
    if not text:
        raise Invalid("must not be empty", "give it a value, or remove the key")
    return text


def to_shown_text(value: Any) -> str:
    """A title, name or summary: entities are decoded once ('AT&amp;T' → 'AT&T', 'one&#58; two'
    → 'one: two'); the result is text, escaped on output. (Archives scraped from HTML carry
    entities in all three: a summary shown 'sponsorship&amp;#58;' on every page that listed it.)"""
    return html.unescape(to_text(value))


def to_text_list(value: Any, item: str = "item") -> tuple[str, ...]:
    """A list of strings; one string is accepted as a list of one (a lone number is not: `tags: 5`
    is more likely a count put under the wrong key than a topic)."""
    if isinstance(value, str) and not isinstance(value, NumberText):
        value = [value]
    if isinstance(value, dict):
        raise Invalid(
            f"must be a list of text, got a mapping ({', '.join(map(str, value))})",
            f"write each {item} as plain text, e.g. [first, second]",
        )
    if not isinstance(value, list):
        raise Invalid(
            f"must be a list of text, got {_type_name(value)} ({_shown(value)})",
            f'write it as a list, quoting numbers: ["{value}"]',
        )
    out = []
    for position, entry in enumerate(value):
        if isinstance(entry, dict):
            raise Invalid(
                f"{item} {position + 1} is a mapping ({', '.join(map(str, entry))}), not text",
                f"write the {item} as plain text",
                position,
            )
        if isinstance(entry, (list, bool)) or entry is None:
            raise Invalid(
                f"{item} {position + 1} must be text, got {_type_name(entry)}",
                f"write each {item} as text, quoted where YAML would read it otherwise ('yes', 'null')",
                position,
            )
        text = html.unescape(str(entry).strip())
        if text and text not in out:
            out.append(text)
    return tuple(out)


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_ISO_HINT = "use ISO 8601: 2012-12-03 or 2012-12-03T14:30:00+04:00"


def to_datetime(value: Any, tz: tzinfo) -> datetime:
    """ISO 8601 date or date-time; a bare date or a naive time is wall time in the site's zone."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        if not _ISO_SHAPE.match(text):
            raise Invalid(f"{text!r} is not an ISO 8601 date", _ISO_HINT)
        try:
            if _DATE_RE.match(text):
                parsed = datetime.combine(date.fromisoformat(text), time())
            else:
                parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError as exc:
            raise Invalid(f"{text!r} is not a real date: {exc}", "check the day and month") from exc
    else:
        raise Invalid(f"must be a date, got {_type_name(value)}", _ISO_HINT)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return _in_range(parsed, value)


# A day inside Python's calendar at each end, so the instant is a valid date-time in every time
# zone (no UTC offset reaches a day): the site's zone, UTC for feeds, a reader's.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)


def _in_range(parsed: datetime, value: Any) -> datetime:
    """`parsed` if it can be shown in any time zone: 0001-01-01T00:00:00+14:00 is an instant of
    year 0 in UTC, which Python can't represent, and would fail the build far from its line."""
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:
        instant = None
    if instant is None or not _EARLIEST <= instant <= _LATEST:
        raise Invalid(
            f"{str(value).strip()!r} is too close to the ends of the calendar (years 1 and 9999) "
            "to be shown in every time zone",
            f"give a date between {_EARLIEST.date()} and {_LATEST.date()} (UTC), or check the year",
        )
    return parsed


def to_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(
            f"must be true or false, got {_type_name(value)} ({_shown(value)})",
            "write true or false, without quotes",
        )
    return value


def to_image(value: Any) -> Image:
    if isinstance(value, str):
        return Image(src=to_link(value))
    if not isinstance(value, dict):
        raise Invalid(
            f"must be a mapping with src, caption, credit; got {_type_name(value)}",
            "write 'image: path/to/photo.jpg', or src:, caption: and credit: on indented lines below it",
        )
    unknown = sorted(map(str, set(value) - {"src", "caption", "credit", "alt"}))  # `~: x` is a key too
    if unknown:
        raise Invalid(f"unknown image key {unknown[0]!r}", "image takes src, caption and credit")
    fields = {k: (to_text(v) if v is not None else None) for k, v in value.items() if k != "alt"}
    if fields.get("src"):
        fields["src"] = to_link(fields["src"])
    return Image(**fields)


def to_slug(value: Any) -> str:
    slug = to_text(value)
    problem = slug_problem(slug)
    if problem:
        raise Invalid(f"{slug!r} {problem}", "a slug is one path segment, like 'my-story'")
    return slug


def to_url(value: Any) -> str:
    url = to_text(value)
    if not re.match(r"^https?://[^\s/]+", url):
        raise Invalid(f"{url!r} is not an http(s) URL", "write the full address, starting with https://")
    return url


def to_aliases(value: Any) -> tuple[str, ...]:
    aliases = to_text_list(value, "alias")
    for alias in aliases:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", alias) or alias.startswith("//"):
            raise Invalid(
                f"alias {alias!r} is an absolute URL",
                "an alias is a path on this site, like /2012/12/old-url",
                alias,
            )
        if ".." in alias.split("/"):
            raise Invalid(f"alias {alias!r} climbs out with '..'", "write the path from the site root", alias)
        if "?" in alias or "#" in alias:
            # A static host answers /story.php?id=5 with the file at /story.php, whatever the
            # query: a page written there would redirect every id to this one article.
            raise Invalid(
                f"alias {alias!r} has a query or fragment, which a static host can't tell apart",
                "give the old path alone, or redirect old query URLs in the web server's own rules",
                alias,
            )
        if "\\" in alias or any(ord(c) < 32 for c in alias):
            raise Invalid(
                f"alias {alias!r} contains a backslash or control character",
                "write the path from the site root with '/'",
                alias,
            )
    return aliases


def template_value(value: Any) -> Any:
    """A value of `extra` as templates get it: a number written in plain decimal (812, -7, 3.5) is
    a number they can compare; the forms only YAML 1.1 reads as numbers (012345, 0x1F, 1_000,
    1:30, .inf) are more likely ids, codes or times than quantities, and stay the text written."""
    if isinstance(value, NumberText):
        if _DECIMAL_INT.fullmatch(value):
            return int(value)
        return float(value) if _DECIMAL_FLOAT.fullmatch(value) else str(value)
    if isinstance(value, list):
        return [template_value(entry) for entry in value]
    if isinstance(value, dict):
        return {template_value(key): template_value(entry) for key, entry in value.items()}
    return value


_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?")


def _shown(value: Any) -> str:
    """A value in a message: a number as written, anything else as Python shows it."""
    return str(value) if isinstance(value, NumberText) else repr(value)


def _type_name(value: Any) -> str:
    if isinstance(value, NumberText):
        return "a number"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        dict: "a mapping",
        list: "a list",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


# -- articles -----------------------------------------------------------------------------------------


def _article_converters(tz: tzinfo) -> dict[str, Callable[[Any], Any]]:
    dates = lambda value: to_datetime(value, tz)  # noqa: E731
    return {
        "title": to_shown_text,
        "date": dates,
        "authors": lambda v: to_text_list(v, "author"),
        "tags": lambda v: to_text_list(v, "tag"),
        "summary": to_shown_text,
        "slug": to_slug,
        "image": to_image,
        "source_url": to_url,
        "aliases": to_aliases,
        "related": lambda v: to_text_list(v, "related entry"),
        "updated": dates,
        "draft": to_bool,
    }


ALIASES = {"author": "authors", "tag": "tags", "alias": "aliases"}
REQUIRED = ("title", "date")


def _convert(
    meta: dict[str, Any],
    converters: dict[str, Callable[[Any], Any]],
    src: SourceText,
    path: str,
    problems: list[Problem],
) -> tuple[dict[str, Any], dict[str, Any]]:
    known: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    given: dict[str, str] = {}  # key → the spelling it was given as ('author' for 'authors')
    for raw_key, value in meta.items():
        key = ALIASES.get(str(raw_key), str(raw_key))
        if key not in converters:
            extra[str(raw_key)] = template_value(value)
            meant = _meant(str(raw_key), value, converters)
            if meant is not None:
                problems.append(_near_miss(str(raw_key), meant, src, path))
            continue
        if value is None or value == "" or value == []:
            continue
        if key in given:
            problems.append(_both_given(given[key], str(raw_key), key, src, path))
            continue
        given[key] = str(raw_key)
        try:
            known[key] = converters[key](value)
        except Invalid as exc:
            line = src.key_lines.get(f"{raw_key}[{exc.item}]") or src.key_lines.get(str(raw_key))
            problems.append(error(path, line, str(raw_key), str(exc), exc.hint))
    return known, extra


def _meant(name: str, value: Any, converters: dict[str, Callable[[Any], Any]]) -> str | None:
    """The known key an unknown one was most likely meant to be: the same but for case, '-' or a
    space ('Draft', 'source-url'), or a close spelling ('autors', 'slgu') whose value that key takes.
    The value test keeps a key of the site's own, such as a gallery's 'images: [...]' beside
    'image', from being flagged; an unknown key is kept in `extra` for templates, not an error."""
    known = [*converters, *(written for written, key in ALIASES.items() if key in converters)]
    folded = re.sub(r"[-\s]+", "_", name.strip().casefold())
    if folded in known:
        return folded
    transposed = [key for key in known if sorted(key) == sorted(folded)]  # 'slgu': short keys' ratio is low
    close = transposed or difflib.get_close_matches(folded, known, n=1, cutoff=0.8)
    if not close or value is None:
        return None
    try:
        converters[ALIASES.get(close[0], close[0])](value)
    except Invalid:
        return None
    return close[0]


def _near_miss(name: str, meant: str, src: SourceText, path: str) -> Problem:
    """A warning, as the key may be the site's own; `--strict` makes it an error. 'Draft: true'
    kept in extra publishes an embargoed story, 'autors' leaves it without a byline."""
    return warning(
        path,
        src.key_lines.get(name),
        name,
        f"unknown key {name!r} is kept in extra; did you mean {meant!r}?"
        + (" Keys are case-sensitive." if name.casefold() == meant else ""),
        f"rename it '{meant}'; if it is a key of your own for templates, give it a name less like '{meant}'",
    )


def _both_given(first: str, second: str, key: str, src: SourceText, path: str) -> Problem:
    """'author' and 'authors' both given: one would replace the other, and which is meant (or
    whether both are) can't be known."""
    return error(
        path,
        src.key_lines.get(second),
        second,
        f"given as well as {first!r} (line {src.key_lines.get(first)}): one would replace the other",
        f"put them all under one key, e.g. {key}: [first, second]",
    )


def _given_twice(path: str, duplicate: Duplicate) -> Problem:
    """A key given twice is an error, as YAML 1.2, ruamel.yaml and Hugo's go-yaml make it: which of
    the two values was meant can't be known, and PyYAML would keep the last without a word."""
    name = "" if duplicate.within is None else f"{duplicate.key!r} "
    return error(
        path,
        duplicate.line,
        duplicate.within or duplicate.key,
        f"{name}given twice, on lines {duplicate.first} and {duplicate.line}",
        "keep one of them: YAML keys must be unique",
    )


def digested(file: Path) -> tuple[bytes, bytes] | None:
    """A source's digest and its bytes, read once: a read result counts for the bytes it was read
    from, which the build's cache is keyed by (see build._cached and earlyread.py). None when the
    file can't be read or is over the size limit (reading it then reports why)."""
    try:
        if file.stat().st_size > MAX_BYTES:
            return None
        data = file.read_bytes()
    except OSError:
        return None
    return digest_of(data), data


def read_article(
    content_dir: Path, article_id: str, tz: tzinfo, data: bytes | None = None
) -> tuple[Article | None, list[Problem]]:
    """`data`: the file's bytes, when the caller read them already (to know their digest, see
    earlyread.py)."""
    path = f"content/{article_id}"
    src, problems = _load(content_dir / article_id, path, data)
    if src is None:
        return None, problems
    values, extra = _convert(src.meta, _article_converters(tz), src, path, problems)
    for key in REQUIRED:
        if key not in values and not any(p.key == key for p in problems):
            hint = "add e.g. 'title: My headline'" if key == "title" else "add e.g. 'date: 2012-12-03'"
            line = src.key_lines.get(key, 1)
            message = "is empty" if key in src.key_lines else "is missing"
            problems.append(error(path, line, key, message, hint))
    if "slug" not in values:
        values["slug"] = Path(article_id).stem
    cleaned = clean_slug(values["slug"])
    if cleaned:
        problems.append(
            warning(
                path,
                src.key_lines.get("slug", 1),
                "slug",
                f"{values['slug']!r} is not URL-safe; using {cleaned!r}",
                "use only letters, digits, '-', '_', '.' and '~'",
            )
        )
        values["slug"] = cleaned
    _times_that_exist(values, src, path, tz, problems)
    _updated_after_date(values, src, path, tz, problems)
    if any(p.is_error for p in problems):
        return None, problems
    article = Article(
        id=article_id,
        body=src.body,
        body_line=src.body_line,
        extra=extra,
        lines=_canonical_lines(src.key_lines),
        **values,
    )
    return article, problems


def _times_that_exist(
    values: dict[str, Any], src: SourceText, path: str, tz: tzinfo, problems: list[Problem]
) -> None:
    """A wall time in the hour the site's clocks skip (02:30 on a spring-forward night) is no
    instant there: Python reads it with the offset from before the jump, and the page, feed and
    JSON-LD showed 02:30-05:00, a time that never was. It is taken as the instant it names on the
    clock before the jump (03:30-04:00), with a warning. A time with its own offset is exact."""
    for key in ("date", "updated"):
        when = values.get(key)
        if when is None or when.tzinfo is not tz:  # given with an offset (see to_datetime)
            continue
        real = when.astimezone(UTC).astimezone(tz)
        if real.replace(tzinfo=None) == when.replace(tzinfo=None):
            continue
        values[key] = real
        problems.append(
            warning(
                path,
                src.key_lines.get(key, 1),
                key,
                f"{when:%Y-%m-%d %H:%M} is not a time in {tz} (the clocks skip that hour); "
                f"taken as {real.isoformat(timespec='minutes')}",
                "give the time the clocks showed, or add its UTC offset",
            )
        )


def _updated_after_date(
    values: dict[str, Any], src: SourceText, path: str, tz: tzinfo, problems: list[Problem]
) -> None:
    """An update dated on a day before publication is a mistake (the page would say "Updated"
    with an earlier date, and JSON-LD's dateModified precede datePublished): it is left out, with
    a warning. An update on the publication day is no update to show (see views.py)."""
    updated, published = values.get("updated"), values.get("date")
    if updated is None or published is None:
        return
    if updated.astimezone(tz).date() < published.astimezone(tz).date():
        problems.append(
            warning(
                path,
                src.key_lines.get("updated", 1),
                "updated",
                f"{updated.date().isoformat()} is before the publication date, "
                f"{published.date().isoformat()}; left out",
                "give the date of the last change after publication, or remove the key",
            )
        )
        del values["updated"]


def _canonical_lines(key_lines: dict[str, int]) -> dict[str, int]:
    """Lines under the canonical key names too ('author' written, 'authors' looked up)."""
    lines = dict(key_lines)
    for written, line in key_lines.items():
        name, bracket, rest = written.partition("[")
        if name in ALIASES:
            lines.setdefault(ALIASES[name] + bracket + rest, line)
    return lines


def _load(file: Path, path: str, data: bytes | None = None) -> tuple[SourceText | None, list[Problem]]:
    if data is None:
        try:
            size = file.stat().st_size
            if size > MAX_BYTES:
                return None, [too_big(path, size)]
            data = file.read_bytes()
        except OSError as exc:
            return None, [
                error(
                    path,
                    None,
                    None,
                    f"cannot read file: {exc.strerror}",
                    "check that it is a file press may read (its permissions, its owner)",
                )
            ]
    text, problems = decode(data, path)
    if text is None:
        return None, problems
    src, problems = split(text, path, as_written=True)
    if src is not None:
        problems += [_given_twice(path, duplicate) for duplicate in src.duplicates]
    return src, problems


# -- authors and pages ------------------------------------------------------------------------------


_SAFE_SCHEMES = ("http", "https", "mailto")


def to_link(value: Any) -> str:
    """A URL a reader may follow: web, mail or a path on this site; never `javascript:` or `data:`."""
    url = to_text(value)
    scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    if scheme and scheme.group(1).lower() not in _SAFE_SCHEMES:
        raise Invalid(
            f"{url!r} is a {scheme.group(1)}: URL", "use an https:// address or a path on this site", url
        )
    return url


def _links(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, dict):
        return tuple((to_text(k), to_link(v)) for k, v in value.items())
    if isinstance(value, list):
        pairs = []
        for entry in value:
            if isinstance(entry, dict) and "url" in entry:
                pairs.append((to_text(entry.get("name") or entry["url"]), to_link(entry["url"])))
            else:
                url = to_link(entry)
                pairs.append((url, url))
        return tuple(pairs)
    raise Invalid(
        "must be a mapping of name: url or a list of urls",
        "write one 'Name: https://...' per indented line, or a list: [https://..., https://...]",
    )


def read_author(
    content_dir: Path, author_id: str, data: bytes | None = None
) -> tuple[Author | None, list[Problem]]:
    """`data`: as for read_article."""
    path = f"content/{author_id}"
    src, problems = _load(content_dir / author_id, path, data)
    if src is None:
        return None, problems
    converters: dict[str, Callable[[Any], Any]] = {
        "name": to_shown_text,
        "bio": to_text,
        "photo": to_link,
        "links": _links,
    }
    values, extra = _convert(src.meta, converters, src, path, problems)
    slug = Path(author_id).stem
    if "name" not in values:
        problems.append(warning(path, 1, "name", "is missing; using the file name", "add 'name: Full Name'"))
        values["name"] = slug.replace("-", " ").title()
    if any(p.is_error for p in problems):
        return None, problems
    return Author(id=author_id, slug=slug, body=src.body, extra=extra, **values), problems


def read_page(
    content_dir: Path, page_id: str, data: bytes | None = None
) -> tuple[Page | None, list[Problem]]:
    """`data`: as for read_article."""
    path = f"content/{page_id}"
    src, problems = _load(content_dir / page_id, path, data)
    if src is None:
        return None, problems
    values, extra = _convert(src.meta, {"title": to_shown_text, "slug": to_slug}, src, path, problems)
    if "title" not in values:
        problems.append(
            error(path, src.key_lines.get("title", 1), "title", "is missing", "add 'title: About'")
        )
    if any(p.is_error for p in problems):
        return None, problems
    slug = values.pop("slug", Path(page_id).stem)
    return Page(
        id=page_id, slug=slug, body=src.body, body_line=src.body_line, extra=extra, **values
    ), problems
