"""Plain HTTP is refused for every host but this machine, unless the user consents."""

import pytest

from app.services.transport import check_transport, is_loopback, needs_consent
from app.services.types import SignInError


@pytest.mark.parametrize("host", ["localhost", "app.localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["ordo.example.com", "10.0.0.5", "192.168.1.20", "::ffff:8.8.8.8", "localhost.evil.com"]
)
def test_other_hosts(host):
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("url", "consent"),
    [
        ("https://ordo.example.com", False),
        ("http://127.0.0.1:8000", False),
        ("http://localhost:8000", False),
        ("http://[::1]:8000", False),
        ("http://ordo.example.com", True),
        ("http://192.168.1.20:8000", True),
    ],
)
def test_which_addresses_need_consent(url, consent):
    assert needs_consent(url) is consent


def test_plain_http_elsewhere_is_refused_without_consent():
    with pytest.raises(SignInError, match="not encrypted"):
        check_transport("http://ordo.example.com", allow_insecure=False)
    check_transport("http://ordo.example.com", allow_insecure=True)
    check_transport("https://ordo.example.com", allow_insecure=False)


def test_sign_in_refuses_plain_http_before_sending_the_password(rig):
    with pytest.raises(SignInError, match="not encrypted"):
        rig.ordo.sign_in(server_url="http://ordo.test", username="tech1", password="demo-tech")
    assert rig.server.token_bodies == []  # the password never left the device
    user = rig.ordo.sign_in(
        server_url="http://ordo.test", username="tech1", password="demo-tech", allow_insecure=True
    )
    assert user.server_url == "http://ordo.test"
