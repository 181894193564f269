"""Many long texts held compressed: an archive's bodies must not grow memory with every article.

Rendered HTML compresses 2–6× with zlib at its fastest level, and decompressing an article's HTML
when its page is rendered costs far less than rendering it. Reads give back exactly the text stored.
A small archive's texts are stored without compressing (zlib's level 0, the same format): there,
compressing and decompressing were a twentieth of a build, to save memory it doesn't need.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Iterator, MutableMapping

LEVEL = 1
STORED = 0
COMPRESS_FROM = 20_000  # texts in an archive (2,083 articles' HTML: 9.5 MB, 4.4 compressed)


def level_for(texts: int) -> int:
    return LEVEL if texts >= COMPRESS_FROM else STORED


def pack(text: str, level: int = LEVEL) -> bytes:
    return zlib.compress(text.encode("utf-8"), level)


def unpack(data: bytes | memoryview) -> str:
    return zlib.decompress(data).decode("utf-8")


class _Spans:
    """Byte strings one after another in one buffer, each found again by its number: one object
    for a forked process to read, however many strings (see SharedTexts)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ends = array("q", [0])

    def append(self, data: bytes) -> int:
        """Add a string; its number."""
        self._buffer += data
        self._ends.append(len(self._buffer))
        return len(self._ends) - 2

    def __len__(self) -> int:
        return len(self._ends) - 1

    def view(self, at: int) -> memoryview:
        """String `at`, not copied (the buffer can't grow while a view of it is alive)."""
        if not 0 <= at < len(self):
            raise IndexError(at)
        return memoryview(self._buffer)[self._ends[at] : self._ends[at + 1]]


class PackedTexts(MutableMapping[str, str]):
    """A dict of str → str whose values live compressed, one after another in one buffer: the
    render workers, forked, read them without copying them (see SharedTexts; as a bytes object
    each, the workers copied a page of most of them). A text set again, or deleted, leaves its
    old bytes in the buffer: a build sets each text once."""

    def __init__(self) -> None:
        self._spans = _Spans()
        self._numbers: dict[str, int] = {}

    def __getitem__(self, key: str) -> str:
        return unpack(self._spans.view(self._numbers[key]))

    def __setitem__(self, key: str, value: str) -> None:
        self.set_packed(key, pack(value))

    def packed(self, key: str) -> bytes | None:
        """The stored bytes (which decide the text: equal bytes, equal text)."""
        number = self._numbers.get(key)
        return None if number is None else bytes(self._spans.view(number))

    def set_packed(self, key: str, data: bytes) -> None:
        """Store text that is already packed (a cached draft that needed no links filled in)."""
        self._numbers[key] = self._spans.append(data)

    def __delitem__(self, key: str) -> None:
        del self._numbers[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._numbers)

    def __len__(self) -> int:
        return len(self._numbers)

    def __contains__(self, key: object) -> bool:
        return key in self._numbers


class SharedTexts:
    """Texts in one buffer, each read back as a str when asked for: what forked processes share.

    A str is an allocation of its own whose first page holds its reference count, so a forked
    process that merely reads every article's Markdown writes a page of each, and the system copies
    it: at 100,000 articles that was 0.4 GB for each of the four processes of the Markdown stage.
    The buffer is one object, read and never written, so its pages stay shared. It holds UTF-8
    (lone surrogates kept, as the bodies' other encodings keep them), half the size of the many
    bodies that hold a curly quote and so take two bytes a character as a str.
    """

    def __init__(self, texts: Iterable[str]):
        self._spans = _Spans()
        for text in texts:  # appended one by one: a list of encodings would double the peak
            self._spans.append(text.encode("utf-8", "surrogatepass"))

    def __len__(self) -> int:
        return len(self._spans)

    def encoded(self, at: int) -> memoryview:
        """A text's UTF-8 bytes, not copied (to hash it)."""
        return self._spans.view(at)

    def __getitem__(self, at: int) -> str:
        return str(self._spans.view(at), "utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        return (self[at] for at in range(len(self)))
