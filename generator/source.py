"""Splitting a source file into front matter and body, with line numbers for people.

We decide where the block starts and ends (so an unclosed block is reported as such), and
python-frontmatter's YAML handler loads it with our loader: PyYAML's safe one, less its
timestamps, so that every date — including an impossible one like 2012-02-30 — is parsed by our
own code and reported with its line, instead of failing inside the YAML loader without one.

Front matter is refused, with its line, when its shape would hang or crash what walks it later
(the cache's fingerprints, pickling): nested deeper than MAX_DEPTH, or, through aliases,
expanding to more than MAX_VALUES values (a "billion laughs" of a few hundred bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml

from generator.errors import Problem, error

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 100  # levels of nesting; an article needs three or four
MAX_VALUES = 50_000  # values with aliases expanded; a long article's front matter has hundreds
_KEY_LINE = re.compile(r"^([^\s#:'\"-][^:]*?|\"[^\"]+\"|'[^']+')\s*:(?:\s|$)")
_ITEM_LINE = re.compile(r"^(\s*)-\s+(.*?)\s*$")
_ENTRY_LINE = re.compile(r"^(\s+)([^\s#:'\"-][^:]*?)\s*:\s+(.*?)\s*$")


_HANDLER = frontmatter.YAMLHandler()


class NumberText(str):
    """A plain scalar YAML 1.1 reads as a number (3.10, 012345, 0x1F, 1_000, 1:30), kept as the
    text written: a headline '3.10' must not show as 3.1, nor a slug '012345' become 5349. Being
    its own type, it still tells a key that wants a list or a flag that it got a number; only
    `extra`, for templates, turns it into one (see read.template_value)."""

    __slots__ = ()


_MERGE = "tag:yaml.org,2002:merge"


class _NoDatesLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML without the timestamp resolver: dates stay strings until read.py parses them.
    Notes each key given twice in one mapping, which PyYAML resolves silently (the last wins)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[yaml.MappingNode, str, int, int]] = []  # mapping, key, lines
        self.measured = False  # whether the value is measured before it is made (see _Expansion)
        self.root: yaml.Node | None = None

    def get_single_data(self) -> Any:
        """As PyYAML's, the composed document measured first when asked (see `measured`)."""
        self.root = node = self.get_single_node()
        if node is None:
            return None
        if self.measured:
            _Expansion().measure_root(node)
        return self.construct_document(node)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        """A key merged in with `<<: *anchor` may be given again: that's what merging is for."""
        written = (
            [key for key, _ in node.value if key.tag != _MERGE] if isinstance(node, yaml.MappingNode) else []
        )
        mapping = super().construct_mapping(node, deep=deep)
        seen: dict[Any, int] = {}
        for key_node in written:
            key = self.construct_object(key_node)  # constructed already: this is a look-up
            line = key_node.start_mark.line
            if key in seen:
                self.duplicates.append((node, str(key), seen[key], line))
            else:
                seen[key] = line
        return mapping


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


@dataclass(frozen=True)
class Duplicate:
    """A key given twice in one mapping; YAML would keep the second silently."""

    key: str
    first: int  # file lines
    line: int
    within: str | None  # the top-level key whose value holds the mapping; None: it is the top level


@dataclass(frozen=True)
class SourceText:
    meta: dict[str, Any]
    body: str
    body_line: int
    key_lines: dict[str, int]
    duplicates: tuple[Duplicate, ...] = ()


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
    newline = text.find("\n")  # the end of the first line
    if (text if newline < 0 else text[:newline]).rstrip() != "---":
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
    block = _block(text, newline)
    if block is None:
        return None, [
            error(path, 1, None, "front matter is not closed", "add a line '---' after the last key")
        ]
    block_lines, closed_at = block
    end = len(block_lines) + 1  # the closing line's number, from 0
    fm_text = "\n".join(block_lines)
    key_lines = _key_lines(block_lines)
    try:
        meta, duplicates = _parse(fm_text, _AsWrittenLoader if as_written else _NoDatesLoader)
    except _Refused as exc:
        line = exc.line + 2
        return None, [error(path, line, _key_at(key_lines, line), str(exc), exc.hint)]
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
    body = "" if closed_at < 0 else text[closed_at + 1 :]
    found = tuple(
        Duplicate(key, first + 2, line + 2, None if top else _key_at(key_lines, line + 2))
        for top, key, first, line in sorted(duplicates, key=lambda found: found[3])
    )
    return SourceText(meta, body, end + 2, key_lines, found), []


