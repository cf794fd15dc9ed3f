"""Photo pipeline benchmark: one realistic 12 MP photo through `app.media.process_photo`.

Prints one JSON object (not a test: the machines are shared and noisy, so figures
are read, not asserted):

- input: size and format of a 4000x3000 camera-like JPEG (gradients, shapes, blur,
  sensor-like noise, EXIF with orientation, device and GPS tags), made in a child
  process so that making it does not count in the peak;
- processing time, median of --runs runs, and each run; also the median CPU time of
  this process (all threads) per run, which on a shared, busy machine says more than
  the wall time does;
- the stored output (format, size, pixels), the thumbnail size, and this
  process's peak RSS (ru_maxrss) after the runs; also the sizes of the JPEG and
  WebP candidates, and of a baseline (non-progressive) JPEG for comparison.

    .venv/bin/python bench/media.py [--width 4000] [--height 3000] [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def make_photo(path: Path, *, width: int, height: int, seed: int = 12) -> None:
    """A JPEG that compresses like a photo: smooth light, objects with edges, fine noise."""
    from PIL import ExifTags, Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    size = (width, height)
    light = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
        ),
    )
    draw = ImageDraw.Draw(light)
    for _ in range(120):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(20, width // 5), rng.randrange(20, height // 5)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.rectangle((x, y, x + w, y + h), fill=colour, outline=(0, 0, 0), width=3)
    for _ in range(200):  # thin lines: cables, text-like detail
        x, y = rng.randrange(width), rng.randrange(height)
        end = (x + rng.randrange(-300, 300), y + rng.randrange(-300, 300))
        draw.line((x, y, *end), fill=(20, 20, 20), width=2)
    softened = light.filter(ImageFilter.GaussianBlur(1.5))
    # Surface texture (gravel, foliage, concrete): coarse noise scaled up; then sensor noise.
    coarse = (width // 6, height // 6)
    texture = Image.merge("RGB", [Image.effect_noise(coarse, 60) for _ in range(3)]).resize(
        size, Image.Resampling.BICUBIC
    )
    grain = Image.merge("RGB", [Image.effect_noise(size, 40) for _ in range(3)])
    photo = Image.blend(Image.blend(softened, texture, 0.25), grain, 0.1)

    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Google"
    exif[ExifTags.Base.Model] = "Pixel 8"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:20 09:15:00"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)})
    photo.save(path, "JPEG", quality=92, exif=exif)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run(*, width: int, height: int, runs: int) -> dict[str, Any]:
    from PIL import Image

    from app.media import process_photo
    from app.media.encoding import JPEG_QUALITY, encode_jpeg, encode_webp
    from app.media.photo import DOWNSCALE

    with tempfile.TemporaryDirectory(prefix="ordo-bench-media-") as folder:
        source = Path(folder) / "photo.jpg"
        maker = [sys.executable, __file__, "--make-input", str(source)]
        subprocess.run([*maker, "--width", str(width), "--height", str(height)], check=True, cwd=REPO)
        rss_before = _peak_rss_mib()
        times: list[float] = []
        cpu_times: list[float] = []
        for _ in range(runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = process_photo(source)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
        peak = _peak_rss_mib()
        input_size = source.stat().st_size
        # The candidates the pipeline chose between, re-made from the full decode at the same
        # size with the pipeline's own filter (unrotated: that changes the sizes by under 1%).
        with Image.open(source) as full:
            scaled = full.convert("RGB").resize((result.height, result.width), DOWNSCALE)
    baseline = io.BytesIO()
    scaled.save(baseline, "JPEG", quality=JPEG_QUALITY, optimize=True)
    candidates = {
        "jpeg_progressive": len(encode_jpeg(scaled)),
        "jpeg_baseline": len(baseline.getvalue()),
        "webp": len(encode_webp(scaled)),
    }
    thumb = Image.open(io.BytesIO(result.thumbnail))
    return {
        "input": {"width": width, "height": height, "format": "image/jpeg", "bytes": input_size},
        "runs": runs,
        "seconds_median": round(statistics.median(times), 3),
        "seconds_each": [round(t, 3) for t in times],
        "cpu_seconds_median": round(statistics.median(cpu_times), 3),
        "output": {
            "content_type": result.content_type,
            "bytes": result.size,
            "width": result.width,
            "height": result.height,
        },
        "candidates_bytes": candidates,
        "thumbnail": {"bytes": len(result.thumbnail), "width": thumb.width, "height": thumb.height},
        "peak_rss_mib": {"before_processing": round(rss_before, 1), "after_runs": round(peak, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--make-input", type=Path, help=argparse.SUPPRESS)  # child process: write the photo
    args = parser.parse_args()
    if args.make_input is not None:
        make_photo(args.make_input, width=args.width, height=args.height)
        return
    print(json.dumps(run(width=args.width, height=args.height, runs=args.runs)), flush=True)


if __name__ == "__main__":
    main()
