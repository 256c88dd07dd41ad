"""argon2 with the configured parameters, and never more hashes at a time than the pool allows."""

import asyncio
import threading
import time

from argon2 import extract_parameters

from shared import hashing
from shared.settings import Settings


async def test_hashes_use_the_configured_parameters_and_old_hashes_still_verify():
    old = hashing.hasher().hash(b"secret")
    hashing.configure(Settings(env="test", argon2_time_cost=2, argon2_memory_kib=8192, argon2_parallelism=1))
    try:
        made = hashing.hasher().hash(b"secret")
        parameters = extract_parameters(made)
        assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (2, 8192, 1)
        assert hashing.hasher().verify(old, b"secret")  # the hash carries its own parameters
    finally:
        hashing.configure(Settings(env="test"))
    assert extract_parameters(hashing.hasher().hash(b"x")).memory_cost == 19456


async def test_no_more_hashes_run_at_once_than_the_pool_has_workers():
    hashing.configure(Settings(env="test", hash_workers=2))
    running, peak, lock = 0, 0, threading.Lock()

    def slow_hash() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    await asyncio.gather(*(hashing.in_hash_pool(slow_hash) for _ in range(8)))
    assert peak == 2 and hashing.workers() == 2
