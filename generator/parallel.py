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
from dataclasses import dataclass, field
from functools import partial
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


def spans(length: int, size: int, offset: int = 0) -> list[tuple[int, int]]:
    """(start, stop) of each run of `size` (the last may be shorter) over range(length), shifted
    by `offset`: what a worker is sent instead of what it inherited."""
    return [(offset + start, offset + min(start + size, length)) for start in range(0, length, size)]


def finer_tail(items: Iterable[A], split: Callable[[A], list[A]], last: int) -> Iterator[A]:
    """The items in order, the `last` of them each split in smaller ones (`split`): a map's final
    batches run on one process while the others have none left, and smaller ones end the stage
    sooner (at 2,083 articles the main process waited 0.08 s for a worker's last 200 pages).
    Given `last` behind as they come: which items are the last is known only at the end."""
    held: deque[A] = deque()
    for item in items:
        held.append(item)
        if len(held) > last:
            yield held.popleft()
    for item in held:
        yield from split(item)


def quarters(start: int, stop: int) -> list[tuple[int, int]]:
    """A span cut in four (fewer when it is shorter)."""
    return spans(stop - start, max(1, -(-(stop - start) // 4)), start)


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


class Spare:
    """A process forked while this one is still small, waiting for one piece of work (see
    in_background): the work is sent to it pickled, so it holds that and nothing else.

    A process forked later inherits the whole heap this one has grown meanwhile, and each page
    either of them writes to after the fork is copied: at 100,000 articles the text process,
    forked once the library was read, held a gigabyte, half of it pages of the library and of the
    Markdown stage that it never used. Close it if no work comes.

    `prepare` runs in it first, while it waits: what the work will need and this process doesn't
    (modules to import, say), made ready on another core."""

    def __init__(self, prepare: Callable[[], None] | None = None) -> None:
        self._process: Any = None
        if not can_fork():
            return
        jobs, self._jobs = multiprocessing.Pipe(duplex=False)
        self._done, done = multiprocessing.Pipe(duplex=False)
        ends = (jobs, done, self._jobs, self._done)
        process = multiprocessing.get_context("fork").Process(target=_spare, args=(prepare, *ends))
        process.start()
        jobs.close()
        done.close()
        self._process = process
        atexit.register(self.close)

    def take(self, func: Callable[..., Any], args: tuple[Any, ...], answer: str) -> tuple[Any, Any] | None:
        """Hand the work over: the process, and the end of the pipe it says it is done on; None
        when there is no process to take it (then it's closed) or the work can't be pickled."""
        if self._process is None:
            return None
        try:
            self._jobs.send((func, args, answer))
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            self.close()
            return None
        process, self._process = self._process, None
        atexit.unregister(self.close)
        self._jobs.close()
        return process, self._done

    def close(self) -> None:
        """No work after all: the process is told so, and ends. (Not by closing the pipe alone: a
        process forked since holds its other end too.)"""
        if self._process is None:
            return
        atexit.unregister(self.close)
        with contextlib.suppress(OSError):
            self._jobs.send(None)
        self._jobs.close()
        self._done.close()
        self._process.join()
        self._process = None


def _spare(prepare: Callable[[], None] | None, jobs: Any, done: Any, *others: Any) -> None:
    """In the spare: prepare, then wait for the work (None: no work). The parent's ends of the
    pipes are closed here, so that if the parent dies, reading ends the wait."""
    for end in others:
        end.close()
    if prepare is not None:
        with contextlib.suppress(Exception):  # the work meets it again, and reports it as its own
            prepare()
    try:
        work = jobs.recv()
    except (EOFError, OSError):
        return
    jobs.close()
    if work is not None:
        _answer(*work, done)


class EarlyWorkers:
    """Worker processes forked while this one is still small (as Spare), for one ordered map
    later (see `map`): the work's state is sent to them once, pickled, then the batches.

    Workers forked when the work starts inherit the heap this process has grown by then, and each
    page either side writes to after the fork is copied: at 100,000 articles the Markdown stage's
    worker, forked once the library was made, grew to 0.7 GB, most of it pages of the library it
    never read. Close them if no work comes."""

    def __init__(self, count: int) -> None:
        self._workers: list[_Worker] = []
        if count < 1 or not can_fork():
            return
        context = multiprocessing.get_context("fork")
        for _ in range(count):
            tasks, send = multiprocessing.Pipe(duplex=False)
            receive, results = multiprocessing.Pipe(duplex=False)
            # Each closes this process's ends, its own and the others' (see _early_worker).
            theirs = [end for worker in self._workers for end in (worker.send, worker.receive)]
            process = context.Process(target=_early_worker, args=(tasks, results, send, receive, *theirs))
            process.start()
            tasks.close()
            results.close()
            self._workers.append(_Worker(process, send, receive))
        atexit.register(self.close)

    def __len__(self) -> int:
        return len(self._workers)

    def map(
        self, func: Callable[[Any, A], B], state: Any, batches: Iterable[A], ahead: int = 4
    ) -> Iterator[B]:
        """`func(state, batch)` for each batch, results in batch order, as ordered_map: this
        process works too, on the next batch not yet sent, whenever the result it waits for is
        not back. A worker that dies has its batches done here. Once only: the workers are
        handed the work now, and end after it."""
        workers, self._workers = self._workers, []
        atexit.unregister(self.close)
        try:
            for worker in workers:
                worker.send.send((func, state))
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            _end_workers(workers, busy=True)
            workers = []
        return _mapped(func, state, list(batches), workers, ahead)

    def close(self) -> None:
        """No work after all: the workers are told so, and end."""
        workers, self._workers = self._workers, []
        atexit.unregister(self.close)
        _end_workers(workers, busy=False)


@dataclass
class _Worker:
    """One early worker: its process, this process's ends of its pipes, and the batches in its
    hands (numbers, in the order sent: its results come back in that order)."""

    process: Any
    send: Any  # its tasks' end
    receive: Any  # its results' end
    sent: deque[int] = field(default_factory=deque)
    alive: bool = True


def _mapped(
    func: Callable[[Any, A], B], state: Any, batches: list[A], workers: list[_Worker], ahead: int
) -> Iterator[B]:
    end = partial(_end_workers, workers, True)  # if Python exits before the map is done
    atexit.register(end)
    try:
        yield from _ordered(func, state, batches, workers, ahead)
    except BaseException:  # a failed batch, or the caller stopped: some may be mid-batch
        _end_workers(workers, busy=True)
        raise
    finally:
        atexit.unregister(end)
    _end_workers(workers, busy=False)


def _ordered(
    func: Callable[[Any, A], B], state: Any, batches: list[A], workers: list[_Worker], ahead: int
) -> Iterator[B]:
    pending = deque(range(len(batches)))
    owner: dict[int, _Worker] = {}  # batch number → the worker it was sent to
    done: dict[int, B] = {}
    for wanted in range(len(batches)):
        while wanted not in done:
            for worker in workers:
                while worker.alive and pending and len(worker.sent) < ahead:
                    number = pending.popleft()
                    worker.send.send(batches[number])
                    worker.sent.append(number)
                    owner[number] = worker
            holder = owner.get(wanted)
            if holder is None:  # the next batch to send: done here
                done[pending.popleft()] = func(state, batches[wanted])
            elif pending and len(done) < ahead and not holder.receive.poll():
                number = pending.popleft()  # meanwhile, the next batch not yet sent
                done[number] = func(state, batches[number])
            else:
                _take_result(func, state, batches, holder, done)
        yield done.pop(wanted)


def _take_result(
    func: Callable[[Any, A], B], state: Any, batches: list[A], worker: _Worker, done: dict[int, B]
) -> None:
    """The worker's next result (they come in the order sent); if it died, its batches done here."""
    try:
        ok, value = worker.receive.recv()
    except (EOFError, OSError):
        worker.alive = False
        while worker.sent:
            number = worker.sent.popleft()
            done[number] = func(state, batches[number])
        return
    number = worker.sent.popleft()
    if not ok:
        raise value
    done[number] = value


def _end_workers(workers: list[_Worker], busy: bool) -> None:
    """Tell each worker to end, or stop it (`busy`: it may be blocked sending a result)."""
    for worker in workers:
        if busy:
            worker.process.terminate()
        else:
            with contextlib.suppress(OSError):
                worker.send.send(None)
        worker.send.close()
        worker.receive.close()
        worker.process.join()


def _early_worker(tasks: Any, results: Any, *others: Any) -> None:
    """In an early worker: the state, then batches until None (or the parent is gone: this
    process holds none of the parent's ends, so reading then ends)."""
    for end in others:
        end.close()
    try:
        setup = tasks.recv()
        if setup is None:
            return
        func, state = setup
        while (batch := tasks.recv()) is not None:
            try:
                answer = (True, func(state, batch))
            except Exception as exc:  # noqa: BLE001 (re-raised in the parent)
                answer = (False, exc)
            results.send(answer)
    except (EOFError, OSError):
        return


class Background(Generic[B]):
    """Work started in a forked process (see in_background): call it for the result, or cancel it."""

    def __init__(self, func: Callable[..., B], args: tuple[Any, ...], spare: Spare | None = None):
        self._func, self._args = func, args
        self._process: Any = None
        self._receive: Any = None
        self._answer = ""  # the file the process leaves its answer in
        self._settled = False
        self._fallback: tuple[B] | None = None  # the result if the process dies (see without_retry)
        self._outcome: tuple[bool, Any] | None = None  # once settled: the work done here, if it was
        self._shares_heap = False  # forked now (not a spare's): see _hold_heap
        self._detached = False  # settled while a spare works: nothing left to redo the work with
        if spare is None and not can_fork():
            return  # the work is done when the result is asked for
        handle, self._answer = tempfile.mkstemp(prefix="press-background-", suffix=".pickle")
        os.close(handle)
        taken = spare.take(func, args, self._answer) if spare is not None else None
        if taken is not None:
            self._process, self._receive = taken
        elif can_fork():
            self._fork()
        else:
            os.unlink(self._answer)
            return
        # A result never asked for (the build failed in between): end the process and remove its
        # answer when Python exits.
        atexit.register(self._abandon)

    def _fork(self) -> None:
        """The process, forked now: it inherits the arguments rather than receive them pickled."""
        global _BACKGROUND
        _BACKGROUND = (self._func, self._args, self._answer)
        receive, send = multiprocessing.Pipe(duplex=False)
        process = multiprocessing.get_context("fork").Process(target=_run_background, args=(send,))
        _hold_heap()
        try:
            process.start()
        except BaseException:
            _let_go_of_heap()
            os.unlink(self._answer)
            raise
        finally:
            _BACKGROUND = None
        send.close()
        self._process, self._receive, self._shares_heap = process, receive, True

    def settle(self, wait: bool = True) -> None:
        """Wait for the work to end (done here if the process died first) and let go of the
        arguments; the answer stays in its file until the result is asked for.

        A build settles the text process before it forks the render processes: they would
        inherit the arguments (all the archive's Markdown), and every page this process frees
        after a fork is left to the child alone, resident until it ends.

        Work a spare took need not be waited for (`wait=False`): the spare was sent its own copy of
        the arguments, so they are let go of at once. If it then dies without an answer, asking
        for the result raises an error (the work can't be done again here without them)."""
        if self._process is not None and not self._settled:
            if self._shares_heap or wait:
                self._outcome = self._wait(self._args)
                self._settled = True
            else:
                self._detached = True
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
        if self._detached:
            return False, RuntimeError(
                f"the process working out {getattr(self._func, '__name__', 'a result')} ended without an "
                "answer (killed, perhaps for want of memory); run the build again, or with --jobs 1"
            )
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
        if self._shares_heap:
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


def in_background(func: Callable[..., B], *args: Any, spare: Spare | None = None) -> Background[B]:
    """Start `func(*args)` in a forked process now; calling what is returned waits for its result.

    The process inherits the arguments (a whole library) instead of receiving them pickled; only
    the result travels back, through a temporary file, so the process ends, and its memory is
    freed, as soon as the work is done, however long the caller takes to ask (a pipe would hold it
    blocked until then; at 100,000 articles the text process held a gigabyte that way). No helper
    thread runs in this process, so the stages that fork workers meanwhile still can. Where
    forking isn't safe (no fork, or threads running) the work is done when the result is asked
    for, and so it is if the process died. The result is handed over, not kept, so the caller can
    drop a large one as soon as it is used.

    With a `spare`, the work goes to that process instead, pickled (see Spare); without one to
    take it, it is forked as usual.
    """
    return Background(func, args, spare)


def _run_background(send: Any) -> None:
    func, args, path = _BACKGROUND
    _answer(func, args, path, send)


def _answer(func: Callable[..., Any], args: tuple[Any, ...], path: str, send: Any) -> None:
    """Do the work, leave the answer (or the exception) in its file, and say so."""
    try:
        answer = (True, func(*args))
    except BaseException as exc:  # noqa: BLE001 (re-raised in the parent)
        answer = (False, exc)
    with open(path, "wb") as handle:
        pickle.dump(answer, handle, protocol=pickle.HIGHEST_PROTOCOL)
    send.send(True)
    send.close()
