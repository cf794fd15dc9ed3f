"""Installable apps: the `flet build` configuration and the assets it packages.

The builds themselves need the Flutter SDK, which cannot be downloaded here, so
these tests check what a build would read: `[tool.flet]` in pyproject.toml, the
entry point, the icons and splash images in the top-level assets/, the fonts,
and that every permission the code needs is declared (and none it does not).
"""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from app import main as client_main
from app.settings import FLET_APP_DATA_ENV, ClientSettings

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FLET = PYPROJECT["tool"]["flet"]
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# The cross-platform bundles `flet build --permissions` knows in Flet 1.0.5.
FLET_BUNDLES = {"camera", "photo_library", "location", "microphone"}


@dataclass(frozen=True, slots=True)
class Feature:
    """Code that needs a permission on a phone: `pattern` found in app/ means it is used."""

    name: str
    pattern: re.Pattern[str]
    needs: frozenset[str]


FEATURES = (
    # The photo picker (app/views/order/photo_capture.py): on a phone it offers the camera and the library.
    Feature(
        "photos",
        re.compile(r"FilePickerFileType\.IMAGE|\bft\.Camera\b|flet_camera"),
        frozenset({"camera", "photo_library"}),
    ),
    # Reading the device's position (none today: site coordinates are typed in).
    Feature(
        "location",
        re.compile(r"Geolocator|flet_geolocator|get_current_position"),
        frozenset({"location"}),
    ),
    Feature("voice notes", re.compile(r"AudioRecorder|flet_audio_recorder"), frozenset({"microphone"})),
)


def features_used(sources: dict[str, str]) -> dict[str, list[str]]:
    """Feature name -> the files (of `sources`, path -> text) whose code uses it."""
    used: dict[str, list[str]] = {}
    for feature in FEATURES:
        hits = [path for path, text in sources.items() if feature.pattern.search(text)]
        if hits:
            used[feature.name] = hits
    return used


def permission_gaps(*, sources: dict[str, str], declared: set[str]) -> tuple[set[str], set[str]]:
    """(needed but not declared, declared but needed by nothing)."""
    used = features_used(sources)
    needed = set().union(*(f.needs for f in FEATURES if f.name in used))
    return needed - declared, declared - needed


def app_sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in (ROOT / "app").rglob("*.py")}


def load_make_assets() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_assets", ROOT / "scripts" / "make_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- identity and version ---------------------------------------------------------------------


def test_the_app_is_named_and_identified() -> None:
    assert FLET["product"] == "Ordo"
    assert FLET["company"]
    assert re.fullmatch(r"[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)+", FLET["org"])
    # A bundle id is reverse DNS under the organisation; Android forbids hyphens in it.
    assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+", FLET["bundle_id"])
    assert FLET["bundle_id"].startswith(FLET["org"] + ".")


