"""A Hugo site's content/ → v1 articles and author profiles.

Regular pages become articles; `authors/<term>/_index.md` become author profiles; the
`_index.md` of other taxonomies name their terms (a topic slug becomes its title as a tag);
section list pages have no v1 equivalent and are listed as skipped. `ref`/`relref` shortcodes
become relative `.md` links; every other shortcode stays in the text and is listed.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from generator.errors import Problem
from generator.importers.archive import Document, Harvest, unique
from generator.importers.foreign import (
    BodyRewrite,
    Links,
    Planned,
    Source,
    iso_date,
    keep_extras,
    markdown_anchors,
    plan,
    read_source,
    rewrite_all,
    summary_text,
    tag_names,
    texts,
)

TAXONOMIES = ("authors", "tags", "topics", "categories")
TAG_KEYS = (("tags", "tags"), ("tag", "tags"), ("topics", "topics"), ("categories", "categories"))
SUFFIXES = (".md", ".markdown")
CONSUMED = {
    "title",
    "date",
    "publishdate",
    "pubdate",
    "lastmod",
    "authors",
    "author",
    "tags",
    "tag",
    "topics",
    "categories",
    "summary",
    "slug",
    "aliases",
    "url",
    "draft",
}
PROFILE_CONSUMED = {"display_name", "name", "title", "bio"}
SHORTCODE = re.compile(r"\{\{[<%]\s*(?P<close>/?)\s*(?P<name>[\w./-]+)(?P<args>.*?)\s*[>%]\}\}", re.S)
_FIRST_ARG = re.compile(r"""\s*(?:path\s*=\s*)?(?:"([^"]*)"|'([^']*)'|`([^`]*)`|(\S+))""")


def content_root(src: Path) -> Path:
    return src / "content" if (src / "content").is_dir() else src


def _files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def _stem(rel: str) -> str:
    """The page's own name: the file name, or the folder name of a page bundle (`post/index.md`)."""
    stem = posixpath.splitext(posixpath.basename(rel))[0]
    return posixpath.basename(posixpath.dirname(rel)) if stem == "index" and "/" in rel else stem


def plan_article(src: Source, terms: dict[str, dict[str, str]]) -> tuple[Planned | None, list[Problem]]:
    """Front matter → v1 keys; the date from the file name when the front matter has none."""
    planned, problems = plan(
        src, _stem(src.rel), ("date", "publishdate", "pubdate"), "add 'date: 2014-07-01'"
    )
    if planned is None:
        return None, problems
    meta = planned.meta
    meta["authors"] = unique(texts(src.get("authors")) + texts(src.get("author")))
    meta["tags"] = unique(
        name for key, taxonomy in TAG_KEYS for name in tag_names(texts(src.get(key)), terms.get(taxonomy, {}))
    )
    meta["summary"] = summary_text(src.get("summary"))
    meta["aliases"] = unique("/" + a.lstrip("/") for a in texts(src.get("aliases")) + texts(src.get("url")))
    updated = iso_date(src.get("lastmod")) if src.get("lastmod") is not None else None
    meta["updated"] = updated
    if isinstance(src.get("draft"), bool):
        meta["draft"] = src.get("draft")
    keep_extras(src, CONSUMED, meta, problems)
    return planned, problems


def profile(src: Source, term: str) -> tuple[Document, list[Problem]]:
    """`authors/<term>/_index.md` → `authors/<term>.md`: the name a byline of `<term>` shows."""
    first_last = " ".join(str(src.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    name = src.get("display_name") or first_last or src.get("name", "title") or term
    meta: dict[str, Any] = {"name": str(name).strip()}
    if isinstance(src.get("bio"), str):
        meta["bio"] = src.get("bio").strip()
    problems: list[Problem] = []
    keep_extras(src, PROFILE_CONSUMED, meta, problems)
    return Document(src.path, f"authors/{term}.md", meta, src.body), problems


def _resolve(links: Links, src: Source, path: str) -> str | None:
    bare = path.strip()
    candidates = [bare] if bare.startswith("/") else [posixpath.join(posixpath.dirname(src.rel), bare), bare]
    spelled = []
    for candidate in candidates:
        spelled += [candidate] if candidate.endswith(".md") else [candidate]
        spelled += [f"{candidate.rstrip('/')}{tail}" for tail in (".md", "/_index.md", "/index.md")]
    name = posixpath.basename(bare.rstrip("/"))
    return links.find(spelled, name if name.endswith(".md") else f"{name}.md")


def rewrite_body(planned: Planned, links: Links) -> BodyRewrite:
    """`ref`/`relref` → relative `.md` links (also inside `<a href>` in Markdown text); the rest kept."""
    work = BodyRewrite(planned.source, planned.target)
    text = planned.source.body

    def replace(match: re.Match[str]) -> str:
        name = match.group("name").lower()
        if match.group("close"):
            return match.group(0)
        if name not in ("ref", "relref"):
            work.keep(text, match.start(), f"Hugo shortcode {{{{< {match.group('name')} >}}}}")
            return match.group(0)
        arg_match = _FIRST_ARG.match(match.group("args"))
        arg = next((g for g in arg_match.groups() if g is not None), "") if arg_match else ""
        path = arg.partition("#")[0]
        if not path:
            return "#" + arg.partition("#")[2]
        fallback = path if path.endswith(".md") else path.rstrip("/") + ".md"
        return work.link(text, match.start(), arg, _resolve(links, planned.source, path), fallback)

    body = markdown_anchors(SHORTCODE.sub(replace, text))
    planned.source.body = body
    return work


def _classify(rel: str) -> tuple[str, str | None]:
    """('article' | 'term' | 'list', taxonomy/term) for a file under content/."""
    parts = rel.split("/")
    if parts[-1] != "_index.md":
        return "article", None
    if len(parts) == 3 and parts[0] in TAXONOMIES:
        return "term", parts[0]
    return "list", None


def harvest(src: Path) -> Harvest:
    """Every page of the site read, planned, linked, then rewritten: links need all targets first."""
    root = content_root(src)
    result = Harvest()
    terms: dict[str, dict[str, str]] = {}
    pages: list[Source] = []
    links = Links()
    for file in _files(root):
        rel = file.relative_to(root).as_posix()
        source, problems = read_source(file.read_bytes(), str(file), rel)
        result.problems += problems
        if source is None:
            continue
        kind, taxonomy = _classify(rel)
        if kind == "article":
            pages.append(source)
        elif kind == "term" and taxonomy == "authors":
            term = rel.split("/")[1]
            document, problems = profile(source, term)
            result.documents.append(document)
            result.problems += problems
            links.add(rel, f"authors/{term}.md", posixpath.dirname(rel))
        elif kind == "term" and taxonomy:
            term = rel.split("/")[1]
            terms.setdefault(taxonomy, {})[term] = str(source.get("title") or term)
            result.skipped.append((source.path, f"{taxonomy} term page: its title names the tag"))
        else:
            result.skipped.append((source.path, "section list page: v1 builds its own indexes"))
    planned = []
    for page in pages:
        article, problems = plan_article(page, terms)
        result.problems += problems
        if article:
            planned.append(article)
            links.add(page.rel, article.target, page.rel.rsplit(".", 1)[0], *_bundle(page.rel))
    rewrite_all(planned, links, rewrite_body, result)
    return result


def _bundle(rel: str) -> tuple[str, ...]:
    return (posixpath.dirname(rel),) if posixpath.basename(rel) == "index.md" else ()
