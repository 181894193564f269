"""Many long texts held compressed: an archive's bodies must not grow memory with every article.

Rendered HTML compresses 2–6× with zlib at its fastest level, and decompressing an article's HTML
when its page is rendered costs far less than rendering it. Reads give back exactly the text stored.
A small archive's texts are stored without compressing (zlib's level 0, the same format): there,
compressing and decompressing were a twentieth of a build, to save memory it doesn't need.
"""

from __future__ import annotations

import mmap
import os
import zlib
from array import array
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

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

    def grow(self, size: int) -> None:
        """Count a string of `size` bytes written elsewhere (to the file mapped later, see map)."""
        self._ends.append(self._ends[-1] + size)

    def map(self, file: int) -> None:
        """Read the strings from `file` (what was written to it), mapped, no longer from memory
        of this process's own."""
        size = self._ends[-1]
        self._buffer = mmap.mmap(file, size, prot=mmap.PROT_READ) if size else bytearray()  # type: ignore[assignment]

    def ends(self) -> bytes:
        return self._ends.tobytes()

    def take_ends(self, ends: bytes) -> None:
        self._ends = array("q")
        self._ends.frombytes(ends)

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

    Given a `file` (see memory_file), the buffer is that file, mapped, and the descriptor is taken
    over (closed once mapped: the mapping keeps the file). A process forked before the texts
    existed (parallel.Spare) is handed them pickled as that descriptor, which it inherited, and
    maps the same pages. Without a file, pickling copies the texts.
    """

    def __init__(self, texts: Iterable[str], file: int | None = None):
        self._spans = _Spans()
        self._file = file
        pending = bytearray()  # written to the file a megabyte at a time, not a text at a time
        for text in texts:  # appended one by one: a list of encodings would double the peak
            data = text.encode("utf-8", "surrogatepass")
            if file is None:
                self._spans.append(data)
                continue
            pending += data
            self._spans.grow(len(data))
            if len(pending) >= _WRITE_AT:
                write_all(file, pending)
                pending.clear()
        if file is not None:
            write_all(file, pending)
            self._spans.map(file)
            os.close(file)  # the mapping keeps the file, and a spare process its own descriptor

    def __len__(self) -> int:
        return len(self._spans)

    def encoded(self, at: int) -> memoryview:
        """A text's UTF-8 bytes, not copied (to hash it)."""
        return self._spans.view(at)

    def __getitem__(self, at: int) -> str:
        return str(self._spans.view(at), "utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        return (self[at] for at in range(len(self)))

    def __reduce__(self) -> tuple[Any, ...]:
        if self._file is None:
            return SharedTexts, (list(self),)
        return _mapped, (self._file, self._spans.ends())


def _mapped(file: int, ends: bytes) -> SharedTexts:
    """The texts of a SharedTexts written to `file`, in a process that inherited its descriptor."""
    texts = SharedTexts((), None)
    texts._file = file
    texts._spans.take_ends(ends)
    texts._spans.map(file)
    os.close(file)
    return texts


_WRITE_AT = 1 << 20


def write_all(file: int, data: bytes | bytearray) -> None:
    """All of `data` to a descriptor (os.write may write less than it is given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(file, view) :]


def memory_file(name: str) -> int | None:
    """A new file that lives in memory only (no path, gone with its last descriptor), for texts
    processes share (see SharedTexts); None where the system has none (then they're copied)."""
    try:
        return os.memfd_create(name, 0)  # inherited by forked processes (no close-on-exec needed)
    except (AttributeError, OSError):
        return None
