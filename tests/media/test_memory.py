"""Huge but legal inputs are processed within bounded memory.

Each measurement runs in a fresh interpreter so that its peak (VmHWM) is the pipeline's
own peak, not pytest's; the input is made in another one for the same reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

MAKE = """
import sys
from PIL import Image
width, height, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
size = (width, height)
grey = Image.linear_gradient("L").resize(size)
mirrored = grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
image = Image.merge("RGB", (grey, Image.effect_noise(size, 30), mirrored))
if path.endswith(".png"):
    image.save(path, compress_level=1)
else:
    image.save(path, quality=85)
"""

MEASURE = """
import json, sys
from pathlib import Path
from app.media import process_photo
result = process_photo(Path(sys.argv[1]))
# VmHWM, the peak of this process's own memory map. Not ru_maxrss: Linux carries the
# parent's high-water mark across fork and exec, so under a big pytest it reads pytest's.
status = Path("/proc/self/status").read_text()
peak_kib = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
print(json.dumps({"width": result.width, "height": result.height, "peak_mib": peak_kib / 1024}))
"""


def _run(script: str, *args: str) -> str:
    command = [sys.executable, "-c", script, *args]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True, timeout=240)
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("width", "height", "suffix", "expected", "bound_mib"),
    [
        # 60 MP JPEG: decoded at 1/4 scale through Image.draft; measured ~64 MiB peak.
        (9600, 6250, ".jpg", (2048, 1333), 150),
        # 64 MP PNG cannot be decoded at reduced scale: 256 MiB of pixels plus the
        # resampling pass; measured ~350 MiB peak.
        (8000, 8000, ".png", (2048, 2048), 450),
    ],
    ids=["60MP-jpeg", "8000x8000-png"],
)
def test_huge_legal_image_within_bounded_memory(
    tmp_path: Path, width: int, height: int, suffix: str, expected: tuple[int, int], bound_mib: int
) -> None:
    path = tmp_path / f"huge{suffix}"
    _run(MAKE, str(width), str(height), str(path))
    measured = json.loads(_run(MEASURE, str(path)))
    assert (measured["width"], measured["height"]) == expected
    assert measured["peak_mib"] < bound_mib, measured
