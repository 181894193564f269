import os

import pytest

from generator.listing import list_output
from generator.models import Output, Unchanged
from generator.pagememo import output_files
from generator.parallel import ordered_map
from generator.write import MARKER, Stager, UnsafeOutput, check_out_dir, update, write


def out(path: str, data: bytes) -> Output:
    return Output(url="/" + path, path=path, data=data)


def test_first_write_creates_folder_with_marker(tmp_path):
    report = write([out("index.html", b"a"), out("x/index.html", b"b")], tmp_path / "o")
    assert sorted(report.written) == ["index.html", "x/index.html"]
    assert (tmp_path / "o" / MARKER).exists()
    assert (tmp_path / "o/x/index.html").read_bytes() == b"b"


def test_a_first_write_lists_the_output_as_it_is_on_disk(tmp_path):
    """The staged files' sizes and mtimes, taken as they were staged, are those of output/ once
    the staging folder becomes it (the last-build record and page memo keep them)."""
    target = tmp_path / "o"
    report = write([out("index.html", b"a"), out("x/y/index.html", b"bb"), out("s.css", b"")], target)
    assert report.files == output_files(str(target))
    assert sorted(report.files) == ["index.html", "s.css", "x/y/index.html"]


def test_only_changed_files_are_written_and_stale_removed(tmp_path):
    target = tmp_path / "o"
    write([out("a.html", b"a"), out("b.html", b"b"), out("old/c.html", b"c")], target)
    os.utime(target / "a.html", ns=(1, 1))
    report = write([out("a.html", b"a"), out("b.html", b"B")], target)
    assert report.written == ["b.html"] and report.unchanged == 1
    assert report.removed == ["old/c.html"]
    assert (target / "a.html").stat().st_mtime_ns == 1
    assert not (target / "old").exists()
    assert not any(p.name.startswith(".o.staging") for p in tmp_path.iterdir())


def test_a_rewrite_lists_the_output_as_it_is_on_disk(tmp_path):
    """The listing the last-build record keeps (lastbuild.py) comes from the stale-file walk."""
    target = tmp_path / "o"
    write([out("a.html", b"a"), out("old/c.html", b"c")], target)
    report = write([out("a.html", b"a"), out("x/b.html", b"bb")], target)
    assert report.files == output_files(str(target))
    assert sorted(report.files) == ["a.html", "x/b.html"]
    assert report.files["x/b.html"][0] == 2


BEFORE = {
    "index.html": b"home",
    "a/index.html": b"a",
    "old/deep/er/index.html": b"stale, and its folders with it",
    "keep/x.html": b"x",
    "keep/stale.html": b"stale beside a kept file",
    "swap/index.html": b"a folder that becomes a file",
    "moved/stale.html": b"replaced by a new file beside it",
    "grow/stale.html": b"replaced by a new file in a new folder in it",
}
AFTER = [
    ("index.html", b"home"),
    ("a/index.html", b"A changed"),
    ("keep/x.html", b"x"),
    ("new/deeper/still/index.html", b"new, in new folders"),
    ("new/deeper/other.html", b"a second new file there"),
    ("a/b/index.html", b"new beside a changed one"),
    ("moved/fresh.html", b"fresh"),
    ("grow/sub/new.html", b"new"),
]


def _handed(value):
    return lambda: value


SWAPS = {
    "files": [],
    "a folder becomes a file": [("swap", b"now a file")],
    # An alias /old/story.html that became /old/story.html/amp/ (the file is in the way of a folder).
    "a file becomes a folder": [("keep/x.html/amp/index.html", b"where a file was"), ("keep/y", b"y")],
}


@pytest.mark.parametrize("swap", list(SWAPS))
def test_a_listing_taken_before_the_move_leaves_what_walking_after_it_leaves(tmp_path, swap):
    """A build lists output/ while pages are made (list_output); deleting stale files and empty
    folders from that listing must leave exactly what walking output/ after the move leaves."""
    trees = {}
    after = [*AFTER, *SWAPS[swap]]
    if swap == "a file becomes a folder":
        after.remove(("keep/x.html", b"x"))
    for listed in (False, True):
        target = tmp_path / ("listed" if listed else "walked")
        write([out(path, data) for path, data in BEFORE.items()], target)
        (target / "empty/inner").mkdir(parents=True)  # a folder holding no file at all
        (target / "hand.html").write_bytes(b"put there by hand")
        listing = _handed(list_output(target)) if listed else None
        report = write([out(p, d) for p, d in after], target, listing=listing)
        folders = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_dir())
        trees[listed] = (output_files(str(target)), folders, report.removed, sorted(report.written))
        assert report.files == output_files(str(target))  # what the last-build record keeps
        assert all((target / p).read_bytes() == d for p, d in after)
    assert {path for path in trees[True][0]} == {p for p, _ in after}
    assert trees[True][1:] == trees[False][1:]
    assert "old" not in trees[True][1] and "empty" not in trees[True][1] and "keep" in trees[True][1]


