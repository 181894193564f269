"""Markdown → HTML: Python-Markdown set up once, internal `.md` links rewritten, summaries.

Internal links are written as relative links to the other article's file (they work on any git
host); here they become that article's URL. A link we can't resolve stays as written and is
reported with its line, never silently dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import importlib
import posixpath
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

import markdown as md
from markdown.extensions import Extension, extra
from markdown.treeprocessors import Treeprocessor

from generator import blockpass, blocktags, inline, linkpass, prepass, treepass
from generator.headings import HeadingIdExtension
from generator.rawhtml import unbalanced

EXTENSIONS = (*extra.extensions, "sane_lists")  # Python-Markdown's `extra`, as it lists them, and one more
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_TAG = re.compile(r"<[^>]+>")
_BLANK = re.compile(r"\n[ \t]*\n")
_PLACEHOLDER = re.compile(r"(press-link-[0-9a-f]{12}-)([0-9]+)-")
# An <a> tag's href in raw HTML, quoted either way (code shown as text is escaped: no '<a ').
_RAW_LINK = re.compile(r"""(<a\s[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_AMP = re.compile(r"&(?!(?:\#[0-9]+|\#x[0-9a-f]+|[0-9a-z]+);)", re.IGNORECASE)
SUMMARY_CHARS = 300


@dataclass
class LinkContext:
    """What the link rewriter needs for one document: where it lives and what it can link to."""

    source_id: str
    targets: Mapping[str, str]
    found: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def internal_target(source_id: str, href: str) -> tuple[str, str] | None:
    """The content id an `.md` link points at (plus its #fragment), or None for other links."""
    if not href or href.startswith(("#", "//")) or _SCHEME.match(href):
        return None
    parts = urlsplit(href)
    if not parts.path.endswith(".md"):
        return None
    path = unquote(parts.path)
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(source_id), path)
    return posixpath.normpath(joined), parts.fragment


class _Rewriter(Treeprocessor):
    def __init__(self, parser: md.Markdown, holder: _Holder):
        super().__init__(parser)
        self.holder = holder

    def run(self, root: Element) -> None:
        hrefs = self.holder.hrefs
        if hrefs is None:
            return
        for element in root.iter("a"):
            href = element.get("href", "")
            if internal_target("", href) is None:
                continue
            element.set("href", f"{self.holder.token}{len(hrefs)}-")
            hrefs.append(href)
        self._raw_links(hrefs)

    def _raw_links(self, hrefs: list[str]) -> None:
        """The `.md` links of raw HTML (a table, a figure written by hand), which Python-Markdown
        keeps aside as text and the tree never shows: rewritten as the others are. Left as
        written, they were links to files no host has, and the build said nothing."""
        blocks = self.md.htmlStash.rawHtmlBlocks
        for index, block in enumerate(blocks):
            if ".md" not in block:  # most raw HTML links no article: not searched
                continue

            def placeholder(match: re.Match[str]) -> str:
                href = html.unescape(match.group(3))
                if internal_target("", href) is None:
                    return match.group(0)
                hrefs.append(href)
                return f"{match.group(1)}{match.group(2)}{self.holder.token}{len(hrefs) - 1}-{match.group(2)}"

            blocks[index] = _RAW_LINK.sub(placeholder, block)


@dataclass
class _Holder:
    """Where the rewriter puts the internal links of the document being converted."""

    hrefs: list[str] | None = None
    token: str = ""


@dataclass(frozen=True)
class Draft:
    """A document's HTML with each internal link left as a numbered placeholder.

    It depends on the Markdown text alone, not on where other articles live, so it can be cached
    by the text's hash and turned into HTML for any set of link targets by `fill`.
    """

    html: str
    token: str
    hrefs: tuple[str, ...]  # as the link rewriter saw them
    shown: tuple[str, ...]  # as they would be written (Python-Markdown's escapes undone)
    unbalanced: tuple[str, ...] = ()  # what its raw HTML leaves open or closes unopened (rawhtml.py)


class _LinkExtension(Extension):
    def __init__(self, holder: _Holder):
        super().__init__()
        self.holder = holder

    def extendMarkdown(self, parser: md.Markdown) -> None:  # noqa: N802 (Python-Markdown's API)
        parser.treeprocessors.register(_Rewriter(parser, self.holder), "press-links", 5)


def extensions() -> list[Extension]:
    """The EXTENSIONS, made here: named by a string, an extension is first looked up among the
    entry points of every installed package (importlib.metadata), 10 ms of each process that
    converts Markdown. Made afresh for each Markdown instance: some keep per-document state."""
    with _without_pygments():
        return [importlib.import_module(f"markdown.extensions.{name}").makeExtension() for name in EXTENSIONS]


@contextlib.contextmanager
def _without_pygments() -> Iterator[None]:
    """Python-Markdown's code highlighter imported as where pygments is not installed. fenced_code
    imports the highlighter, which imports pygments when it can, and pygments' lexers read every
    installed package's entry points (importlib.metadata): 12–24 ms of the first conversion. Code
    is highlighted only by the codehilite extension, which is not among EXTENSIONS, so the HTML is
    the same either way. pygments itself stays importable: it is hidden only while this runs."""
    if "markdown.extensions.codehilite" in sys.modules or "pygments" in sys.modules:
        yield
        return
    sys.modules["pygments"] = None  # type: ignore[assignment] (the import system's "not installed")
    try:
        yield
    finally:
        if sys.modules.get("pygments", 0) is None:
            del sys.modules["pygments"]


class MarkdownRenderer:
    """One configured Python-Markdown instance, reused (building one costs more than a short article)."""

    def __init__(self, sanitize: Callable[[str], str] | None = None):
        self._holder = _Holder()
        self._md = md.Markdown(
            extensions=[*extensions(), _LinkExtension(self._holder), HeadingIdExtension()],
            output_format="html",
        )
        prepass.install(self._md)
        inline.install(self._md)
        linkpass.install(self._md)
        blockpass.install(self._md)
        blocktags.install(self._md)
        treepass.install(self._md)
        self._sanitize = sanitize

    def render(self, text: str, context: LinkContext | None = None) -> str:
        return self.fill(self.draft(text), context)

    def fill(self, draft: Draft, context: LinkContext | None = None) -> str:
        return fill(draft, context, self._sanitize)

    def draft(self, text: str) -> Draft:
        """Markdown → HTML with placeholders for internal links (the slow, cacheable part)."""
        token = f"press-link-{hashlib.sha256(text.encode()).hexdigest()[:12]}-"  # see _PLACEHOLDER
        self._holder.hrefs, self._holder.token = [], token
        try:
            out = self._md.reset().convert(text)
            hrefs = tuple(self._holder.hrefs)
        finally:
            self._holder.hrefs = None
        unescape = self._md.treeprocessors["unescape"].unescape  # type: ignore[attr-defined]
        shown = tuple(unescape(h) for h in hrefs)
        return Draft(out, token, hrefs, shown, unbalanced(self._md.htmlStash.rawHtmlBlocks, out))

    def summary(self, text: str) -> str:
        """The first paragraph of prose as plain text: the dek a reader sees in lists and feeds."""
        for block in _BLANK.split(text.strip()):
            block = block.strip()
            if not block or block.startswith(("#", "!", "<", ">", "|", "```", "- ", "* ", "---", "[!")):
                continue
            plain = html.unescape(_TAG.sub("", self._md.reset().convert(block))).strip()
            plain = " ".join(plain.split())
            if plain:
                return shorten(plain)
        return ""


def fill(draft: Draft, context: LinkContext | None, sanitize: Callable[[str], str] | None = None) -> str:
    """A draft's placeholders → the targets' URLs; links that resolve nowhere stay as written.

    Found and broken links are recorded on the context in document order.
    """
    return fill_with(draft, resolve_links(draft, context), sanitize)


def resolve_links(draft: Draft, context: LinkContext | None) -> list[str]:
    """What each internal link of a draft becomes (recorded on the context as found or broken)."""
    return [_resolve(h, shown, context) for h, shown in zip(draft.hrefs, draft.shown, strict=True)]


def fill_with(draft: Draft, values: list[str], sanitize: Callable[[str], str] | None = None) -> str:
    """A draft with its placeholders replaced by `values` (from resolve_links), then sanitized."""
    out = draft.html
    if draft.hrefs:

        def value(match: re.Match[str]) -> str:
            if match.group(1) != draft.token:
                return match.group(0)
            return _escape_attribute(values[int(match.group(2))])

        out = _PLACEHOLDER.sub(value, out)
    return sanitize(out) if sanitize else out


def _resolve(href: str, shown: str, context: LinkContext | None) -> str:
    if context is None:
        return shown
    content_id, fragment = internal_target(context.source_id, href) or ("", "")
    url = context.targets.get(content_id)
    if url is None:
        context.broken.append(href)
        return shown
    context.found.append(content_id)
    return url + (f"#{fragment}" if fragment else "")


def _escape_attribute(value: str) -> str:
    """Escaped exactly as Python-Markdown's HTML serializer escapes an attribute it writes itself."""
    if "&" in value:
        value = _AMP.sub("&amp;", value)
    return value.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"


def link_line(body: str, body_line: int, href: str) -> int:
    """Line of the first occurrence of a link target in the body, counted in the whole file."""
    index = body.find(href)
    return body_line + (body.count("\n", 0, index) if index >= 0 else 0)
