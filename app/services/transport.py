"""Which server addresses the client will send a password and tokens to.

Plain HTTP is readable by anyone on the path (a café's Wi-Fi, a hotel proxy): it is
refused for every host but this machine itself, unless the user says, for this
sign-in, that they accept it (a lab server, a test rig), or the installation allows
it (`ORDO_ALLOW_INSECURE_HTTP=1`).
"""

from __future__ import annotations

import ipaddress

import httpx

from app.services.types import SignInError


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def needs_consent(url: str) -> bool:
    """True for a plain-HTTP address of another machine."""
    parsed = httpx.URL(url)
    return parsed.scheme == "http" and not is_loopback(parsed.host)


def check_transport(url: str, *, allow_insecure: bool) -> None:
    """SignInError unless `url` is HTTPS, loopback, or plain HTTP the user accepted."""
    if needs_consent(url) and not allow_insecure:
        raise SignInError(
            f"{url} is not encrypted (http://): your password and work would cross the network "
            "readable by anyone on the way. Use https://, or tick “Connect without encryption” "
            "if this is a test server you trust."
        )
