"""glibc malloc settings for large, short-lived activation buffers (CPU inference).

glibc serves big allocations with ``mmap`` and gives them back with ``munmap`` when freed, and it
trims free memory at the top of the heap back to the OS. A generator forward allocates and frees
hundreds of MB of activations, so with the defaults every forward maps fresh pages and
page-faults on the first touch of each 4 KiB page: ~600,000 faults per 256x256 forward of the
reference generator on our 2-core CPU, which then takes 4.3-4.7 s instead of 3.3-3.7 s
(benchmarks/README.md). Raising the mmap threshold to its maximum (32 MiB), never trimming and
growing the heap in large steps keeps freed buffers in the heap for the next forward.

The most reliable way is the environment, read before the process allocates anything:

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=536870912

`tune_malloc` sets the same parameters at run time with ``mallopt``, which takes a C int: the
trim threshold becomes -1 ("never trim", mallopt(3)) instead of 16 GiB. A new top pad only
applies when the heap next grows, so it then grows the heap once (`_grow_heap_top`). Called
before torch is imported (``gaugan.fast`` does not import torch for it), it matched the
environment in our runs (~4,000 faults per forward instead of ~600,000); called later, from
`FastSPADEGenerator.from_generator`, the outcome depended on the heap's layout by then (from
~4,000 to ~570,000 faults per reference forward in repeated runs).

The cost: the process keeps its peak heap instead of returning memory to the OS. It changes the
whole process, so it is opt-out: set GAUGAN_MALLOC_TUNING=0, or pass ``malloc_tuning=False``
where it is offered. If any of the MALLOC_*_ variables above is set, the user's settings win and
nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

# mallopt parameter numbers from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 * 2**20  # glibc's maximum on 64-bit systems
TRIM_THRESHOLD = -1  # never trim; 16 GiB does not fit mallopt's int
TOP_PAD = 512 * 2**20

OPT_OUT_VARIABLE = "GAUGAN_MALLOC_TUNING"
GLIBC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")

_tuned: bool | None = None


def tune_malloc() -> bool:
    """Apply the settings above once per process; True when they are in effect.

    Returns False without changing anything on a non-glibc C library, when opted out, or when
    the user set glibc's own MALLOC_*_ variables.
    """
    global _tuned
    if os.environ.get(OPT_OUT_VARIABLE, "1") == "0" or any(name in os.environ for name in GLIBC_VARIABLES):
        return False
    if _tuned is None:
        _tuned = _apply()
    return _tuned


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _apply() -> bool:
    libc_path = ctypes.util.find_library("c")
    if libc_path is None:
        return False
    try:
        libc = ctypes.CDLL(libc_path)
        libc.gnu_get_libc_version  # only glibc has it (and only glibc has these parameters)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    settings = ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_TOP_PAD, TOP_PAD))
    if not all(mallopt(param, value) == 1 for param, value in settings):
        return False
    _grow_heap_top(libc)
    return True


def _grow_heap_top(libc: ctypes.CDLL) -> None:
    """Extend the heap now so that its free top holds at least TOP_PAD bytes.

    The new top pad only applies when the heap next grows. Until then a request above the mmap
    threshold that the current top cannot hold (the reference generator's 36 MiB spectrally
    normalised weights, recomputed every forward) is still mmapped and unmapped per call; set
    through the environment, the pad applies from the first allocation. Blocks just under the
    mmap threshold are taken from the heap until it grows, then freed back into its top.
    """
    try:
        mallinfo2 = libc.mallinfo2  # glibc >= 2.33
    except AttributeError:
        return
    mallinfo2.restype = _MallInfo2
    libc.malloc.argtypes, libc.malloc.restype = (ctypes.c_size_t,), ctypes.c_void_p
    libc.free.argtypes, libc.free.restype = (ctypes.c_void_p,), None
    block = MMAP_THRESHOLD - 2**20
    held = []
    for _ in range(TOP_PAD // block + 2):
        if mallinfo2().keepcost >= TOP_PAD:
            break
        pointer = libc.malloc(block)
        if not pointer:
            break
        held.append(pointer)
    for pointer in reversed(held):  # newest first: each one borders the top and merges into it
        libc.free(pointer)
