"""Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter")."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """delay(attempt) is uniform in [0, min(cap, base * 2**attempt)]: spread out, never over the cap."""

    base: float
    cap: float
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap <= 0:
            raise ValueError("backoff base and cap must be positive")

    def ceiling(self, attempt: int) -> float:
        if attempt < 0:
            raise ValueError("attempt counts from 0")
        # Cap the exponent too, so a long outage never overflows a float.
        return min(self.cap, self.base * 2 ** min(attempt, 62))

    def delay(self, attempt: int, *, at_least: float = 0.0) -> float:
        """A jittered delay; `at_least` is the server's Retry-After, honoured up to the cap
        (a server asking for an hour does not park a device past its own limit)."""
        return max(self.rng.uniform(0, self.ceiling(attempt)), min(max(at_least, 0.0), self.cap))
