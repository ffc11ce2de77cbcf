"""Giving memory a process has freed back to the system.

pandas, numpy and Arrow free memory into their allocators (glibc's ``malloc`` arenas, Arrow's memory pool),
which keep it for reuse: a notebook kernel that read 10M order lines holds about half a gigabyte more than its
frames need, for the rest of its life. Beside another kernel that memory counts in the run's peak.
:func:`release_unused_memory` hands it back (:func:`salesnb.context.release_after_each_cell` does so after every
notebook cell).

Between those calls, Arrow's default pool (mimalloc) keeps what a step freed: assembling 10M order lines peaked
at 3.8 GB with it, against 3.1 GB with jemalloc, which gives freed memory back within a second, and took 24 s
against 19 s. :func:`use_jemalloc_pool` makes a run, its prepare child, its notebook workers and their kernels
allocate from jemalloc (benchmarks/README.md, "Issue 18, seventh stop").
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from functools import lru_cache

__all__ = ["release_unused_memory", "use_jemalloc_pool", "POOL_ENV"]

POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
"""Arrow reads its default pool from this variable when it is first imported: how the processes a run starts
(prepare child, notebook workers, kernels) inherit the pool of :func:`use_jemalloc_pool`."""


def use_jemalloc_pool() -> str:
    """Allocate Arrow memory from jemalloc in this process and in the processes it starts from now on; returns
    the name of the pool in use.

    Left as it is when :data:`POOL_ENV` names another pool (the user's choice) or when this pyarrow has no
    jemalloc (some platforms' builds): the results are the same with any pool, only the memory differs.

    >>> use_jemalloc_pool() in ("jemalloc", "mimalloc", "system")
    True
    """
    import pyarrow as pa

    if os.environ.get(POOL_ENV, "jemalloc") == "jemalloc":
        try:
            pool = pa.jemalloc_memory_pool()
        except (NotImplementedError, pa.ArrowException):  # not built with jemalloc
            return pa.default_memory_pool().backend_name
        os.environ[POOL_ENV] = "jemalloc"
        if pa.default_memory_pool().backend_name != "jemalloc":
            pa.set_memory_pool(pool)
    return pa.default_memory_pool().backend_name


def release_unused_memory(*_: object) -> None:
    """Give memory this process has freed back to the system: Arrow's pool and, on glibc, ``malloc_trim``.

    Takes and ignores any arguments, so that it can be an IPython ``post_run_cell`` callback.

    >>> release_unused_memory()
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, looked up once (``find_library`` may run ``ldconfig``), or None elsewhere."""
    name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None

