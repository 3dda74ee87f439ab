"""Reads of the engine's store on PostgreSQL straight from the event loop.

A consent decision is one round trip of reads. Handed to a thread, it waits for the
thread, for the GIL and for the loop to wake again: under load that costs more than the
read. Here the reads run on psycopg's async connections (autocommit: a read leaves no
transaction open), a few per process, from the loop that serves the request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from personvern.store.database import libpq_conninfo

T = TypeVar("T")
READERS = 4  # connections per process


class StoreReaders:
    """A few autocommit connections per event loop (a test client runs a loop of its own;
    a pool belongs to the loop it was opened in)."""

    def __init__(self, database_url: str, size: int = READERS) -> None:
        self._conninfo = libpq_conninfo(database_url)
        self._size = size
        self._pool: AsyncConnectionPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _opened(self) -> AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        if self._pool is None or self._loop is not loop:
            self._pool, self._loop = AsyncConnectionPool(
                self._conninfo, min_size=self._size, max_size=self._size, open=False,
                kwargs={"autocommit": True}, name="personvern-readers"), loop
            await self._pool.open(wait=False)
        return self._pool

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        pool = await self._opened()
        async with pool.connection() as connection:
            yield connection

    async def read(self, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        """``work`` on a connection of the pool. When the database dropped connections (a
        restart, an idle timeout), the pool replaces every broken one and the read, which
        changes nothing, is tried once more."""
        for attempt in (1, 2):
            try:
                async with self._connection() as connection:
                    return await work(connection)
            except psycopg.OperationalError:
                if attempt == 2 or self._pool is None:
                    raise
                await self._pool.check()
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def close(self) -> None:
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            await self._pool.close()
        self._pool = None
