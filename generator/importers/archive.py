"""Bringing other archives into content/: what every importer shares.

An importer module (`seedtext`, `hugo`, `jekyll`) only *reads*: it turns a source folder into
`Document`s (a target path under content/, front matter, body) and problems. Writing lives here,
once, so every format gets the same guarantees: front matter in a fixed key order and a fixed
YAML shape, so importing twice gives the same bytes and changes nothing; an existing file is
never overwritten without `force`; and one report that lists what was created, unchanged,
replaced, skipped and failed, plus everything kept as text that a reader should look at.
"""

from __future__ import annotations

import importlib
import json
import posixpath
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.config import Config, load_config
from generator.errors import Problem, error, sort_problems, warning
from generator.importers import FORMATS
from generator.importers.places import existing_articles, settle
from generator.urls import Urls

# The order keys are written in: the v1 article keys as CONTENT-FORMAT.md lists them, then the
# author-profile keys; anything else (kept for templates under `extra`) follows in source order.
KEY_ORDER = (
    "title",
    "name",
    "date",
    "authors",
    "tags",
    "summary",
    "slug",
    "image",
    "source_url",
    "aliases",
    "related",
    "updated",
    "draft",
    "bio",
    "photo",
    "links",
)
FLOW_LISTS = {"authors", "tags", "aliases"}
IMAGE_KEYS = ("src", "caption", "credit")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# characters YAML refuses unescaped, or reads as line breaks
_YAML_BAD = re.compile("[^\x09\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class Document:
    """One file to write: `target` is its path relative to content/ (posix)."""

    source: str
    target: str
    meta: dict[str, Any]
    body: str


@dataclass
class Harvest:
    """What an importer read: documents to write, and problems (errors fail a document)."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source path, why)
    figures: Counter[str] = field(default_factory=Counter)  # e.g. internal links converted


@dataclass
class Report:
    """The outcome of one import, per document."""

    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    failed: list[str] = field(default_factory=list)  # source paths
    problems: list[Problem] = field(default_factory=list)
    figures: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.failed

    def counts(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.unchanged)} unchanged, {len(self.replaced)} replaced, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed"
        )

    def lines(self) -> list[str]:
        """The whole report, one line per document, problems last (errors and kept-as-text notes)."""
        out = [f"created   {path}" for path in self.created]
        out += [f"unchanged {path}" for path in self.unchanged]
        out += [f"replaced  {path}" for path in self.replaced]
        out += [f"skipped   {path}: {why}" for path, why in self.skipped]
        out += [f"failed    {path}" for path in self.failed]
        out += [problem.format() for problem in sort_problems(self.problems)]
        out += [f"{what}: {count}" for what, count in sorted(self.figures.items())]
        return out


# -- writing --------------------------------------------------------------------------------------


def scalar(value: Any, flow: bool = False) -> str:
    """One YAML scalar: plain when YAML reads it back as the same string, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    probe = f"k: [{text}]" if flow else f"k: {text}"
    expected = {"k": [text]} if flow else {"k": text}
    if text and text == text.strip() and "\n" not in text and not _YAML_BAD.search(text):
        try:
            if yaml.safe_load(probe) == expected:
                return text
        except yaml.YAMLError:
            pass
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_BAD.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) < 0x10000 else "", quoted)


def _entry(key: str, value: Any) -> list[str]:
    if key == "date" or key == "updated":
        return [f"{key}: {value}"]
    if key == "image" and isinstance(value, dict):
        return [f"{key}:"] + [f"  {k}: {scalar(value[k])}" for k in IMAGE_KEYS if value.get(k)]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        if key in FLOW_LISTS:
            return [f"{key}: [{', '.join(scalar(v, flow=True) for v in value)}]"]
        return [f"{key}:"] + [f"  - {scalar(v)}" for v in value]
    if isinstance(value, (dict, list)) or not _PLAIN_KEY.match(key):
        dumped = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=1_000_000)
        return dumped.rstrip("\n").split("\n")
    return [f"{key}: {scalar(value)}"]


def render_document(meta: dict[str, Any], body: str) -> str:
    """Front matter in KEY_ORDER and one fixed shape, then the body: the same input, the same bytes."""
    keys = [k for k in KEY_ORDER if k in meta] + [k for k in meta if k not in KEY_ORDER]
    lines = ["---"]
    for key in keys:
        value = meta[key]
        if value is None or value == [] or value == {} or value == "":
            continue
        lines += _entry(key, value)
    lines.append("---")
    text = "\n".join(lines) + "\n"
    body = body.strip("\n")
    return text + ("\n" + body + "\n" if body.strip() else "")


def write_documents(harvest: Harvest, content_dir: Path, force: bool, urls: Urls, tz: Any) -> Report:
    """Write every document whose source read cleanly; never overwrite a different file unless `force`."""
    report = Report(problems=list(harvest.problems), skipped=list(harvest.skipped), figures=harvest.figures)
    failed = {p.path for p in harvest.problems if p.is_error}
    report.failed = sorted(failed)
    documents = [doc for doc in harvest.documents if doc.source not in failed]
    report.problems += settle(documents, urls, tz, existing_articles(content_dir, urls, tz))
    for doc in documents:
        data = render_document(doc.meta, doc.body).encode("utf-8")
        path = content_dir / doc.target
        shown = f"{content_dir.name}/{doc.target}"
        if path.exists():
            if path.read_bytes() == data:
                report.unchanged.append(shown)
                continue
            if not force:
                report.skipped.append((shown, "exists with different text; --force replaces it"))
                continue
            report.replaced.append(shown)
        else:
            report.created.append(shown)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.tmp")
        temp.write_bytes(data)
        temp.replace(path)
    return report


# -- the command ----------------------------------------------------------------------------------


def site_settings(content_dir: Path) -> tuple[Urls, Any]:
    """URL patterns and time zone of the site the content goes into (defaults when it has no site.toml)."""
    config, problems = load_config(content_dir.parent)
    if any(p.is_error for p in problems):
        config = Config()
    return Urls.from_config(config), config.tz


def import_archive(src: Path, content_dir: Path, fmt: str = "seedtext", force: bool = False) -> Report:
    """Read SRC with the importer for `fmt`, then write the documents into content_dir."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown import format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not src.exists():
        missing = error(str(src), None, None, "no such file or folder", "check the path")
        return Report(failed=[str(src)], problems=[missing])
    module = importlib.import_module(f"generator.importers.{fmt}")
    harvest: Harvest = module.harvest(src)
    if not harvest.documents and not harvest.problems:
        harvest.problems.append(warning(str(src), None, None, f"no documents to import as {fmt}"))
    urls, tz = site_settings(content_dir)
    return write_documents(harvest, content_dir, force, urls, tz)


def relative_link(from_target: str, to_target: str, fragment: str = "") -> str:
    """A relative `.md` link between two content files, as the v1 format writes internal links."""
    link = posixpath.relpath(to_target, posixpath.dirname(from_target) or ".")
    return link + (f"#{fragment}" if fragment else "")


def unique(values: Iterable[str]) -> list[str]:
    """Values in first-seen order, blanks and repeats dropped."""
    out: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in out:
            out.append(value)
    return out
