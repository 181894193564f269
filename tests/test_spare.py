"""parallel.Spare: a process forked early that takes one piece of work later, pickled; and the
texts it is handed through a shared file (texts.SharedTexts with a memory_file)."""

from __future__ import annotations

import os
import threading

import pytest

from generator.parallel import Spare, in_background
from generator.texts import SharedTexts, memory_file

GIVEN = ["plain", "café crème — “quoted”", "", "lone \udcff surrogate", "x" * 10_000]


def _held_and_pid(marker: str) -> tuple[bool, int]:
    """In the spare: whether it holds what this process made after forking it."""
    return marker in globals(), os.getpid()


def _texts_and_pid(texts: SharedTexts) -> tuple[list[str], int]:
    return list(texts), os.getpid()


def _fails() -> None:
    raise ValueError("broken in the spare")


def test_the_spare_does_the_work_without_what_this_process_made_after_forking_it():
    spare = Spare()
    globals()["_made_after_the_fork"] = True
    try:
        held, pid = in_background(_held_and_pid, "_made_after_the_fork", spare=spare)()
        forked_now = in_background(_held_and_pid, "_made_after_the_fork")()[0]
    finally:
        del globals()["_made_after_the_fork"]
    assert pid != os.getpid()
    assert held is False
    assert forked_now is True  # what the spare is for: a process forked now holds it all


def test_texts_in_a_memory_file_reach_the_spare_as_they_were():
    file = memory_file("press-test")
    if file is None:
        pytest.skip("this system has no memory files (os.memfd_create): texts are copied instead")
    spare = Spare()  # forked before the texts exist, as a build does
    texts = SharedTexts(GIVEN, file)
    assert list(texts) == GIVEN
    assert bytes(texts.encoded(3)) == GIVEN[3].encode("utf-8", "surrogatepass")
    seen, pid = in_background(_texts_and_pid, texts, spare=spare)()
    assert seen == GIVEN and pid != os.getpid()
    with pytest.raises(OSError):
        os.fstat(file)  # taken over and closed once mapped: the mapping keeps the file


def test_texts_without_a_file_are_copied_to_the_spare():
    spare = Spare()
    seen, pid = in_background(_texts_and_pid, SharedTexts(GIVEN), spare=spare)()
    assert seen == GIVEN and pid != os.getpid()


def test_no_texts_at_all_in_a_memory_file():
    file = memory_file("press-test")
    if file is None:
        pytest.skip("this system has no memory files (os.memfd_create)")
    spare = Spare()
    texts = SharedTexts(["", ""], file)
    assert list(texts) == ["", ""]
    assert in_background(_texts_and_pid, texts, spare=spare)()[0] == ["", ""]


def test_an_error_in_the_spare_is_raised_where_the_result_is_asked_for():
    job = in_background(_fails, spare=Spare())
    with pytest.raises(ValueError, match="broken in the spare"):
        job()


def test_a_spare_takes_one_piece_of_work_then_work_is_forked_as_usual():
    spare = Spare()
    first = in_background(os.getpid, spare=spare)
    second = in_background(os.getpid, spare=spare)  # the spare is taken: forked now
    assert first._shares_heap is False and second._shares_heap is True
    assert spare._process is None
    assert len({first(), second(), os.getpid()}) == 3


def test_work_that_cannot_be_pickled_is_forked_instead_and_the_spare_ends():
    spare = Spare()
    process = spare._process
    lock = threading.Lock()  # can't be pickled; a forked process inherits it
    job = in_background(isinstance, lock, type(lock), spare=spare)
    assert job() is True and job._process is None
    process.join(timeout=10)
    assert not process.is_alive()


def test_a_spare_given_no_work_ends_when_closed():
    spare = Spare()
    process = spare._process
    spare.close()
    process.join(timeout=10)
    assert not process.is_alive() and process.exitcode == 0
    assert in_background(os.getpid, spare=spare)() != os.getpid()  # closed: forked as usual


def test_with_threads_running_no_spare_is_forked_and_the_work_is_done_here():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        spare = Spare()
        pid = in_background(os.getpid, spare=spare)()
    finally:
        stop.set()
        thread.join()
    assert spare._process is None and pid == os.getpid()


def test_a_spare_ends_when_its_parent_dies_without_closing_it():
    """A build killed before handing the work over must not leave the spare waiting forever."""
    import subprocess
    import sys
    import textwrap
    import time

    script = textwrap.dedent(
        """
        import os
        from generator.parallel import Spare
        spare = Spare()
        print(spare._process.pid, flush=True)
        os._exit(0)  # no atexit: the spare is never told
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 20
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}")


def _exits_in_another_process(parent: int) -> int:
    if os.getpid() != parent:
        os._exit(1)  # dies without an answer (killed, say)
    return 7


def test_settling_work_a_spare_took_lets_go_of_the_arguments_without_waiting():
    """The spare has its own copy of them: the build goes on (see build._load) while it works."""
    import time

    job = in_background(time.sleep, 2, spare=Spare())
    started = time.monotonic()
    job.settle(wait=False)
    assert time.monotonic() - started < 1.5 and job._args == ()
    assert job() is None
    waited = in_background(time.sleep, 1, spare=Spare())
    started = time.monotonic()
    waited.settle()  # waited for, as a large archive's build does
    assert time.monotonic() - started >= 0.9 and waited._args == ()
    assert waited() is None


def test_a_spare_that_dies_after_settling_gives_a_clear_error():
    job = in_background(_exits_in_another_process, os.getpid(), spare=Spare())
    job.settle(wait=False)
    with pytest.raises(RuntimeError, match="ended without an answer"):
        job()
    waited = in_background(_exits_in_another_process, os.getpid(), spare=Spare())
    waited.settle()
    assert waited() == 7  # waited for: it died while the arguments were still here


def test_a_spare_that_dies_unsettled_has_the_work_done_here():
    job = in_background(_exits_in_another_process, os.getpid(), spare=Spare())
    assert job() == 7


def _prepare() -> None:
    globals()["_preparing_pid"] = os.getpid()


def _prepare_fails() -> None:
    raise ImportError("no such module")


def _prepared_in() -> tuple[int | None, int]:
    return globals().get("_preparing_pid"), os.getpid()


def test_the_spare_prepares_before_the_work_and_a_failed_preparation_is_left_to_the_work():
    held, pid = in_background(_prepared_in, spare=Spare(prepare=_prepare))()
    assert held == pid != os.getpid()  # done in the spare, not here
    assert "_preparing_pid" not in globals()
    held, pid = in_background(_prepared_in, spare=Spare(prepare=_prepare_fails))()
    assert held is None and pid != os.getpid()


def test_scipy_is_not_imported_with_the_build_and_related_modules():
    """A build's main process imports them at its start, and scipy took 0.17 s of it: the spare
    imports it (see build._import_similarity), and the main process once it is about to wait for
    the spare's answer (see related.candidates)."""
    import subprocess
    import sys

    code = (
        "import sys, generator.build, generator.related\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'sparse_dot_topn') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[-2] == "['numpy']"
