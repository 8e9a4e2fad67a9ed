"""Pausing Python's cyclic garbage collector around work that builds many objects that live on."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, then put it back as it was.

    A large import allocates millions of objects that stay alive until it ends (parsed records, the
    detector's normalised records); the collector keeps walking all of them as they accumulate and took
    about a third of an import's CPU, while finding next to no garbage (reference counting frees almost
    everything here). The switch is process-wide: nested or concurrent blocks turn it back on only when
    the last one ends. Reference counting still frees memory meanwhile; only cycles wait.
    """
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
