"""ordered_map: results in input order, from this process and jobs - 1 forked workers."""

from __future__ import annotations

import os
import time

import pytest

from generator.parallel import finer_tail, ordered_map, quarters, spans


def _pid_and_square(delay: float, n: int) -> tuple[int, int]:
    time.sleep(delay)
    return os.getpid(), n * n


def test_results_come_in_input_order_whoever_did_them():
    results = list(ordered_map(_pid_and_square, 0.01, range(40), jobs=3))
    assert [square for _pid, square in results] == [n * n for n in range(40)]


def test_this_process_works_beside_jobs_minus_one_workers():
    """With two jobs: one worker and this process, which takes batches while it waits."""
    pids = [pid for pid, _square in ordered_map(_pid_and_square, 0.02, range(30), jobs=2)]
    assert os.getpid() in pids
    workers = set(pids) - {os.getpid()}
    assert len(workers) == 1
    assert pids.count(os.getpid()) >= 5  # it shared the work, not just a batch at the end


def test_one_job_is_this_process_alone():
    assert {pid for pid, _ in ordered_map(_pid_and_square, 0.0, range(5), jobs=1)} == {os.getpid()}


def _fail_on(bad: int, n: int) -> int:
    if n == bad:
        raise ValueError(f"batch {n}")
    return n


@pytest.mark.parametrize("bad", [0, 7, 19])
def test_an_error_in_any_batch_reaches_the_caller(bad: int):
    """Wherever the batch ran (a worker, or this process taking it back), its error is raised."""
    with pytest.raises(ValueError, match=f"batch {bad}"):
        list(ordered_map(_fail_on, bad, range(20), jobs=2))


@pytest.mark.parametrize(("length", "size"), [(0, 40), (35, 40), (130, 40), (2083, 40), (7, 1)])
def test_a_finer_tail_covers_the_same_items_in_order_the_last_ones_cut_smaller(length, size):
    whole = spans(length, size)
    cut = list(finer_tail(whole, lambda span: quarters(*span), 4))
    assert [n for start, stop in cut for n in range(start, stop)] == list(range(length))
    assert cut[: max(0, len(whole) - 4)] == whole[: max(0, len(whole) - 4)]  # only the last four cut
    assert all(stop - start <= -(-size // 4) for start, stop in cut[max(0, len(whole) - 4) :])


def test_quarters_cut_a_span_in_four_at_most():
    assert quarters(10, 50) == [(10, 20), (20, 30), (30, 40), (40, 50)]
    assert quarters(10, 13) == [(10, 11), (11, 12), (12, 13)]
    assert quarters(4, 4) == []
