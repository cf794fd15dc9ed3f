"""Python's garbage collector tuned for a long-running server process.

A push batch makes and drops ORM objects, dicts and models by the ten thousand. With
Python's default first threshold (700 new container objects), a 500-mutation batch ran
dozens of collections, and each older-generation one walked every object the process
made while starting (modules, SQLAlchemy's and pydantic's structures): issue 11 measured
a push of 3,000 orders spending a fifth of its time there.

So, once the app is built: what exists then lives as long as the process and is frozen
(gc.freeze: no collection walks it again), and the first threshold is raised. Reference
counting still frees nearly everything at once; the collector is only for cycles, which
a larger threshold finds a little later.
"""

from __future__ import annotations

import gc

PYTHON_DEFAULT = 700


def settle(*, threshold: int) -> None:
    """Freeze what the process holds now, and collect young objects every `threshold` new
    ones (0: leave Python's thresholds as they are). Call once, after the app is built."""
    gc.collect()
    gc.freeze()
    if threshold > 0:
        _first, second, third = gc.get_threshold()
        gc.set_threshold(threshold, second, third)
