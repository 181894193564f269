"""parallel.EarlyWorkers: processes forked while the build is small, handed one ordered map later
(the Markdown stage of a large archive, see bodies._converted)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from generator.parallel import EarlyWorkers
from generator.texts import SharedTexts, memory_file


def _scaled(state: int, batch: tuple[int, int]) -> tuple[int, list[int]]:
    time.sleep(0.002)  # long enough for the workers to take a share
    return os.getpid(), [state * x for x in range(*batch)]


def _held(marker: str, batch: int) -> tuple[bool, int]:
    return marker in globals(), os.getpid()


def _fails_on_seven(_state: None, batch: int) -> int:
    if batch == 7:
        raise ValueError("batch seven is broken")
    return batch


def _dies_elsewhere(parent: int, batch: int) -> int:
    if batch == 5 and os.getpid() != parent:
        os._exit(3)  # killed, say
    return batch


def _read(texts: SharedTexts, at: int) -> tuple[str, int]:
    return texts[at], os.getpid()


@pytest.mark.parametrize("count", [1, 2])
def test_results_come_in_order_shared_between_the_workers_and_this_process(count):
    workers = EarlyWorkers(count)
    assert len(workers) == count
    results = list(workers.map(_scaled, 3, [(n, n + 5) for n in range(0, 600, 5)], ahead=4))
    assert [x for _pid, xs in results for x in xs] == [3 * x for x in range(600)]
    pids = {pid for pid, _xs in results}
    assert os.getpid() in pids and len(pids - {os.getpid()}) >= 1  # both sides did some


def test_the_workers_hold_nothing_made_after_they_were_forked():
    workers = EarlyWorkers(1)
    globals()["_made_after_the_fork"] = True
    try:
        seen = list(workers.map(_held, "_made_after_the_fork", list(range(40)), ahead=2))
    finally:
        del globals()["_made_after_the_fork"]
    theirs = [held for held, pid in seen if pid != os.getpid()]
    assert theirs and not any(theirs)


def test_texts_in_a_memory_file_made_after_the_fork_reach_the_workers():
    file = memory_file("press-test")
    if file is None:
        pytest.skip("this system has no memory files (os.memfd_create): texts are copied instead")
    workers = EarlyWorkers(1)  # forked before the texts exist, as a build does
    given = [f"text {n} — “{n}”" for n in range(200)]
    texts = SharedTexts(given, file)
    seen = list(workers.map(_read, texts, list(range(200)), ahead=2))
    assert [text for text, _pid in seen] == given
    assert any(pid != os.getpid() for _text, pid in seen)


def test_an_error_in_a_batch_is_raised_here_and_the_workers_end():
    workers = EarlyWorkers(1)
    process = workers._workers[0].process
    with pytest.raises(ValueError, match="batch seven is broken"):
        list(workers.map(_fails_on_seven, None, list(range(40))))
    process.join(timeout=10)
    assert not process.is_alive()


def test_a_worker_that_dies_has_its_batches_done_here():
    workers = EarlyWorkers(1)
    assert list(workers.map(_dies_elsewhere, os.getpid(), list(range(60)), ahead=4)) == list(range(60))


def test_workers_given_no_work_end_when_closed():
    workers = EarlyWorkers(2)
    processes = [worker.process for worker in workers._workers]
    workers.close()
    for process in processes:
        process.join(timeout=10)
        assert not process.is_alive() and process.exitcode == 0
    assert list(workers.map(_scaled, 1, [(0, 3)])) == [(os.getpid(), [0, 1, 2])]  # done here


def test_early_workers_end_when_their_parent_dies_without_closing_them():
    script = textwrap.dedent(
        """
        import os
        from generator.parallel import EarlyWorkers
        workers = EarlyWorkers(2)
        print(*(worker.process.pid for worker in workers._workers), flush=True)
        os._exit(0)  # no atexit: the workers are never told
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 20
    while any(os.path.exists(f"/proc/{pid}") for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in pids)
