"""bench/compare.py times press from compiled bytecode, as pip installs Pelican (see compile_press)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _compare_module():
    spec = importlib.util.spec_from_file_location("bench_compare", ROOT / "bench" / "compare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_press_is_compiled_before_anything_is_timed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Even where the environment turns bytecode writing off (as this machine's does)."""
    compare = _compare_module()
    package = tmp_path / "generator"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "stage.py").write_text("VALUE = 1\n")
    monkeypatch.setattr(compare, "ROOT", tmp_path)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    compare.compile_press()
    compiled = sorted(p.name.split(".")[0] for p in (package / "__pycache__").glob("*.pyc"))
    assert compiled == ["__init__", "stage"]