def test_an_update_puts_a_folder_where_a_file_was_and_a_file_where_a_folder_was(tmp_path):
    """press serve's writes (update): the stale file or folder in the way goes, as in a build."""
    target = tmp_path / "o"
    write([out("old/story.html", b"alias"), out("swap/index.html", b"page")], target)
    report = update(
        [out("old/story.html/amp/index.html", b"alias, moved"), out("swap", b"a file now")],
        ["old/story.html", "swap/index.html"],
        target,
    )
    assert (target / "old/story.html/amp/index.html").read_bytes() == b"alias, moved"
    assert (target / "swap").read_bytes() == b"a file now"
    assert sorted(report.written) == ["old/story.html/amp/index.html", "swap"]
    assert report.removed == ["old/story.html"]


def test_error_while_rendering_leaves_output_untouched(tmp_path):
    target = tmp_path / "o"
    write([out("a.html", b"a")], target)

    def broken():
        yield out("a.html", b"changed")
        raise RuntimeError("template blew up")

    with pytest.raises(RuntimeError):
        write(broken(), target)
    assert (target / "a.html").read_bytes() == b"a"
    assert not any(p.name.startswith(".o.staging") for p in tmp_path.iterdir())


def test_two_outputs_at_one_path_are_refused(tmp_path):
    with pytest.raises(Exception, match="two outputs claim one file") as caught:
        write([out("a.html", b"1"), out("a.html", b"2")], tmp_path / "o")
    assert "press check" in caught.value.problem.format()  # says how to find and fix the sources


def test_out_dir_checks(tmp_path):
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    assert "sources" in check_out_dir(site, site).message
    assert check_out_dir(site / "output", site) is None
    (tmp_path / "other").mkdir()
    (tmp_path / "other/file").write_text("x")
    assert "not made by press" in check_out_dir(tmp_path / "other", site).message


def _stage_batch(stager: Stager, batch: list[Output]):
    return [stager.stage(output) for output in batch]


def test_outputs_staged_by_forked_workers_are_committed_like_any_other(tmp_path):
    target = tmp_path / "o"
    write([out("same.html", b"same"), out("gone.html", b"x")], target)
    os.utime(target / "same.html", ns=(1, 1))
    stager = Stager(target)
    batches = [[out(f"p{i}/index.html", str(i).encode()) for i in range(n, n + 5)] for n in range(0, 20, 5)]
    batches.append([out("same.html", b"same"), Unchanged(url="/kept.html", path="kept.html")])
    (target / "kept.html").write_bytes(b"from last build")
    staged = [item for batch in ordered_map(_stage_batch, stager, batches, jobs=2) for item in batch]
    assert all(isinstance(item.digest, str) for item in staged)
    report = write(staged, target, stager)
    assert sorted(report.written) == sorted(f"p{i}/index.html" for i in range(20))
    assert report.unchanged == 2 and report.removed == ["gone.html"]
    assert (target / "p7/index.html").read_bytes() == b"7"
    assert (target / "same.html").stat().st_mtime_ns == 1
    assert (target / "kept.html").read_bytes() == b"from last build"
    assert not stager.staging.exists()


def test_an_escaping_path_refused_in_a_worker_reaches_the_parent_with_its_problem(tmp_path):
    stager = Stager(tmp_path / "o")
    bad = [[out("fine.html", b"1")], [Output(url="/x", path="../outside.html", data=b"2")]]
    with pytest.raises(UnsafeOutput) as caught:
        list(ordered_map(_stage_batch, stager, bad, jobs=2))
    assert "would leave the output folder" in caught.value.problem.message
    assert not (tmp_path / "outside.html").exists()


def test_staging_left_by_a_killed_build_is_removed_and_a_running_ones_kept(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "o"
    write([out("a.html", b"a")], target)
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = tmp_path / f".o.staging-{int(ended.stdout)}"
    alive = tmp_path / f".o.staging-{os.getppid()}"  # the process that ran pytest: running
    for folder in (dead, alive):
        (folder / "x").mkdir(parents=True)
    write([out("a.html", b"b")], target)
    assert not dead.exists()
    assert alive.exists()
    assert (target / "a.html").read_bytes() == b"b"
