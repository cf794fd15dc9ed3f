"""Draw Ordo's icons and splash images into `assets/` (deterministic: same Pillow, same bytes).

    .venv/bin/python scripts/make_assets.py [--out DIR]

The mark is a clipboard with a check mark: a work order, done. One drawing,
several framings, each named the way `flet build` (Flet 1.0.5) looks them up
in the top-level `assets/` folder (the adaptive icon's background is
`[tool.flet.android].adaptive_icon_background`), plus the files the web view serves in
place of Flet's own (favicon, PWA icons, loading image):

| file | what for |
|---|---|
| icon.png | every platform's app icon (iOS, macOS, Windows, web fall back to it): full-bleed, opaque |
| icon_android.png | Android adaptive icon foreground: the mark in the safe zone, on transparent |
| icon_dark.png | the icon for dark surfaces (Flet has no dark launcher slot: kept for stores and docs) |
| splash.png, splash_dark.png | launch images (Android, iOS, web), on `[tool.flet.splash]` colours |
| favicon.png, icons/*.png | the web view's tab icon, PWA icons and loading image |

The test (tests/test_packaging.py) redraws everything into a temporary
folder and checks the bytes match what is committed, so edit this script,
run it, and commit both.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"

# Material indigo, the app's seed colour (app/views/shared/theme.py: ACCENT = ft.Colors.INDIGO).
ACCENT = "#3F51B5"
ACCENT_PALE = "#C5CAE9"  # indigo 100: the clip, and the board on dark
DARK_BG = "#1A1C2E"  # a near-black indigo for the dark icon and the dark splash
WHITE = "#FFFFFF"

ICON = 1024  # px: the size stores ask for; every other file is scaled from the same drawing
SUPERSAMPLE = 4  # drawn this many times larger, then reduced: smooth edges without antialiasing APIs

Colour = str
Painter = Callable[[ImageDraw.ImageDraw, int], None]


def _mark(*, board: Colour, clip: Colour, check: Colour, scale: float) -> Painter:
    """The clipboard and its check mark, `scale` of the canvas tall, centred."""

    def paint(draw: ImageDraw.ImageDraw, size: int) -> None:
        unit = size * scale  # the mark's height
        cx, cy = size / 2, size / 2 + unit * 0.03
        width, height = unit * 0.78, unit * 0.92
        left, top = cx - width / 2, cy - height / 2
        radius = unit * 0.09
        draw.rounded_rectangle((left, top, left + width, top + height), radius=radius, fill=board)
        # The clip across the top edge, with its hole.
        clip_w, clip_h = width * 0.46, unit * 0.17
        clip_top = top - clip_h * 0.45
        draw.rounded_rectangle(
            (cx - clip_w / 2, clip_top, cx + clip_w / 2, clip_top + clip_h), radius=clip_h * 0.35, fill=clip
        )
        hole = clip_h * 0.22
        hole_cy = clip_top + clip_h * 0.42
        draw.ellipse((cx - hole, hole_cy - hole, cx + hole, hole_cy + hole), fill=board)
        # The check mark: two strokes with round ends.
        stroke = round(unit * 0.085)
        points = [
            (cx - width * 0.26, cy + height * 0.06),
            (cx - width * 0.07, cy + height * 0.24),
            (cx + width * 0.28, cy - height * 0.16),
        ]
        draw.line(points, fill=check, width=stroke, joint="curve")
        cap = stroke * 0.46  # a hair under half: Pillow's wide lines come out a little thin
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - cap, y - cap, x + cap, y + cap), fill=check)

    return paint


def _draw(*, size: int, background: Colour | None, painter: Painter, rounded: bool = False) -> Image.Image:
    big = size * SUPERSAMPLE
    mode = "RGB" if background and not rounded else "RGBA"
    image = Image.new(mode, (big, big), background if mode == "RGB" else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded and background:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=background)
    painter(draw, big)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed options and no metadata chunks: the same pixels give the same bytes.
    image.save(path, format="PNG", optimize=False, compress_level=9)


LIGHT_MARK = _mark(board=WHITE, clip=ACCENT_PALE, check=ACCENT, scale=0.62)
DARK_MARK = _mark(board=ACCENT_PALE, clip=WHITE, check=DARK_BG, scale=0.62)
# Android's adaptive foreground is cropped to a circle or squircle of 66/108 of its width:
# the mark stays inside it.
ADAPTIVE_MARK = _mark(board=WHITE, clip=ACCENT_PALE, check=ACCENT, scale=0.40)
# Android 12's splash shows the image inside a circle of 2/3 of its width; others show it whole.
SPLASH_MARK = _mark(board=ACCENT, clip=ACCENT_PALE, check=WHITE, scale=0.42)
SPLASH_DARK_MARK = _mark(board=ACCENT_PALE, clip=WHITE, check=DARK_BG, scale=0.42)
# A maskable PWA icon keeps its content inside the central 80 %.
MASKABLE_MARK = _mark(board=WHITE, clip=ACCENT_PALE, check=ACCENT, scale=0.48)


def build(out: Path) -> list[Path]:
    """Draw every file into `out`; returns the paths written."""
    icon = _draw(size=ICON, background=ACCENT, painter=LIGHT_MARK)
    files: dict[str, Image.Image] = {
        "icon.png": icon,
        "icon_dark.png": _draw(size=ICON, background=DARK_BG, painter=DARK_MARK),
        "icon_android.png": _draw(size=ICON, background=None, painter=ADAPTIVE_MARK),
        "splash.png": _draw(size=1152, background=None, painter=SPLASH_MARK),
        "splash_dark.png": _draw(size=1152, background=None, painter=SPLASH_DARK_MARK),
        # The web view serves these from assets/ in place of Flet's own (flet_web's static files).
        "favicon.png": _draw(size=32, background=ACCENT, painter=LIGHT_MARK, rounded=True),
        "icons/icon-192.png": _draw(size=192, background=ACCENT, painter=LIGHT_MARK, rounded=True),
        "icons/icon-512.png": _draw(size=512, background=ACCENT, painter=LIGHT_MARK, rounded=True),
        "icons/icon-maskable-192.png": _draw(size=192, background=ACCENT, painter=MASKABLE_MARK),
        "icons/icon-maskable-512.png": _draw(size=512, background=ACCENT, painter=MASKABLE_MARK),
        "icons/apple-touch-icon-192.png": icon.resize((192, 192), Image.Resampling.LANCZOS),
        "icons/loading-animation.png": _draw(size=512, background=None, painter=SPLASH_MARK),
    }
    written = []
    for name, image in files.items():
        _save(image, out / name)
        written.append(out / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSETS, help=f"folder to write into (default {ASSETS})")
    args = parser.parse_args()
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
