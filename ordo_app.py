"""The entry point `flet build` packages (`[tool.flet.app].module` in pyproject.toml).

A built app (apk, aab, ipa, macOS, Windows, Linux) starts Python here, inside
the Flet client on the device; `ordo run` on a workstation does not use this
file. Settings come from the same ``ORDO_*`` environment as everywhere; the
data folder defaults to the app's private storage (`FLET_APP_STORAGE_DATA`).
"""

from app.main import run
from app.settings import get_settings

if __name__ == "__main__":
    # A packaged app has no web view and no port: Flet's client is the window.
    run(settings=get_settings(), web=False, host="", port=0)