def test_the_version_is_the_projects_own() -> None:
    # `flet build` takes its version from [project].version: no second copy to drift.
    version = PYPROJECT["project"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "stores want x.y.z"
    assert not {"version", "build_version"} & set(FLET)
    assert isinstance(FLET["build_number"], int) and FLET["build_number"] >= 1


def test_the_entry_point_starts_the_client_and_the_build_leaves_the_rest_out() -> None:
    app_dir = ROOT / FLET.get("app", {}).get("path", ".")
    entry = app_dir / f"{FLET['app']['module']}.py"
    assert entry.is_file()
    assert "from app.main import run" in entry.read_text(encoding="utf-8")
    # `flet build` packages `<app path>/assets`: the same folder the running client serves.
    assert (app_dir / "assets").resolve() == client_main.ASSETS_DIR == ASSETS
    excluded = set(FLET["app"]["exclude"])
    assert {".venv", "tests", "server_stub"} <= excluded
    assert not {"app", "assets"} & excluded


# --- icons, splash, web -----------------------------------------------------------------------


def square_side(name: str) -> int:
    with Image.open(ASSETS / name) as image:
        width, height = image.size
    assert width == height, f"{name} is {width}x{height}, not square"
    return width


def test_the_icon_is_square_opaque_and_big_enough_for_the_stores() -> None:
    assert square_side("icon.png") >= 1024
    with Image.open(ASSETS / "icon.png") as icon:
        assert icon.mode == "RGB", "iOS strips an alpha channel: give it none"


def test_dark_and_adaptive_icons_and_the_splash_images_exist() -> None:
    assert square_side("icon_dark.png") >= 1024
    assert square_side("icon_android.png") >= 432  # adaptive foreground: 108 dp at xxxhdpi
    with Image.open(ASSETS / "icon_android.png") as foreground:
        # The adaptive foreground is only the mark: the launcher puts the background under it.
        assert foreground.mode == "RGBA" and foreground.getpixel((0, 0))[3] == 0
    for name in ("splash.png", "splash_dark.png"):
        assert square_side(name) >= 768
    assert HEX_COLOUR.match(FLET["android"]["adaptive_icon_background"])
    assert HEX_COLOUR.match(FLET["splash"]["color"]) and HEX_COLOUR.match(FLET["splash"]["dark_color"])


def test_the_web_view_serves_ordos_icons_and_name() -> None:
    # flet_web serves a file from assets_dir before its own: these replace Flet's logo.
    assert square_side("favicon.png") == 32
    manifest = json.loads((ASSETS / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["name"] == FLET["product"]
    for icon in manifest["icons"]:
        assert square_side(icon["src"]) == int(icon["sizes"].split("x")[0])
    assert square_side("icons/apple-touch-icon-192.png") == 192


def test_the_script_redraws_exactly_the_committed_images(tmp_path: Path) -> None:
    written = load_make_assets().build(tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    committed = {p.relative_to(ASSETS).as_posix() for p in ASSETS.rglob("*.png")}
    assert names == committed, "an image in assets/ that the script does not draw, or the reverse"
    changed = sorted(n for n in names if (tmp_path / n).read_bytes() != (ASSETS / n).read_bytes())
    assert not changed, f"run scripts/make_assets.py and commit: {changed}"


# --- fonts ------------------------------------------------------------------------------------


def test_declared_fonts_are_bundled_with_their_licence() -> None:
    assert client_main.FONTS
    for family, relative in client_main.FONTS.items():
        font = ASSETS / relative
        assert font.is_file(), family
        assert font.read_bytes()[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true"), f"{relative} is no font"
        assert (font.parent / f"{font.stem}-LICENSE.txt").is_file()
    total = sum(p.stat().st_size for p in ASSETS.rglob("*") if p.is_file())
    assert total < 4 * 1024 * 1024, "assets/ ships inside every build: keep it small"


# --- permissions ------------------------------------------------------------------------------


def test_every_permission_the_code_needs_is_declared_and_no_other() -> None:
    declared = set(FLET["permissions"])
    assert declared <= FLET_BUNDLES
    missing, unused = permission_gaps(sources=app_sources(), declared=declared)
    assert not missing, f"code needs {missing}: add them to [tool.flet].permissions"
    assert not unused, f"{unused} declared but no code needs them: a store asks why"


def test_the_photo_feature_is_found_where_it_lives() -> None:
    # Guards the scan itself: if the picker moves or is renamed, the table above must follow.
    assert "app/views/order/photo_capture.py" in features_used(app_sources())["photos"]


@pytest.mark.parametrize(
    ("code", "declared", "gaps"),
    [
        ("geo = ft.Geolocator()", {"camera"}, ({"location"}, {"camera"})),
        ("file_type=ft.FilePickerFileType.IMAGE", {"photo_library"}, ({"camera"}, set())),
        ("rec = AudioRecorder()", {"microphone"}, (set(), set())),
        ("x = 1", set(), (set(), set())),
    ],
)
def test_the_permission_check_catches_a_gap(code: str, declared: set[str], gaps: tuple) -> None:
    assert permission_gaps(sources={"app/x.py": code}, declared=declared) == gaps


def test_the_permission_prompts_say_why_in_ordos_words() -> None:
    prompts = {"camera": "NSCameraUsageDescription", "photo_library": "NSPhotoLibraryUsageDescription"}
    for platform in ("ios", "macos"):
        info = FLET[platform]["info"]
        for permission in FLET["permissions"]:
            assert "Ordo" in info[prompts[permission]], (platform, permission)


# --- where the data lives ---------------------------------------------------------------------


def test_a_built_app_keeps_its_data_in_the_folder_flet_gives_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ORDO_DATA_DIR", raising=False)
    monkeypatch.setenv(FLET_APP_DATA_ENV, str(tmp_path / "data"))
    settings = ClientSettings()
    assert settings.data_dir == tmp_path / "data"
    assert settings.db_path == tmp_path / "data" / "ordo.db"
    assert settings.blob_dir == tmp_path / "data" / "blobs"


def test_ordo_data_dir_still_wins_and_an_empty_flet_folder_is_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(FLET_APP_DATA_ENV, str(tmp_path / "flet"))
    monkeypatch.setenv("ORDO_DATA_DIR", str(tmp_path / "mine"))
    assert ClientSettings().data_dir == tmp_path / "mine"
    monkeypatch.delenv("ORDO_DATA_DIR")
    monkeypatch.setenv(FLET_APP_DATA_ENV, "  ")
    assert "ordo" in str(ClientSettings().data_dir).lower()
