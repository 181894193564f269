"""parallel.in_background: work started in a forked process, its result handed over once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from generator.parallel import in_background


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value * 2


def _fails() -> None:
    raise ValueError("broken in the background")


def test_result_comes_from_another_process():
    pid, value = in_background(_pid_and, 21)()
    assert value == 42 and pid != os.getpid()


def test_an_error_in_the_background_is_raised_where_the_result_is_asked_for():
    result = in_background(_fails)
    with pytest.raises(ValueError, match="broken in the background"):
        result()


def test_with_threads_running_the_work_is_done_in_this_process():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        pid, value = in_background(_pid_and, 1)()
    finally:
        stop.set()
        thread.join()
    assert (pid, value) == (os.getpid(), 2)


def test_a_process_whose_similarity_search_ran_threaded_can_still_search_in_the_background():
    """sp_matmul_topn's thread pool does not survive a fork: a child searching with it waited
    forever (the test suite hung this way). Run in a subprocess so a hang fails, not blocks."""
    script = textwrap.dedent(
        """
        import scipy.sparse as sp
        from generator.parallel import in_background
        from generator.similarity import nearest
        vectors = sp.random(400, 300, density=0.05, format="csr", random_state=1, dtype="float32")
        here = nearest(vectors, 5, 0.0)
        there = in_background(nearest, vectors, 5, 0.0)()
        assert (here.rows == there.rows).all() and (here.cols == there.cols).all()
        print("same", len(here.rows))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("same ") and int(done.stdout.split()[1]) > 0


def test_a_result_never_asked_for_does_not_keep_the_program_from_exiting():
    """A build that fails after starting background work never asks for it; the process, blocked
    on a pipe nobody reads, must not make Python wait for it at exit."""
    script = textwrap.dedent(
        """
        from generator.parallel import in_background
        in_background(bytes, 50_000_000)  # far more than a pipe holds
        print("leaving")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "leaving"


def _touch_later(path: str) -> None:
    import time

    time.sleep(3)
    with open(path, "w") as handle:
        handle.write("finished")


def test_cancelled_work_is_stopped_at_once(tmp_path):
    """Work no longer wanted (the related lists turned out to be cached) must not go on using a core."""
    import time

    marker = tmp_path / "finished"
    job = in_background(_touch_later, str(marker))
    started = time.monotonic()
    job.cancel()
    assert time.monotonic() - started < 2
    time.sleep(4)
    assert not marker.exists()


def _pid() -> int:
    return os.getpid()


def test_the_process_ends_when_its_work_is_done_not_when_the_result_is_taken():
    """Its memory is freed at once: the answer waits in a file, not in a pipe it would block on."""
    import time

    job = in_background(bytes, 50_000_000)  # far more than a pipe holds
    process = job._process
    deadline = time.monotonic() + 30
    while process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process.is_alive()
    assert job() == bytes(50_000_000)


def test_no_answer_file_is_left_behind(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert in_background(_pid)() != os.getpid()
    in_background(_touch_later, str(tmp_path / "never")).cancel()
    assert list(tmp_path.iterdir()) == []


def _collector_walks_inherited() -> bool:
    """In the child: whether the garbage collector would walk what it inherited (gc.freeze)."""
    import gc

    return gc.get_freeze_count() == 0


def _pool_task(state: None, batch: int) -> int:
    return batch


def test_the_heap_is_frozen_while_a_forked_process_shares_it():
    """A collection writes to every object it walks, and the system then copies each page a forked
    process shares: while one lives, neither side's collector walks the objects it was forked with.
    The last process to end unfreezes them, so later garbage cycles are collected again."""
    import gc

    from generator.parallel import ordered_map

    assert gc.get_freeze_count() == 0
    text = in_background(_collector_walks_inherited)
    other = in_background(_pid)
    assert gc.get_freeze_count() > 0
    assert list(ordered_map(_pool_task, None, range(8), 2)) == list(range(8))
    assert gc.get_freeze_count() > 0  # the pool ended, the background processes have not
    assert text() is False
    assert gc.get_freeze_count() > 0
    other.cancel()
    assert gc.get_freeze_count() == 0


def _dies_in_a_child(parent: int) -> int:
    if os.getpid() != parent:
        os._exit(1)  # the forked process dies without an answer (killed, say)
    return 7


@pytest.mark.parametrize("dies", [False, True])
def test_settled_work_lets_go_of_its_arguments_and_still_answers(dies):
    """settle waits for the work (done here if the process died) and drops the arguments, which
    later forks must not inherit; the answer is read when asked for."""
    job = in_background(_dies_in_a_child, os.getpid()) if dies else in_background(_pid_and, 4)
    job.settle()
    assert job._args == ()
    if dies:
        assert job() == 7
    else:
        pid, value = job()
        assert value == 8 and pid != os.getpid()


def test_work_without_retry_lets_go_of_its_arguments_and_dying_gives_the_fallback():
    kept = in_background(_pid_and, 5)
    kept.without_retry((0, 0))
    assert kept._args == ()
    assert kept()[1] == 10
    died = in_background(_dies_in_a_child, os.getpid())
    died.without_retry(-1)
    assert died() == -1  # not worked out again here: the arguments are gone
