"""Giving memory a process has freed back to the system.

pandas, numpy and Arrow free memory into their allocators (glibc's ``malloc`` arenas, Arrow's mimalloc pool),
which keep it for reuse: a notebook kernel that read 10M order lines holds about half a gigabyte more than its
frames need, for the rest of its life. Beside another kernel that memory counts in the run's peak.
:func:`release_unused_memory` hands it back (:func:`salesnb.context.release_after_each_cell` does so after every
notebook cell).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache

__all__ = ["release_unused_memory"]


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

