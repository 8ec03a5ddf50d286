"""Give memory back to the system after a job, and read the process's resident size.

glibc's allocator keeps the pages a job freed: a forward pass allocates and frees tensors of
many sizes, and the long-lived objects created in between (oneDNN kernels, caches, Python
objects) pin the heap so it cannot shrink from the top. Over 200 predict + explain jobs with
a MiniLM model the process grew from 535 MB to 1,426 MB although nothing was kept;
``malloc_trim(0)`` returns the free pages inside the heap as well (benchmarks/rss_bench.py).
It is a no-op elsewhere (macOS and Windows allocators return memory on their own terms).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Callable

_TRIM: Callable[[int], int] | None = None
_LOOKED_UP = False


def _malloc_trim() -> Callable[[int], int] | None:
    global _TRIM, _LOOKED_UP
    if not _LOOKED_UP:
        _LOOKED_UP = True
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                trim = libc.malloc_trim  # glibc only (musl has no malloc_trim)
                trim.argtypes = [ctypes.c_size_t]
                trim.restype = ctypes.c_int
                _TRIM = trim
            except (OSError, AttributeError):
                _TRIM = None
    return _TRIM


def release_memory() -> bool:
    """Return freed heap pages to the system (glibc ``malloc_trim(0)``).

    Call it between jobs, on the thread that ran them; it takes milliseconds. Returns
    whether anything could be done on this platform."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def resident_mb() -> float | None:
    """The process's resident set size in MB (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
