"""Many long texts held compressed: an archive's bodies must not grow memory with every article.

Rendered HTML compresses 2–6× with zlib at its fastest level, and decompressing an article's HTML
when its page is rendered costs far less than rendering it. Reads give back exactly the text stored.
A small archive's texts are stored without compressing (zlib's level 0, the same format): there,
compressing and decompressing were a twentieth of a build, to save memory it doesn't need.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, MutableMapping

LEVEL = 1
STORED = 0
COMPRESS_FROM = 20_000  # texts in an archive (2,083 articles' HTML: 9.5 MB, 4.4 compressed)


def level_for(texts: int) -> int:
    return LEVEL if texts >= COMPRESS_FROM else STORED


def pack(text: str, level: int = LEVEL) -> bytes:
    return zlib.compress(text.encode("utf-8"), level)


def unpack(data: bytes) -> str:
    return zlib.decompress(data).decode("utf-8")


class PackedTexts(MutableMapping[str, str]):
    """A dict of str → str whose values live compressed."""

    def __init__(self) -> None:
        self._packed: dict[str, bytes] = {}

    def __getitem__(self, key: str) -> str:
        return unpack(self._packed[key])

    def __setitem__(self, key: str, value: str) -> None:
        self._packed[key] = pack(value)

    def packed(self, key: str) -> bytes | None:
        """The stored bytes (which decide the text: equal bytes, equal text)."""
        return self._packed.get(key)

    def set_packed(self, key: str, data: bytes) -> None:
        """Store text that is already packed (a cached draft that needed no links filled in)."""
        self._packed[key] = data

    def __delitem__(self, key: str) -> None:
        del self._packed[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)

    def __contains__(self, key: object) -> bool:
        return key in self._packed
