"""Fixed or exploring fuzz runs.

By default every Hypothesis and schemathesis run here is derandomized: the same cases on
every run, so CI is reproducible. `scripts/test.sh --explore` sets ORDO_EXPLORE_SEED to a
fresh random number (printed first); the fuzzers then draw new cases from that seed, and
the same seed replays the same run:

    ORDO_EXPLORE_SEED=<seed> scripts/test.sh --explore
"""

from __future__ import annotations

import os

from hypothesis import settings

SEED_VARIABLE = "ORDO_EXPLORE_SEED"


def explore_seed() -> int | None:
    """The seed of an exploring run, or None for the fixed CI run."""
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"{SEED_VARIABLE} must be a whole number, not {text!r}")
    return int(text)


def exploring(profile: settings) -> settings:
    """`profile` as it is, or, when exploring, the same sizes drawn from the seed instead
    of derandomized (the seed itself is applied by the caller: hypothesis.seed or the
    schemathesis config). No example database: a replay depends on the seed alone."""
    if explore_seed() is None:
        return profile
    return settings(profile, derandomize=False, database=None)
