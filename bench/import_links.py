"""Import the real corpus with `press import --from hugo`, build it, and count its internal links.

    python3 bench/import_links.py [--corpus ../shared/corpus/digitalgov] [--keep DIR]

Prints JSON: articles written and built, build errors and warnings, and the corpus's internal
links (Hugo ref/relref) after import: how many work in the built site (rewritten to an
article's URL), how many the build reports as broken, and how many sit in raw HTML, where the
build does not read links. Not a test: a figure for the issue note.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.bodies import link_targets  # noqa: E402
from generator.build import build  # noqa: E402
from generator.importers.archive import import_archive  # noqa: E402
from generator.markdown import LinkContext, MarkdownRenderer  # noqa: E402
from generator.options import Options  # noqa: E402

SITE_TOML = 'title = "Digital.gov import"\nbase_url = "/"\ntimezone = "America/New_York"\n'
RAW_MD_HREF = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|//|#)[^"]*\.md(?:#[^"]*)?"', re.I)


def count_links(site_dir: Path) -> dict[str, object]:
    started = time.perf_counter()
    result = build(site_dir, Options(drafts=True))
    seconds = time.perf_counter() - started
    figures: dict[str, object] = {
        "build_errors": len(result.errors),
        "build_warnings": len(result.warnings),
        "build_seconds": round(seconds, 2),
    }
    if result.site is None:
        return figures
    library = result.site.library
    targets = link_targets(library, result.site.urls)
    renderer = MarkdownRenderer()
    working = broken = raw = 0
    for article in library.articles:
        context = LinkContext(article.id, targets)
        html = renderer.render(article.body, context)
        working += len(context.found)
        broken += len(context.broken)
        raw += len(RAW_MD_HREF.findall(html)) - len(context.broken)  # broken links keep their .md href
    figures.update(
        articles_built=len(library.articles),
        links_working=working,
        links_broken=broken,
        links_in_raw_html=raw,
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parent.parent
    parser.add_argument("--corpus", type=Path, default=here.parent / "shared" / "corpus" / "digitalgov")
    parser.add_argument("--keep", type=Path, help="import into this folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        site = args.keep or Path(temp) / "site"
        site.mkdir(parents=True, exist_ok=True)
        (site / "site.toml").write_text(SITE_TOML, encoding="utf-8")
        started = time.perf_counter()
        report = import_archive(args.corpus, site / "content", "hugo")
        figures: dict[str, object] = {
            "import_seconds": round(time.perf_counter() - started, 2),
            "articles_written": sum(1 for _ in (site / "content" / "articles").rglob("*.md")),
            "import_failed": len(report.failed),
            **{key.replace(" ", "_"): value for key, value in sorted(report.figures.items())},
        }
        figures.update(count_links(site))
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
