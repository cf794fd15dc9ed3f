"""server_stub.collector: the server process's collector, settled once the app is built. Run
in a fresh interpreter, since it is the whole process's."""

import json
import subprocess
import sys

_PROBE = """
import gc, json
from server_stub import collector
from server_stub.main import create_app  # what a server holds once it is built
before = (gc.get_threshold(), gc.get_freeze_count())
collector.settle()
print(json.dumps({"before": before, "after": (gc.get_threshold(), gc.get_freeze_count())}))
"""


def test_what_the_process_holds_once_built_is_frozen_and_the_thresholds_stay():
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    (threshold, frozen_before), (threshold_after, frozen_after) = found["before"], found["after"]
    assert frozen_before == 0
    assert frozen_after > 10_000  # the modules and what they made, out of every collection's way
    assert threshold_after == threshold
