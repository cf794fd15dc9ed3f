"""server_stub.collector: the server process's collector settings. Each case runs in a fresh
interpreter, since they are the whole process's."""

import json
import subprocess
import sys

import pytest

from server_stub.collector import PYTHON_DEFAULT

_PROBE = """
import gc, json, sys
from server_stub import collector
before = gc.get_threshold()
collector.settle(threshold=int(sys.argv[1]))
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def _settled(threshold: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(threshold)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(("threshold", "first"), [(10_000, 10_000), (0, PYTHON_DEFAULT)])
def test_what_the_process_holds_is_frozen_and_the_first_threshold_raised(threshold, first):
    found = _settled(threshold)
    assert found["before"][0] == PYTHON_DEFAULT
    assert found["after"] == [first, *found["before"][1:]]
    assert found["frozen"] > 1000  # the modules and what they made, out of every collection's way
