"""What the related-graph benchmarks share: a make_archive archive, read by the real pipeline stages.

The shared corpus and its tool sit beside the checkout (`../shared`), as in the test suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from generator.bodies import Bodies
from generator.build import read_all
from generator.cache import Cache
from generator.config import load_config
from generator.library import Library, make_library
from generator.markdown import internal_target
from generator.urls import Urls

ROOT = Path(__file__).resolve().parent.parent
MAKE_ARCHIVE = ROOT.parent / "shared" / "tools" / "make_archive.py"
_LINK = re.compile(r"\]\(([^)\s]+)")


@dataclass
class Inputs:
    library: Library
    bodies: Bodies


def make_archive(out: Path, n: int | None = None) -> Path:
    if not MAKE_ARCHIVE.exists():
        sys.exit(f"needs {MAKE_ARCHIVE} (the shared corpus tools beside the checkout)")
    extra = ["--n", str(n)] if n else []
    command = [sys.executable, str(MAKE_ARCHIVE), "--out", str(out), *extra]
    subprocess.run(command, check=True, capture_output=True)
    return out


def read_inputs(site: Path) -> Inputs:
    """Library from the real reader; the internal-link graph from the markdown stage's own resolver.

    Rendering every body is the markdown stage's cost, not the graph's: at 100,000 articles it
    would dwarf what is measured, so links are found on the bodies' `[text](href)` links directly.
    """
    config, problems = load_config(site)
    articles, authors, pages = read_all(site, config, problems, Cache(None))  # measured cold
    library, _ = make_library(articles, authors, pages, Urls.from_config(config), config.tz)
    links: dict[str, tuple[str, ...]] = {}
    for article in library.articles:
        targets = (internal_target(article.id, href) for href in _LINK.findall(article.body))
        found = (t[0] for t in targets if t is not None and t[0] in library.by_id and t[0] != article.id)
        links[article.id] = tuple(dict.fromkeys(found))
    return Inputs(library, Bodies(links=links))
