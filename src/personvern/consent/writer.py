"""Group commit for consent events: many requests, one transaction, each answered after it.

A banner click must be on disk before the visitor is told it was recorded (Art. 7(1):
the controller must be able to demonstrate it). Committing each click on its own makes
the database's commit (a WAL flush) the limit; here requests hand their checked event to
one writer per process, which appends whatever has gathered in one transaction, and
resolves each request's future only after that transaction committed. Requests that
arrive while batches commit form the next batch, so nothing waits on a timer: alone, a
request commits at once; under load, batches grow by themselves.

If a batch fails, its transaction is rolled back, nothing of it is written, and every
request in it gets the error (and answers 503); the next batch starts afresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from personvern.consent.records import Appended, NewEvent, append, month_of

BATCH_MAX = 500  # events per transaction: bounds its time and the size of its statements
CONCURRENCY = 2  # batches committing at once, per process

log = logging.getLogger(__name__)


class WriteFailedError(RuntimeError):
    """The batch holding this event was rolled back: nothing of it was written."""


@dataclass
class _Waiting:
    event: NewEvent
    answer: asyncio.Future[Appended]


@dataclass
class ConsentWriter:
    """Appends consent events in batches, each in one transaction on a thread of the
    writer's own (the database driver blocks; the event loop must not). ``concurrency``
    batches may commit at once, so a batch waiting on the database does not hold up the
    next; they lock each subject's state row in the same (hash) order, so they cannot
    deadlock, and a subject's events still apply in the order of their times."""

    engine: sa.Engine
    batch_max: int = BATCH_MAX
    concurrency: int = CONCURRENCY
    _waiting: list[_Waiting] = field(default_factory=list)
    _running: int = 0
    _scheduled: bool = False
    _loop: asyncio.AbstractEventLoop | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _ready_months: set[datetime] = field(default_factory=set)
    _threads: ThreadPoolExecutor | None = None

    async def append(self, event: NewEvent) -> Appended:
        """Append ``event``; returns once it is committed, raises
        :class:`WriteFailedError` when its batch was not."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test client's): start over in it
            self._loop, self._running, self._scheduled = loop, 0, False
        answer: asyncio.Future[Appended] = loop.create_future()
        self._waiting.append(_Waiting(event, answer))
        if not self._scheduled:
            # Start at the end of this turn of the loop: what arrives in the same turn
            # goes in the same batch.
            self._scheduled = True
            loop.call_soon(self._start)
        return await answer

    def _start(self) -> None:
        self._scheduled = False
        loop = asyncio.get_running_loop()
        while self._waiting and self._running < self.concurrency:
            batch = self._waiting[:self.batch_max]
            del self._waiting[:self.batch_max]
            self._running += 1
            task = loop.create_task(self._commit_batch(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _commit_batch(self, batch: list[_Waiting]) -> None:
        loop = asyncio.get_running_loop()
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.concurrency,
                                               thread_name_prefix="consent-writer")
        try:
            done = await loop.run_in_executor(self._threads, self._commit,
                                              [w.event for w in batch])
        except Exception as error:  # the database refused: every request hears it
            log.warning("a batch of %d consent events was rolled back: %s", len(batch),
                        type(error).__name__)
            for waiting in batch:
                if not waiting.answer.done():
                    waiting.answer.set_exception(WriteFailedError(
                        "the consent could not be recorded; nothing was written"))
        else:
            for waiting, appended in zip(batch, done, strict=True):
                if not waiting.answer.done():  # its request may have been cancelled
                    waiting.answer.set_result(appended)
        finally:
            self._running -= 1
            self._start()  # what gathered meanwhile is the next batch

    def _commit(self, events: Sequence[NewEvent]) -> list[Appended]:
        with self.engine.begin() as connection:
            done = append(connection, events, ready_months=self._ready_months)
        # Only now, after the commit, are the partitions these months needed known to exist.
        self._ready_months.update(month_of(e.at) for e in events)
        return done

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True)
