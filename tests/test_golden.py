"""Golden output of the small fixture site, byte for byte.

Regenerate after an intended change with:
    PRESS_UPDATE_GOLDEN=1 python3 -m pytest tests/test_golden.py
then review `git diff tests/golden`.
"""

import os
import shutil
from pathlib import Path

from generator.build import Options, build
from tests.conftest import SITES

GOLDEN = Path(__file__).resolve().parent / "golden" / "small"
SKIP = {".press-output"}


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in SKIP and not p.relative_to(root).as_posix().startswith("static/")
    }


def test_small_site_matches_golden_output(tmp_path):
    out = tmp_path / "out"
    result = build(SITES / "small", Options(out_dir=out))
    assert result.ok, [p.format() for p in result.problems]
    built = files(out)
    if os.environ.get("PRESS_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in built.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = files(GOLDEN)
    assert sorted(built) == sorted(expected)
    for rel in expected:
        assert built[rel] == expected[rel], f"{rel} differs from tests/golden/small/{rel}"
