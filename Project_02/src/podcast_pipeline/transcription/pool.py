"""A pool of worker processes that cannot hang when one of them dies.

``concurrent.futures.ProcessPoolExecutor`` on CPython 3.11 can deadlock in
``shutdown`` when a worker is killed at the wrong moment (fixed only in 3.12),
and a pool broken by one death fails every file still queued. This pool is
small enough to have no such state: each worker is a long-lived spawned
process fed one item at a time over its own pipe, and the parent waits on the
result pipes and the process sentinels together, so a death is seen at once.

- A worker that dies yields ``WorkerDiedError`` for the item it held and is
  replaced by a fresh worker for the items left (never more than ``workers``
  alive), ``REPLACEMENTS_PER_WORKER * workers`` times at most; once none is
  left, every item not started yields ``WorkerDiedError`` too.
- Closing the iterator early (or an exception in the caller) terminates and
  joins every worker: no process outlives the iteration.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterable
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess
from typing import Generic, TypeVar

from podcast_pipeline.transcription.errors import WorkerDiedError

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

REPLACEMENTS_PER_WORKER = 1
"""Dead workers replaced per worker slot, so one call starts 2 x workers at most."""

_EXIT_GRACE_SECONDS = 5.0


def _serve(connection: Connection, work: Callable[[Item], Result]) -> None:
    """A worker's life: answer each item received with ``work(item)``.

    Ends when the parent closes its end of the pipe (or dies). Ctrl-C reaches
    the whole process group; only the parent acts on it, by stopping us.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with connection:
        while True:
            try:
                item = connection.recv()
            except EOFError:
                return
            connection.send(work(item))


@dataclass
class _Worker(Generic[Item, Result]):
    """A worker process, the parent's end of its pipe and the item it holds."""

    process: BaseProcess
    connection: Connection
    item: Item

    def give(self, item: Item) -> None:
        """Hand the worker its next item."""
        self.item = item
        # If it died since its last answer, its sentinel reports that next.
        with suppress(OSError):
            self.connection.send(item)

    def answer(self) -> Result | None:
        """Its answer for the item it holds; None when it died before answering."""
        try:
            if self.connection.poll():
                answer: Result = self.connection.recv()
                return answer
        except (EOFError, OSError):
            pass  # died before or while sending: no (whole) answer
        return None

    def stop(self, grace: float) -> int | None:
        """End the process (after ``grace`` seconds to leave by itself), reap it.

        Returns:
            Its exit code: 0 when it left on its own, negative when a signal
            ended it (``-signal.SIGTERM`` when stopped here after the grace).
        """
        self.connection.close()  # EOF for the worker: it returns
        self.process.join(grace)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(_EXIT_GRACE_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        code = self.process.exitcode
        self.process.close()
        return code


def _start_worker(
    context: SpawnContext, work: Callable[[Item], Result], item: Item
) -> _Worker[Item, Result]:
    ours, theirs = context.Pipe()
    process = context.Process(
        target=_serve, args=(theirs, work), name="transcription-worker", daemon=True
    )
    process.start()
    theirs.close()  # its end now lives in the worker: EOF here when it dies
    worker: _Worker[Item, Result] = _Worker(process, ours, item)
    worker.give(item)
    return worker


def _how_it_ended(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def run_in_workers(
    work: Callable[[Item], Result], items: Iterable[Item], workers: int
) -> Generator[tuple[Item, Result | WorkerDiedError]]:
    """Run ``work`` on each item in spawned worker processes, yielding as each ends.

    Args:
        work: A picklable callable (a module-level function or a partial of
            one) run in the workers; it returns a value (not None) and should
            return failures, not raise them: an exception ends its worker
            like a crash would.
        items: Picklable items, handed out one at a time.
        workers: Worker processes alive at most (at least 1).

    Yields:
        ``(item, work(item))``, or ``(item, WorkerDiedError)`` when the worker
        holding the item died or none was left to start it; in order of
        completion, each item exactly once.
    """
    # spawn, not fork: the caller may be a threaded Airflow worker.
    context = multiprocessing.get_context("spawn")
    pending = deque(items)
    busy: list[_Worker[Item, Result]] = []
    deaths = 0
    replacements = REPLACEMENTS_PER_WORKER * workers
    try:
        while pending and len(busy) < workers:
            busy.append(_start_worker(context, work, pending.popleft()))
        while busy:
            for worker in _ready(busy):
                item, answer = worker.item, worker.answer()
                if answer is not None and pending and worker.process.is_alive():
                    worker.give(pending.popleft())
                    yield item, answer
                    continue
                busy.remove(worker)
                code = worker.stop(grace=_EXIT_GRACE_SECONDS)
                if answer is None or code != 0:  # died, perhaps after answering
                    deaths += 1
                    logger.warning(
                        "the worker holding %s ended: %s", item, _how_it_ended(code)
                    )
                    if pending and replacements > 0:
                        replacements -= 1
                        busy.append(_start_worker(context, work, pending.popleft()))
                if answer is None:
                    yield (
                        item,
                        WorkerDiedError(
                            f"a worker process died ({_how_it_ended(code)})"
                        ),
                    )
                else:
                    yield item, answer
        if pending:
            logger.error("%d worker processes died; giving up", deaths)
        while pending:
            yield (
                pending.popleft(),
                WorkerDiedError(f"not started: {deaths} worker processes died"),
            )
    finally:
        for worker in busy:
            worker.stop(grace=0.0)


def _ready(
    busy: list[_Worker[Item, Result]],
) -> list[_Worker[Item, Result]]:
    """Block until some workers answer or die; return those workers."""
    ready = set(
        wait(
            [worker.connection for worker in busy]
            + [worker.process.sentinel for worker in busy]
        )
    )
    return [
        worker
        for worker in busy
        if worker.connection in ready or worker.process.sentinel in ready
    ]