def _block(text: str, newline: int) -> tuple[list[str], int] | None:
    """The front matter's lines, from the one after the newline at `newline` up to the line that
    closes the block ("---" or "..."), and the newline that ends that one (-1: the text ends
    there); None when no line closes it. The text is split only that far: splitting each body
    into lines and joining them again was 12 of the 141 ms `split` took for 2,083 articles."""
    lines: list[str] = []
    while newline >= 0:
        start = newline + 1
        newline = text.find("\n", start)
        line = text[start:] if newline < 0 else text[start:newline]
        if line.rstrip() in ("---", "..."):
            return lines, newline
        lines.append(line)
    return None


class _Refused(Exception):
    """Front matter of a shape no article needs, that would hang or crash what walks it."""

    def __init__(self, line: int, message: str, hint: str):
        super().__init__(message)
        self.line = line  # in the block, from 0
        self.hint = hint


def _parse(fm_text: str, loader_class: type[_NoDatesLoader]) -> tuple[Any, list[tuple[bool, str, int, int]]]:
    """The block's YAML value and its keys given twice (at the top level?, key, lines in the block);
    _Refused before anything walks a value too deep or, with its aliases expanded, too large."""
    if not fm_text.strip():
        return None, []
    _check_depth(fm_text)
    loader = loader_class(fm_text)
    loader.measured = "*" in fm_text  # no alias, no expansion: the text's size bounds the value's
    value = _HANDLER.load(fm_text, Loader=lambda _: loader)  # yaml.load, which disposes of it
    return value, [(mapping is loader.root, *rest) for mapping, *rest in loader.duplicates]


def _too_deep(line: int) -> _Refused:
    return _Refused(
        line,
        f"nested more than {MAX_DEPTH} levels deep",
        "a front-matter value needs a few levels at most; look for runaway brackets or aliases",
    )


def _check_depth(fm_text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before libyaml composes it: its composer recurses in C,
    and some 50,000 nested brackets crash the process. Each level opens with one of [ { - ? : of
    its own, so a block with fewer of them can't be too deep, and its events aren't read."""
    if sum(map(fm_text.count, "[{-?:")) <= MAX_DEPTH:
        return
    loader = _NoDatesLoader(fm_text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(event.start_mark.line)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # loading the block reports it, with its line
    finally:
        loader.dispose()


class _Expansion:
    """Size and depth of a composed value with its aliases expanded, each node measured once (an
    alias shares its anchor's node), so nine lines that expand to 9⁹ values take a few steps."""

    def __init__(self) -> None:
        self.measured: dict[int, tuple[int, int]] = {}  # id(node) → (values, levels)
        self.open: set[int] = set()  # nodes being measured: an alias to one is a cycle

    def measure_root(self, root: yaml.Node) -> None:
        """Values are counted key by key, so too many in all is refused at the key that tips it."""
        if not isinstance(root, yaml.MappingNode):
            self.measure(root, 1)
            return
        total = 1
        for key, value in root.value:
            total += self.measure(key, 2)[0] + self.measure(value, 2)[0]
            if total > MAX_VALUES:
                raise self._too_many(key.start_mark.line, total)

    def measure(self, node: yaml.Node, depth: int) -> tuple[int, int]:
        """(values, levels of collections) of `node`, met `depth` levels down (the root is at 1);
        _Refused past the limits. A node met again through an alias is not checked again: its
        parent's own check covers it, and reports the line where it was used too deep."""
        found = self.measured.get(id(node))
        if found is not None:
            return found
        if id(node) in self.open:
            raise _Refused(
                node.start_mark.line,
                "an alias is used inside the value it names, so the value never ends",
                "point the alias (*name) at an anchor (&name) defined outside it",
            )
        scalar = isinstance(node, yaml.ScalarNode)
        if depth > MAX_DEPTH and not scalar:
            raise _too_deep(node.start_mark.line)
        self.open.add(id(node))
        values, levels = 1, (0 if scalar else 1)
        for child in _children(node):
            size, height = self.measure(child, depth + 1)
            values, levels = values + size, max(levels, height + 1)
        self.open.discard(id(node))
        if depth - 1 + levels > MAX_DEPTH:
            raise _too_deep(node.start_mark.line)
        if values > MAX_VALUES:
            raise self._too_many(node.start_mark.line, values)
        self.measured[id(node)] = (values, levels)
        return values, levels

    @staticmethod
    def _too_many(line: int, values: int) -> _Refused:
        return _Refused(
            line,
            f"expands through YAML aliases to {values:,} values, over the {MAX_VALUES:,} "
            "front matter may hold",
            "write the values out instead; an alias (*name) of a list of aliases multiplies them",
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _key_at(key_lines: dict[str, int], line: int) -> str | None:
    """The top-level key whose value holds `line` (the last one written at or above it)."""
    above = [(at, key) for key, at in key_lines.items() if "[" not in key and at <= line]
    return max(above)[1] if above else None


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
