"""bench/compare.py times press from compiled bytecode, as pip installs Pelican (see compile_press)."""

from __future__ import annotations

import importlib.util
import sys
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


def test_rounds_alternate_the_tools_and_report_each_scenario_median(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    compare = _compare_module()
    order: list[tuple[str, str]] = []
    seconds = {"press": iter([3.0, 0.2, 0.9, 2.0, 0.3, 0.7, 2.5, 0.1, 0.8]), "hugo": iter([4.0] * 9)}

    class Scripted:
        """A tool whose builds take the seconds given, in turn."""

        def __init__(self, name: str):
            self.name, self.folder, self.scenario = name, tmp_path / name, "noop"

        def clean(self) -> None:
            self.scenario = "cold"

        def edit_one(self) -> None:
            self.scenario = "edit"

        def build(self, compare: bool = False, settle: float = 0.0) -> dict[str, float | int]:
            order.append((self.name, self.scenario))
            self.scenario = "noop"
            exit_code = 1 if self.name == "hugo" and len(order) == 4 else 0  # hugo's first cold fails
            figures = {"seconds": next(seconds[self.name]), "peak_mb": len(order), "exit": exit_code}
            return {**figures, "files_differing": len(order)}

    (tmp_path / "archive-10").mkdir()
    monkeypatch.setattr(compare, "tools", lambda *args: [Scripted("press"), Scripted("hugo")])
    lines: list[dict] = []
    compare.run(10, ["press", "hugo"], list(compare.SCENARIOS), tmp_path, None, lines.append, repeat=3)
    one_round = [(tool, s) for tool in ("press", "hugo") for s in ("cold", "noop", "edit")]
    assert order == one_round * 3
    press = {line["scenario"]: line for line in lines if line["tool"] == "press"}
    assert [line["scenario"] for line in lines if line["tool"] == "hugo"] == ["cold", "noop", "edit"]
    assert press["cold"]["seconds"] == 2.5 and press["cold"]["seconds_each"] == [3.0, 2.0, 2.5]
    assert press["edit"]["seconds"] == 0.8 and press["noop"]["seconds"] == 0.2
    assert press["cold"]["peak_mb"] == 7  # the median of 1, 7 and 13
    assert press["edit"]["files_differing"] == 3  # the first round's (later ones edit again)
    hugo = {line["scenario"]: line for line in lines if line["tool"] == "hugo"}
    assert hugo["cold"]["exit"] == 1 and hugo["noop"]["exit"] == 0


def test_a_process_tree_that_changes_while_it_is_read_is_not_a_sample(monkeypatch: pytest.MonkeyPatch):
    """A fork halves the parent's PSS at once: the parent read before it and the child after
    counted the shared pages one and a half times. Here this very test process is the tree, and a
    real child starts while its memory is being read."""
    import os
    import subprocess

    compare = _compare_module()
    children: list[subprocess.Popen[bytes]] = []
    real = compare._memory

    def read_then_fork(pid: int) -> int:
        found = real(pid)
        if not children:
            children.append(subprocess.Popen(["sleep", "30"]))
        return found

    try:
        steady = compare._tree_memory(os.getpid())
        assert steady is not None and steady > 0  # nothing started: a sample
        monkeypatch.setattr(compare, "_memory", read_then_fork)
        assert compare._tree_memory(os.getpid()) is None
        monkeypatch.setattr(compare, "_memory", real)
        assert children[0].pid in compare._tree(os.getpid())
        assert compare._tree_memory(os.getpid()) is not None  # the child stays: a steady tree again
    finally:
        for child in children:
            child.kill()
            child.wait()


def test_each_build_says_how_many_inodes_the_kernel_held_as_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Creating files costs more with a million inodes held in the kernel's table (see
    cached_inodes): each build's line gives the count, read from /proc as the build starts."""
    compare = _compare_module()
    counts = tmp_path / "inode-nr"
    counts.write_text("1181447\t0\n")
    monkeypatch.setattr(compare, "INODE_COUNT", counts)
    monkeypatch.setattr(compare, "SETTLE_SECONDS", 0.0)
    figures = compare.measure([sys.executable, "-c", "pass"], tmp_path)
    assert figures["exit"] == 0 and figures["inodes_cached"] == 1181447
    counts.unlink()  # no such file (not Linux): no such figure
    assert "inodes_cached" not in compare.measure([sys.executable, "-c", "pass"], tmp_path)
    if Path("/proc/sys/fs/inode-nr").exists():
        monkeypatch.setattr(compare, "INODE_COUNT", Path("/proc/sys/fs/inode-nr"))
        assert compare.cached_inodes() > 0


def test_each_tool_builds_a_small_archive_once_before_anything_is_timed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """warm_up: a real, untimed press build (its exit code reported), and nothing of it left."""
    compare = _compare_module()
    if not compare.MAKE_ARCHIVE.exists():
        pytest.skip("needs ../shared/tools/make_archive.py beside the checkout")
    monkeypatch.setattr(compare, "WARM_UP_ARTICLES", 12)
    trash = compare.Trash(tmp_path / "trash")
    assert compare.warm_up(tmp_path, ["press"], None, trash) == {"press": 0}
    assert (tmp_path / "archive-12" / "content").is_dir()
    assert not (tmp_path / "warm-up" / "press").exists()
    built = list((tmp_path / "trash").rglob("output/index.html"))
    assert len(built) == 1, "the site built goes to the trash (see Trash), output and all"
    # A build that fails is reported, not hidden: here site.toml can't be parsed.
    (tmp_path / "archive-12" / "site.toml").write_text("title = [unclosed\n")
    assert compare.warm_up(tmp_path, ["press"], None) == {"press": 1}


def test_what_is_cleaned_is_moved_aside_until_the_run_is_over(tmp_path: Path):
    """A cold build follows no deletion (see Trash): the output and caches are renamed into the
    trash (the same inodes, nothing freed) and deleted once the run is over; without a trash
    folder they are deleted at once (--delete-before-cold)."""
    compare = _compare_module()
    site = tmp_path / "site"
    (site / "output" / "a").mkdir(parents=True)
    (site / "output" / "a" / "index.html").write_text("page")
    (site / ".cache").mkdir()
    inode = (site / "output" / "a" / "index.html").stat().st_ino
    trash = compare.Trash(tmp_path / "trash")
    tool = compare.Tool("press", site, site / "output", ["true"], trash=trash)
    tool.clean()
    assert not (site / "output").exists() and not (site / ".cache").exists()
    kept = [p for p in (tmp_path / "trash").rglob("index.html")]
    assert [p.stat().st_ino for p in kept] == [inode]
    tool.clean()  # nothing left to move: no error, nothing added
    assert len(list((tmp_path / "trash").iterdir())) == 2
    trash.empty()
    assert not (tmp_path / "trash").exists()
    (site / "output").mkdir()
    compare.Tool("press", site, site / "output", ["true"]).clean()  # no trash: deleted at once
    assert not (site / "output").exists() and not (tmp_path / "trash").exists()
