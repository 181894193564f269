"""Splitting a source file into front matter and body, with line numbers for people.

python-frontmatter does the YAML; we only decide where the block starts and ends (so an
unclosed block is reported as such) and keep YAML from turning dates into objects, so that
every date — including an impossible one like 2012-02-30 — is parsed by our own code and
reported with its line, instead of failing inside the YAML loader without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml

from generator.errors import Problem, error

MAX_BYTES = 5 * 1024 * 1024
_KEY_LINE = re.compile(r"^([^\s#:'\"-][^:]*?|\"[^\"]+\"|'[^']+')\s*:(?:\s|$)")
_ITEM_LINE = re.compile(r"^(\s*)-\s+(.*?)\s*$")
_ENTRY_LINE = re.compile(r"^(\s+)([^\s#:'\"-][^:]*?)\s*:\s+(.*?)\s*$")


class NumberText(str):
    """A plain scalar YAML 1.1 reads as a number (3.10, 012345, 0x1F, 1_000, 1:30), kept as the
    text written: a headline '3.10' must not show as 3.1, nor a slug '012345' become 5349. Being
    its own type, it still tells a key that wants a list or a flag that it got a number; only
    `extra`, for templates, turns it into one (see read.template_value)."""

    __slots__ = ()


class _NoDatesLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML without the timestamp resolver: dates stay strings until read.py parses them."""


_NoDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _AsWrittenLoader(_NoDatesLoader):
    """As _NoDatesLoader, and numbers stay the text written, as NumberText."""


def _number_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> NumberText:
    return NumberText(loader.construct_scalar(node))


for _tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
    _AsWrittenLoader.add_constructor(_tag, _number_text)

_HANDLER = frontmatter.YAMLHandler()


@dataclass(frozen=True)
class SourceText:
    meta: dict[str, Any]
    body: str
    body_line: int
    key_lines: dict[str, int]


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes → text: UTF-8 (a BOM is fine), universal newlines; anything else is a located error."""
    if len(data) > MAX_BYTES:
        return None, [too_big(path, len(data))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            error(
                path,
                line,
                None,
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                "re-save the file as UTF-8, e.g. iconv -f latin1 -t utf-8",
            )
        ]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def too_big(path: str, size: int) -> Problem:
    """No news article is this long: such a file is a mistake (a pasted dump, embedded data)."""
    return error(
        path,
        None,
        None,
        f"file is {size / 2**20:.1f} MB, over the {MAX_BYTES // 2**20} MB limit for one article",
        "split it, or move embedded data such as base64 images into separate files",
    )


def split(
    text: str, path: str, require: bool = True, as_written: bool = False
) -> tuple[SourceText | None, list[Problem]]:
    """Front matter + body. `require=False` lets a file without front matter be all body.
    `as_written`: numbers come as NumberText, the text written, which is what press's own reading
    wants; without it they are YAML 1.1's ints and floats, which the importers pass on as they are
    (to yaml.safe_dump, which can't write a str subclass)."""
    if not text.strip():
        return None, [error(path, 1, None, "file is empty", "add front matter with at least title and date")]
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        if not require:
            return SourceText({}, text, 1, {}), []
        return None, [
            error(
                path,
                1,
                None,
                "no front matter",
                "start the file with a line '---', the YAML keys, then '---'",
            )
        ]
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return None, [
            error(path, 1, None, "front matter is not closed", "add a line '---' after the last key")
        ]
    fm_text = "\n".join(lines[1:end])
    try:
        loader = _AsWrittenLoader if as_written else _NoDatesLoader
        meta = _HANDLER.load(fm_text, Loader=loader) if fm_text.strip() else {}
    except yaml.YAMLError as exc:
        line = _yaml_error_line(exc, fm_text)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [
            error(
                path,
                line,
                None,
                f"invalid YAML: {problem}",
                "quote values that contain ': ' or start with [ { * & ! | > ' \" % @ `",
            )
        ]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return None, [
            error(path, 2, None, "front matter must be key: value pairs", "write e.g. 'title: My story'")
        ]
    body = "\n".join(lines[end + 1 :])
    return SourceText(meta, body, end + 2, _key_lines(lines[1:end])), []


def _key_lines(lines: list[str]) -> dict[str, int]:
    """Line of each top-level key, and of each item of a block list (`key[position]`, `key[text]`)
    or nested mapping (`key[name]`, `key[value]`), so a problem with one entry points at its line."""
    found: dict[str, int] = {}
    key, indent, position = None, None, 0
    for number, raw in enumerate(lines, start=2):
        match = _KEY_LINE.match(raw)
        if match:
            key, indent, position = match.group(1).strip("'\""), None, 0
            found.setdefault(key, number)
            continue
        entry = _ENTRY_LINE.match(raw)
        if key is not None and entry is not None:
            found.setdefault(f"{key}[{entry.group(2)}]", number)
            found.setdefault(f"{key}[{_unquote(entry.group(3))}]", number)
            continue
        item = _ITEM_LINE.match(raw)
        if key is None or item is None or (indent is not None and len(item.group(1)) != indent):
            continue
        indent = len(item.group(1))
        found.setdefault(f"{key}[{position}]", number)
        found.setdefault(f"{key}[{_unquote(item.group(2))}]", number)
        position += 1
    return found


def _unquote(raw: str) -> str:
    """A scalar as written on its line, less a trailing comment and its quotes."""
    text = raw.split(" #", 1)[0].strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text


def _yaml_error_line(exc: yaml.YAMLError, fm_text: str) -> int:
    """File line of a YAML error. An unclosed bracket or quote is found only at the end of the block,
    so then the line where the construct opened is the one worth showing."""
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    mark = context if context is not None and _at_end(problem, fm_text) else problem
    return mark.line + 2 if mark is not None else 2


def _at_end(mark: yaml.Mark | None, fm_text: str) -> bool:
    """Whether a YAML mark is missing or at (or past) the end of the front-matter block."""
    if mark is None:
        return True
    lines = fm_text.split("\n")
    last = len(lines) - 1
    return mark.line > last or (mark.line == last and mark.column >= len(lines[-1]))
