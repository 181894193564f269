"""Work spread over processes, results back in input order, so output never depends on `--jobs`.

Workers are forked: they inherit the loaded site (library, bodies, templates) instead of receiving
it pickled, so starting them costs milliseconds. Only a few batches per worker are in flight at a
time, so results are consumed (written to disk) as they come instead of piling up in memory.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, Generic, TypeVar

A = TypeVar("A")
B = TypeVar("B")

_STATE: Any = None  # what forked workers inherit; set only while a pool is running


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """Whether forking is possible and safe here: a process with threads running can hang when
    forked (a thread may hold a lock the child then waits on forever)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def spans(length: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) of each run of `size` (the last may be shorter) over range(length): what a
    worker is sent instead of what it inherited."""
    return [(start, min(start + size, length)) for start in range(0, length, size)]


def batched(items: Iterable[A], size: int) -> Iterator[list[A]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ordered_map(
    func: Callable[[Any, A], B], state: Any, batches: Iterable[A], jobs: int, ahead: int = 3
) -> Iterator[B]:
    """`func(state, batch)` for each batch, by `jobs` processes (this one and jobs - 1 workers);
    results in batch order.

    This process works too rather than wait: a forked worker copies every page of the inherited
    heap it touches (reference counts are writes), so each worker costs up to a heap's worth of
    memory, which this process has already. While the next result in order is not ready, it
    takes the oldest batch no worker has started and does it itself.
    """
    if jobs <= 1 or not can_fork():
        for batch in batches:
            yield func(state, batch)
        return
    global _STATE
    _STATE = state
    window: deque[_Slot[B]] = deque()
    context = multiprocessing.get_context("fork")
    _hold_heap()
    try:
        with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=context) as pool:
            todo = iter(batches)
            while True:
                for batch in islice(todo, max(0, jobs * ahead - len(window))):
                    window.append(_Slot(batch, pool.submit(_run, func, batch)))
                if not window:
                    break
                _work_while_waiting(func, state, window)
                yield window.popleft().result()
    finally:
        for slot in window:
            slot.cancel()
        _STATE = None
        _let_go_of_heap()


_HOLDERS = 0  # pools and background processes alive that share this process's heap


def _hold_heap() -> None:
    """Before forking: every object now is left alone by the garbage collector, this process's and
    the child's. A collection writes to each object it walks, and the system then copies each page
    it writes to that a forked process shares. Only cycles among these objects wait to be
    collected until the last holder lets go (see _let_go_of_heap)."""
    global _HOLDERS
    gc.freeze()
    _HOLDERS += 1


def _let_go_of_heap() -> None:
    global _HOLDERS
    _HOLDERS -= 1
    if _HOLDERS == 0:
        gc.unfreeze()


class _Slot(Generic[B]):
    """One batch in the window: sent to the workers, or taken back and done in this process."""

    def __init__(self, batch: Any, future: Future[B]):
        self.batch, self.future = batch, future
        self.value: tuple[B] | None = None

    def take_back(self, func: Callable[[Any, Any], B], state: Any) -> bool:
        """Do the batch here if no worker has started it."""
        if self.value is not None or not self.future.cancel():
            return False
        self.value = (func(state, self.batch),)
        return True

    def result(self) -> B:
        return self.value[0] if self.value is not None else self.future.result()

    def cancel(self) -> None:
        self.future.cancel()


def _work_while_waiting(func: Callable[[Any, A], B], state: Any, window: deque[_Slot[B]]) -> None:
    """Until the first slot's result is ready, do the oldest batches no worker has started here.
    (The oldest, not the newest: results are taken in order, and results done far ahead would
    fill the window while the workers' older ones are still running.)"""
    first = window[0]
    while first.value is None and not first.future.done():
        if not any(slot.take_back(func, state) for slot in window):
            return  # every batch is started: only waiting is left


def _run(func: Callable[[Any, A], B], batch: A) -> B:
    return func(_STATE, batch)


_BACKGROUND: Any = None  # what a background process runs, inherited when it is forked


class Background(Generic[B]):
    """Work started in a forked process (see in_background): call it for the result, or cancel it."""

    def __init__(self, func: Callable[..., B], args: tuple[Any, ...]):
        self._func, self._args = func, args
        self._process: Any = None
        self._receive: Any = None
        self._answer = ""  # the file the process leaves its answer in
        self._settled = False
        self._fallback: tuple[B] | None = None  # the result if the process dies (see without_retry)
        self._outcome: tuple[bool, Any] | None = None  # once settled: the work done here, if it was
        if not can_fork():
            return  # the work is done when the result is asked for
        global _BACKGROUND
        handle, self._answer = tempfile.mkstemp(prefix="press-background-", suffix=".pickle")
        os.close(handle)
        _BACKGROUND = (func, args, self._answer)
        receive, send = multiprocessing.Pipe(duplex=False)
        process = multiprocessing.get_context("fork").Process(target=_run_background, args=(send,))
        _hold_heap()
        try:
            process.start()
        except BaseException:
            _let_go_of_heap()
            raise
        finally:
            _BACKGROUND = None
        send.close()
        self._process, self._receive = process, receive
        # A result never asked for (the build failed in between): end the process and remove its
        # answer when Python exits.
        atexit.register(self._abandon)

    def settle(self) -> None:
        """Wait for the work to end (done here if the process died first) and let go of the
        arguments; the answer stays in its file until the result is asked for.

        A build settles the text process before it forks the render processes: they would
        inherit the arguments (all the archive's Markdown), and every page this process frees
        after a fork is left to the child alone, resident until it ends."""
        if self._process is not None and not self._settled:
            self._outcome = self._wait(self._args)
            self._settled = True
        self._args = ()

    def without_retry(self, fallback: B) -> None:
        """Let go of the arguments now, while the work goes on: if the process dies without an
        answer, the result is `fallback` (for work whose failure costs nothing: a cache unsaved).
        Work not started in a process (see can_fork) keeps them: it is done when asked for."""
        if self._process is not None:
            self._args = ()
            self._fallback = (fallback,)

    def __call__(self) -> B:
        """The result; called once. The arguments are let go of then (a build keeps this object
        while it renders, and they may be all the archive's Markdown, see bodies.Markdown)."""
        args, self._args = self._args, ()
        if self._process is None:
            return self._func(*args)
        atexit.unregister(self._abandon)
        try:
            outcome = self._outcome if self._settled else self._wait(args)
            if outcome is None:
                outcome = self._answered(args)
        finally:
            self._end()
        ok, value = outcome
        if not ok:
            raise value
        return value

    def _wait(self, args: tuple[Any, ...]) -> tuple[bool, Any] | None:
        """None once the answer is in its file; if the process died without one, the work done
        here (a process the system killed, say)."""
        try:
            self._receive.recv()  # sent once the answer is written
            return None
        except (EOFError, OSError):
            return self._without_answer(args)

    def _answered(self, args: tuple[Any, ...]) -> tuple[bool, Any]:
        """The answer in the file; one that can't be read is worked out here, unless the
        arguments were let go of (settled: the process said it had written it)."""
        try:
            with open(self._answer, "rb") as handle:
                return pickle.load(handle)
        except (EOFError, OSError, pickle.UnpicklingError):
            if self._settled and self._fallback is None:
                raise
            return self._without_answer(args)

    def _without_answer(self, args: tuple[Any, ...]) -> tuple[bool, Any]:
        """No answer from the process: the fallback, if it was given one, else the work done here."""
        if self._fallback is not None:
            return True, self._fallback[0]
        return True, self._func(*args)

    def cancel(self) -> None:
        """The result isn't wanted after all: stop the process now rather than let it use a core."""
        self._args = ()
        if self._process is not None:
            atexit.unregister(self._abandon)
            self._abandon()

    def _abandon(self) -> None:
        self._process.terminate()
        self._end()

    def _end(self) -> None:
        self._receive.close()
        self._process.join()
        self._process = None
        _let_go_of_heap()
        with contextlib.suppress(OSError):
            os.unlink(self._answer)


def release_freed_memory() -> None:
    """Give the memory of objects just freed back to the system before forking workers.

    Python hands large objects' memory back to the C allocator, which keeps most of it (glibc
    returns only the top of its heap) and which a forked worker would inherit, resident.
    `malloc_trim` returns every free page; without glibc there is nothing to call.
    """
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).malloc_trim(0)


def in_background(func: Callable[..., B], *args: Any) -> Background[B]:
    """Start `func(*args)` in a forked process now; calling what is returned waits for its result.

    The process inherits the arguments (a whole library) instead of receiving them pickled; only
    the result travels back, through a temporary file, so the process ends, and its memory is
    freed, as soon as the work is done, however long the caller takes to ask (a pipe would hold it
    blocked until then; at 100,000 articles the text process held a gigabyte that way). No helper
    thread runs in this process, so the stages that fork workers meanwhile still can. Where
    forking isn't safe (no fork, or threads running) the work is done when the result is asked
    for, and so it is if the process died. The result is handed over, not kept, so the caller can
    drop a large one as soon as it is used.
    """
    return Background(func, args)


def _run_background(send: Any) -> None:
    func, args, path = _BACKGROUND
    try:
        answer = (True, func(*args))
    except BaseException as exc:  # noqa: BLE001 (re-raised in the parent)
        answer = (False, exc)
    with open(path, "wb") as handle:
        pickle.dump(answer, handle, protocol=pickle.HIGHEST_PROTOCOL)
    send.send(True)
    send.close()
