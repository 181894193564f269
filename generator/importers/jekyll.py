"""A Jekyll site (`_posts/`, `_drafts/`, `_data/authors.yml`) → v1 articles and author profiles.

Posts are named `YYYY-MM-DD-slug.md`; the front matter's date wins when it has one. `post_url`
and `link` tags become relative `.md` links (with any `{{ site.baseurl }}` before them dropped);
every other Liquid tag or output stays in the text and is listed.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

import yaml

from generator.errors import Problem, error
from generator.importers.archive import Document, Harvest, unique
from generator.importers.foreign import (
    BodyRewrite,
    Links,
    Planned,
    Source,
    keep_extras,
    markdown_anchors,
    plan,
    read_source,
    rewrite_all,
    safe_slug,
    summary_text,
    texts,
)

FOLDERS = (("_posts", False), ("_drafts", True))
SUFFIXES = (".md", ".markdown")
CONSUMED = {
    "title",
    "date",
    "author",
    "authors",
    "tags",
    "tag",
    "categories",
    "category",
    "excerpt",
    "description",
    "slug",
    "permalink",
    "redirect_from",
    "published",
}
_BASEURL = re.compile(r"\{\{-?\s*site\.(?:baseurl|url)\s*-?\}\}/?(?=\{%-?\s*(?:post_url|link)\b)")
_TAG = re.compile(r"\{%-?\s*(?P<name>\w+)\s*(?P<args>.*?)\s*-?%\}", re.S)
_OUTPUT = re.compile(r"\{\{-?\s*(?P<expr>.*?)\s*-?\}\}", re.S)


def _files(root: Path) -> list[tuple[Path, bool]]:
    """Posts from every `_posts` folder (category folders may hold their own), then drafts."""
    found = []
    for folder, draft in FOLDERS:
        for path in sorted(root.rglob("*")):
            parts = path.relative_to(root).parts
            if (
                path.is_file()
                and path.suffix.lower() in SUFFIXES
                and folder in parts[:-1]
                and not any(p.startswith(".") for p in parts)
            ):
                found.append((path, draft))
    return found


def plan_post(src: Source, draft: bool) -> tuple[Planned | None, list[Problem]]:
    stem = posixpath.splitext(posixpath.basename(src.rel))[0]
    planned, problems = plan(src, stem, ("date",), "name posts YYYY-MM-DD-slug.md")
    if planned is None:
        return None, problems
    meta = planned.meta
    meta["authors"] = unique(texts(src.get("authors")) + texts(src.get("author")))
    meta["tags"] = unique(
        texts(src.get("tags"), True)
        + texts(src.get("tag"), True)
        + texts(src.get("categories"), True)
        + texts(src.get("category"))
    )
    meta["summary"] = summary_text(src.get("excerpt") or src.get("description"))
    permalink = src.get("permalink")
    literal = [permalink] if isinstance(permalink, str) and ":" not in permalink else []
    meta["aliases"] = unique("/" + a.lstrip("/") for a in texts(src.get("redirect_from")) + literal)
    if draft or src.get("published") is False:
        meta["draft"] = True
    keep_extras(src, CONSUMED, meta, problems)
    return planned, problems


def rewrite_body(planned: Planned, links: Links) -> BodyRewrite:
    """`post_url`/`link` → relative `.md` links; other Liquid kept and listed."""
    work = BodyRewrite(planned.source, planned.target)
    text = _BASEURL.sub("", planned.source.body)

    def tag(match: re.Match[str]) -> str:
        name, arg = match.group("name"), match.group("args").strip().strip("'\"")
        if name not in ("post_url", "link"):
            if not name.startswith("end"):
                work.keep(text, match.start(), f"Liquid tag {{% {name} %}}")
            return match.group(0)
        path = arg.partition("#")[0]
        stem = posixpath.splitext(posixpath.basename(path))[0]
        target = links.find([path, posixpath.splitext(path)[0]], stem + ".md")
        return work.link(text, match.start(), arg, target, stem + ".md")

    def output(match: re.Match[str]) -> str:
        work.keep(converted, match.start(), f"Liquid output {{{{ {match.group('expr')} }}}}")
        return match.group(0)

    converted = _TAG.sub(tag, text)
    body = markdown_anchors(_OUTPUT.sub(output, converted))
    planned.source.body = body
    return work


def profiles(root: Path) -> tuple[list[Document], list[Problem]]:
    """`_data/authors.yml` (key → name, bio, ...) → one author profile per key."""
    path = root / "_data" / "authors.yml"
    if not path.is_file():
        return [], []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [error(str(path), mark.line + 1 if mark else None, None, f"invalid YAML: {exc}")]
    documents = []
    for key, entry in (data or {}).items() if isinstance(data, dict) else []:
        entry = entry if isinstance(entry, dict) else {"name": entry}
        meta: dict[str, Any] = {"name": str(entry.get("name") or entry.get("display_name") or key)}
        meta.update({k: v for k, v in entry.items() if k not in ("name", "display_name")})
        documents.append(Document(str(path), f"authors/{safe_slug(str(key))}.md", meta, ""))
    return documents, []


def harvest(src: Path) -> Harvest:
    result = Harvest()
    result.documents, result.problems = profiles(src)
    planned: list[Planned] = []
    links = Links()
    for file, draft in _files(src):
        rel = file.relative_to(src).as_posix()
        source, problems = read_source(file.read_bytes(), str(file), rel)
        result.problems += problems
        if source is None:
            continue
        article, problems = plan_post(source, draft)
        result.problems += problems
        if article:
            planned.append(article)
            links.add(rel, article.target, posixpath.splitext(rel)[0])
    rewrite_all(planned, links, rewrite_body, result)
    return result
