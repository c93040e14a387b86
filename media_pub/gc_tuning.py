"""Fewer garbage-collector passes while a build makes many long-lived objects.

Loading a long back catalogue makes hundreds of thousands of small objects (episodes, their
media facts, paths, the state's JSON) that all live until the build ends and form no
reference cycles. CPython's cyclic collector runs a pass every 700 new container objects
and, as they survive, re-scans them in its older generations: at 10,000 episodes that was
a fifth of a no-op build's time, finding nothing to free. mypy raises the thresholds the
same way for the same reason, to the same values (``gc.set_threshold(200 * 1000, 30, 30)``
in its ``tune_gc``). Reference counting still frees everything as usual; only the search
for cycles runs less often.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["fewer_collections"]


@contextmanager
def fewer_collections(threshold: int = 200_000, older: int = 30) -> Iterator[None]:
    """Run the block with the youngest generation collected every ``threshold`` new
    objects instead of every 700, and each older one every ``older`` passes of the one
    below (instead of 10); the previous thresholds are restored after."""
    before = gc.get_threshold()
    gc.set_threshold(max(threshold, before[0]), max(older, before[1]), max(older, before[2]))
    try:
        yield
    finally:
        gc.set_threshold(*before)
