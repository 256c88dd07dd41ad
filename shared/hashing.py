"""Slow hashes (argon2id) with explicit parameters, run in a pool of bounded size.

argon2-cffi's defaults (64 MiB and 4 lanes per hash) in asyncio's default thread pool (up to
CPUs + 4 threads) could ask for several hundred MiB at once in a pod limited to 256-384 MiB.
Here the memory of one hash (HOTLINE_ARGON2_MEMORY_KIB) and the number of hashes at a time
(HOTLINE_HASH_WORKERS) are settings, so their product is known and a manifest test checks it
fits the pod beside the service. A hash string carries its own parameters, so a hash made
with other parameters still verifies (at the memory it was made with).
"""

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher

from shared.settings import Settings

T = TypeVar("T")

_defaults = Settings.model_fields
_hasher = PasswordHasher(time_cost=_defaults["argon2_time_cost"].default,
                         memory_cost=_defaults["argon2_memory_kib"].default,
                         parallelism=_defaults["argon2_parallelism"].default)
_pool = ThreadPoolExecutor(max_workers=_defaults["hash_workers"].default, thread_name_prefix="hash")


def configure(settings: Settings) -> None:
    """Take the process's argon2 parameters and pool size from its settings (at start-up)."""
    global _hasher, _pool
    _hasher = PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
                             parallelism=settings.argon2_parallelism)
    if _pool._max_workers != settings.hash_workers:
        old, _pool = _pool, ThreadPoolExecutor(max_workers=settings.hash_workers, thread_name_prefix="hash")
        old.shutdown(wait=False)


def hasher() -> PasswordHasher:
    return _hasher


async def in_hash_pool(function: Callable[..., T], *args: object) -> T:
    """Run a slow hash off the event loop, at most HOTLINE_HASH_WORKERS at a time; the rest queue."""
    return await asyncio.get_running_loop().run_in_executor(_pool, functools.partial(function, *args))


def workers() -> int:
    return _pool._max_workers
