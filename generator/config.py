"""`site.toml` → frozen, typed settings.

Each key has a converter; an unknown key is an error that names it and suggests the nearest
valid one, because a typo silently ignored is a setting silently lost.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from string import Formatter
from typing import Any
from urllib.parse import urlsplit

from generator.errors import Problem, error

DEFAULT_PERMALINK = "/{year}/{month}/{day}/{slug}/"


@dataclass(frozen=True)
class RelatedConfig:
    """Weights of the related-articles signals (see related.py for how they combine)."""

    k: int = 5  # related articles per article
    text: float = 1.0  # TF-IDF cosine of title + summary + body
    title_weight: int = 1  # the title counts 1 + title_weight times in the text
    tags: float = 0.3  # shared tags, rare ones counting more
    authors: float = 0.3  # content score × (1 + authors · shared authors): weak, never alone
    editorial: float = 3.0  # `related` list, either direction
    links: float = 2.5  # internal link in either body
    time: float = 0.3  # content score × (1 + time · closeness in publication date)
    time_scale_days: float = 30.0  # closeness = exp(-days apart / time_scale_days)
    min_score: float = 0.05  # weaker pairs are not related
    candidates: int = 40  # nearest texts considered per article before re-scoring
    terms: int = 50  # distinctive terms per article used to find them (0 = all)


@dataclass(frozen=True)
class Permalinks:
    article: str = DEFAULT_PERMALINK
    page: str = "/{slug}/"


@dataclass(frozen=True)
class Config:
    title: str = "News Archive"
    description: str = ""
    base_url: str = "/"
    language: str = "en"
    timezone: str = "UTC"
    theme: str = "default"
    per_page: int = 20
    home_size: int = 20
    feed_size: int = 50
    sanitize_html: bool = False
    permalinks: Permalinks = field(default_factory=Permalinks)
    related: RelatedConfig = field(default_factory=RelatedConfig)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def _check_type(expected: type | tuple[type, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if (
            isinstance(value, bool)
            and expected is not bool
            and bool not in (expected if isinstance(expected, tuple) else (expected,))
        ):
            return "must not be true/false"
        if not isinstance(value, expected):
            names = expected if isinstance(expected, tuple) else (expected,)
            return f"must be {' or '.join(_TYPE_NAMES[t] for t in names)}, got {type(value).__name__}"
        return None

    return check


_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}


def _key_lines(text: str) -> dict[str, int]:
    """Line of each `key =` (and `[table]`) so a config problem points at its line."""
    lines: dict[str, int] = {}
    table = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            table = line.strip("[] ")
            lines.setdefault(table, number)
        elif "=" in line and not line.startswith("#"):
            key = line.split("=", 1)[0].strip().strip('"')
            lines.setdefault(f"{table}.{key}" if table else key, number)
    return lines


def _convert_section(
    cls: type, data: dict[str, Any], prefix: str, path: str, lines: dict[str, int], problems: list[Problem]
) -> Any:
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    defaults = cls()
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        line = lines.get(dotted)
        if key not in known:
            near = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean '{prefix}{near[0]}'?" if near else f"valid keys: {', '.join(sorted(known))}"
            problems.append(error(path, line, dotted, "unknown setting", hint))
            continue
        default = getattr(defaults, key)
        if hasattr(default, "__dataclass_fields__"):
            if not isinstance(value, dict):
                problems.append(error(path, line, dotted, "must be a table", f"write it as [{dotted}]"))
                continue
            values[key] = _convert_section(type(default), value, f"{dotted}.", path, lines, problems)
            continue
        expected: type | tuple[type, ...] = (int, float) if isinstance(default, float) else type(default)
        message = _check_type(expected)(value)
        if message:
            problems.append(error(path, line, dotted, message, f"default is {default!r}"))
            continue
        values[key] = float(value) if isinstance(default, float) else value
    return cls(**values)


def _validate(config: Config, path: str, lines: dict[str, int], problems: list[Problem]) -> None:
    try:
        zoneinfo.ZoneInfo(config.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(
            error(
                path,
                lines.get("timezone"),
                "timezone",
                f"unknown time zone {config.timezone!r}",
                "use an IANA name such as 'Europe/London' or 'UTC'",
            )
        )
    defaults = Config()
    for key in ("per_page", "home_size", "feed_size"):
        if getattr(config, key) < 1:
            hint = f"set it to 1 or more; the default is {getattr(defaults, key)}"
            problems.append(error(path, lines.get(key), key, "must be at least 1", hint))
    _validate_related(config.related, path, lines, problems)
    for kind in ("article", "page"):
        problems += _permalink_problems(kind, getattr(config.permalinks, kind), path, lines)


def _validate_related(
    related: RelatedConfig, path: str, lines: dict[str, int], problems: list[Problem]
) -> None:
    defaults = RelatedConfig()
    for key, value in vars(related).items():
        dotted = f"related.{key}"
        default = getattr(defaults, key)
        if key == "time_scale_days" and value <= 0:  # a time scale of 0 is as wrong as one below
            hint = f"set a number of days above 0; the default is {default}"
            problems.append(error(path, lines.get(dotted), dotted, "must be above 0", hint))
        elif value < 0:
            hint = _NOT_NEGATIVE.get(key, "use 0 or more") + f"; the default is {default}"
            problems.append(error(path, lines.get(dotted), dotted, "must not be negative", hint))


_NOT_NEGATIVE = {
    "k": "use 0 to turn the related lists off, or a number of articles",
    "terms": "use 0 for all terms, or a number of terms",
}


def _base_url_problems(base_url: str, source: tuple[str, dict[str, int] | None]) -> list[Problem]:
    """`base_url` must say where the site lives: an http(s) address with a host, or a path from
    the host's root ('' is the root too). 'example.org/news/' or 'sub/' would make every link
    relative to the page it is on, which works on the home page only.
    `source`: site.toml and its lines, or the command-line option."""
    message = _base_url_problem(base_url)
    if message is None:
        return []
    path, lines = source
    hint = "write the full address, like 'https://example.org/news/', or the path alone, like '/news/'"
    return [error(path, lines.get("base_url") if lines is not None else None, "base_url", message, hint)]


def _base_url_problem(base_url: str) -> str | None:
    parts = urlsplit(base_url)
    scheme = parts.scheme if not re.match(r"\d", base_url[len(parts.scheme) + 1 :]) else ""  # host:8000
    if scheme in ("http", "https"):
        return None if parts.netloc else f"{base_url!r} has no host"
    if scheme:
        return f"{base_url!r} is not an http(s) address"
    if base_url.startswith("//"):
        return f"{base_url!r} has no scheme"
    if base_url and not base_url.startswith("/"):
        return f"{base_url!r} has neither a scheme nor a leading '/', so links would be relative to each page"
    return None


PLACEHOLDERS = {"article": ("year", "month", "day", "slug", "id"), "page": ("slug",)}


def _permalink_problems(kind: str, pattern: str, path: str, lines: dict[str, int]) -> list[Problem]:
    """Everything wrong with one URL pattern, found here because urls.py would otherwise fail on
    the first article with a KeyError that names no setting."""
    key = f"permalinks.{kind}"
    where = (path, lines.get(key), key)
    problems = []
    if any(part in (".", "..") for part in pattern.split("/")) or "\\" in pattern:
        problems.append(
            error(
                *where,
                f"pattern {pattern!r} climbs out of the site with '..'",
                "write the path from the site root, e.g. '/{year}/{slug}/'",
            )
        )
    try:
        fields_used = [(name, spec, conversion) for _, name, spec, conversion in Formatter().parse(pattern)]
    except ValueError as exc:
        hint = "write a placeholder as {slug}, and a brace meant literally twice: {{ or }}"
        return [*problems, error(*where, f"pattern {pattern!r} has an unmatched brace: {exc}", hint)]
    known = PLACEHOLDERS[kind]
    names = [name for name, _, _ in fields_used if name is not None]
    for name, spec, conversion in fields_used:
        if name is None:
            continue
        written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if name not in known:
            problems.append(error(*where, f"unknown placeholder {written}", _placeholder_hint(name, known)))
        elif spec or conversion:
            problems.append(error(*where, f"placeholder {written} takes no format", f"write {{{name}}}"))
    if kind == "article" and "slug" not in names and "id" not in names:
        hint = f"include {{slug}} or {{id}}; the default is {DEFAULT_PERMALINK!r}"
        problems.append(error(*where, "pattern must contain {slug}", hint))
    return problems


def _placeholder_hint(name: str, known: tuple[str, ...]) -> str:
    listed = ", ".join(f"{{{k}}}" for k in known)
    near = difflib.get_close_matches(name, known, n=1)
    return (f"did you mean {{{near[0]}}}? " if near else "") + f"the placeholders are {listed}"


def load_config(site_dir: Path, base_url: str | None = None) -> tuple[Config, list[Problem]]:
    """Read `site.toml`; a missing file means all defaults (a bare content/ folder still builds)."""
    path = site_dir / "site.toml"
    problems: list[Problem] = []
    if not path.exists():
        data: dict[str, Any] = {}
        lines: dict[str, int] = {}
    else:
        text = path.read_text(encoding="utf-8-sig")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = _toml_error_line(str(exc))
            return Config(), [
                error("site.toml", line, None, f"invalid TOML: {exc}", "check quotes and brackets")
            ]
        lines = _key_lines(text)
    config = _convert_section(Config, data, "", "site.toml", lines, problems)
    if base_url is not None:
        config = replace(config, base_url=base_url)
    _validate(config, "site.toml", lines, problems)
    problems += _base_url_problems(
        config.base_url, ("--base-url", None) if base_url is not None else ("site.toml", lines)
    )
    return config, problems


def setting_line(site_dir: Path, key: str) -> int | None:
    """Line of one setting in site.toml, for problems found after loading (an unknown theme)."""
    path = site_dir / "site.toml"
    return _key_lines(path.read_text(encoding="utf-8-sig")).get(key) if path.exists() else None


def _toml_error_line(message: str) -> int | None:
    marker = "(at line "
    if marker not in message:
        return None
    rest = message.split(marker, 1)[1]
    digits = rest.split(",", 1)[0]
    return int(digits) if digits.isdigit() else None
