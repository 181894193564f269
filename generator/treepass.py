"""Python-Markdown's tree processors, minus two that cannot change most documents.

After the inline pass, Python-Markdown walks the whole element tree of every document twice more
in Python for what few documents hold: `attr_list` looks at the text of every element for a
`{: ...}` attribute list, and `unescape` turns the placeholder of every backslash escape (`\\*`)
back into its character. An attribute list needs a "{" and an escape a "\\" in the text the
document was written in: a tree's text is that text, and what the passes before put in it
(entities, raw HTML, footnote markers) is held apart as placeholders without either. Most news
articles have neither (53 and 121 of the 2,083 in the digital.gov corpus), and the two walks
were a twentieth of all Markdown time. Here each runs only on a document that holds its
character. The output is Python-Markdown's own, byte for byte: tests/test_markdown.py renders the
same documents with and without this pass and compares (every processor, the corpus, random text).
"""

from __future__ import annotations

from typing import Any

import markdown as md
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor, UnescapeTreeprocessor

# Tree processor name (Python-Markdown's registry) → its class, and the character a document must
# hold for it to change anything.
TRIGGERS: dict[str, tuple[type, str]] = {
    "attr_list": (AttrListTreeprocessor, "{"),
    "unescape": (UnescapeTreeprocessor, "\\"),
}
# Python-Markdown's priorities for them (its registry keeps them private).
_PRIORITIES = {"attr_list": 8, "unescape": 0}
_SOURCE = "press-source"
_FIRST = 100  # above every preprocessor: the document as it was given


class _Held(Preprocessor):
    """Notes which of the trigger characters the document holds, before anything changes it."""

    def __init__(self, parser: md.Markdown, held: set[str]):
        super().__init__(parser)
        self.held = held

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        self.held.clear()
        self.held.update(char for _, char in TRIGGERS.values() if char in text)
        return lines


class Triggered(Treeprocessor):
    """Runs the tree processor it wraps only on a document holding its character."""

    def __init__(self, parser: md.Markdown, inner: Any, char: str, held: set[str]):
        super().__init__(parser)
        self.inner = inner
        self.char = char
        self.held = held

    def run(self, root: Any) -> Any:
        if self.char in self.held:
            return self.inner.run(root)
        return None

    def __getattr__(self, name: str) -> Any:
        """The wrapped processor's own methods: other passes call `unescape` on the registry's
        "unescape" entry (Python-Markdown's extensions, and markdown.py here)."""
        if name == "inner":  # not set yet: no inner to ask
            raise AttributeError(name)
        return getattr(self.inner, name)


def supported(parser: md.Markdown) -> bool:
    """Whether each tree processor this pass wraps is the one it was written for (or absent)."""
    registry = parser.treeprocessors
    return _SOURCE not in parser.preprocessors and all(
        type(registry[name]) is kind for name, (kind, _) in TRIGGERS.items() if name in registry
    )


def install(parser: md.Markdown) -> bool:
    """Wrap the parser's tree processors (same names and places); False when not supported."""
    if not supported(parser):
        return False
    held: set[str] = set()
    parser.preprocessors.register(_Held(parser, held), _SOURCE, _FIRST)
    registry = parser.treeprocessors
    for name, (_, char) in TRIGGERS.items():
        if name in registry:
            registry.register(Triggered(parser, registry[name], char, held), name, _PRIORITIES[name])
    return True
