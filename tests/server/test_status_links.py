"""Customer status links (issue 13, sync-protocol.md "Customer status links"): a dispatcher
makes, shows, renews and revokes an order's link; `/s/<token>` shows that order alone, in a
customer's words, without cookies, not indexable, rate-limited, and 404 for any other token."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.domain import Role, Status
from app.domain.protocol.links import TOKEN_PATTERN, StatusLinkBody
from server_stub.clock import FakeClock
from server_stub.db import Database
from server_stub.main import create_app
from server_stub.models import WorkOrder
from server_stub.seeding.records import OrderSpec, create_order, create_user
from server_stub.settings import Settings

from .conftest import PASSWORD, Device, World, sign_in
from .kit import new_id
from .reportkit import API, devices, finish, start

LINK = API + "/orders/{id}/status-link"


def make_link(dev: Device, order_id: str, *, expect: int = 200) -> dict[str, str]:
    answer = dev.client.post(LINK.format(id=order_id), headers=dev.headers)
    assert answer.status_code == expect, answer.text
    if expect != 200:
        assert set(answer.json()) == {"error"}
    return answer.json()


def page(client: TestClient, token: str, *, expect: int = 200) -> str:
    answer = client.get(f"/s/{token}")
    assert answer.status_code == expect, answer.text
    return answer.text


def state_of(html: str) -> str:
    """The status word of the page's card (the progress list names every step)."""
    found = re.search(r'<p class="state">(.*?)</p>', html)
    assert found is not None, html
    return found.group(1)


class _Text(HTMLParser):
    """The page's visible words (what a customer reads), without markup or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.words.append(" ".join(data.split()))


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " | ".join(parser.words)


# --- making, showing, renewing, revoking ---------------------------------------------------


def test_a_dispatcher_makes_a_link_of_128_bits_and_sees_it_again(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    body = StatusLinkBody.model_validate(make_link(disp, world.orders["a"]))
    assert re.fullmatch(TOKEN_PATTERN, body.token)
    assert body.url == f"http://testserver/s/{body.token}"
    shown = client.get(LINK.format(id=world.orders["a"]), headers=disp.headers)
    assert shown.status_code == 200 and shown.json() == body.model_dump()
    assert "A" in visible(page(client, body.token))


def test_a_new_link_replaces_the_old_one_and_revoking_ends_it(client: TestClient, world: World) -> None:
    disp = sign_in(client, "disp")
    order = world.orders["a"]
    first = make_link(disp, order)["token"]
    second = make_link(disp, order)["token"]
    assert first != second
    gone = page(client, first, expect=404)
    page(client, second)
    assert client.delete(LINK.format(id=order), headers=disp.headers).status_code == 204
    revoked = page(client, second, expect=404)
    unknown = page(client, "A" * 22, expect=404)
    # One page for unknown and revoked tokens: nothing tells them apart.
    assert gone == revoked == unknown
    assert client.get(LINK.format(id=order), headers=disp.headers).status_code == 404
    # Revoking again is not an error.
    assert client.delete(LINK.format(id=order), headers=disp.headers).status_code == 204


def test_the_url_uses_the_public_base_url_when_set(database_url: str, tmp_path, world: World) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, public_url="https://status.example.com/"
    )
    with TestClient(create_app(settings)) as client:
        disp = sign_in(client, "disp")
        body = make_link(disp, world.orders["a"])
        assert body["url"] == f"https://status.example.com/s/{body['token']}"


def test_technicians_and_other_organisations_are_refused(client: TestClient, world: World) -> None:
    disp, tech1, _tech2, outsider = devices(client)
    order = world.orders["a"]
    make_link(tech1, order, expect=403)  # even the assignee: links are the desk's
    make_link(outsider, order, expect=404)  # another organisation's order does not exist for them
    make_link(disp, "00000000-0000-4000-8000-000000000000", expect=404)
    for dev, code in ((tech1, 403), (outsider, 404)):
        assert client.get(LINK.format(id=order), headers=dev.headers).status_code == code
        assert client.delete(LINK.format(id=order), headers=dev.headers).status_code == code
    assert client.post(LINK.format(id=order)).status_code == 401
    assert client.post(LINK.format(id="not-a-uuid"), headers=disp.headers).status_code == 422


def test_an_admin_manages_links_too(client: TestClient, world: World, db: Database) -> None:
    with db.write() as session, session.begin():
        create_user(
            session, org_id=world.org_id, username="boss", password=PASSWORD, role=Role.ADMIN,
            display_name="Boss",
        )  # fmt: skip
    make_link(sign_in(client, "boss"), world.orders["b"])


# --- what the page shows, and never shows ---------------------------------------------------


def _two_customers(db: Database, world: World) -> tuple[str, str]:
    """Two assigned orders of two customers, each full of words that must stay its own."""
    made = []
    with db.write() as session, session.begin():
        for who, site, title, contact in (
            ("Marguerite Quillfeather", "Lighthouse Lane 7", "Boiler Zephyrine service", "+44 7700 900111"),
            ("Bartholomew Snodgrass", "Quarry Road 99", "Heatpump Oxalisimo repair", "bart@snod.example"),
        ):
            order = create_order(
                session,
                org_id=world.org_id,
                spec=OrderSpec(
                    title=title, status=Status.ASSIGNED, assignee_id=world.users["tech1"],
                    description=f"Secret description of {who}", customer={"name": who, "contact": contact},
                    site={"name": site, "address": f"{site}, Townsville"},
                    due_at=datetime(2026, 11, 26, 14, 0, tzinfo=UTC),
                ),
                now=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
            )  # fmt: skip
            made.append(order.id)
    return made[0], made[1]


def test_the_page_never_shows_another_order_or_customer(
    client: TestClient, world: World, db: Database
) -> None:
    disp = sign_in(client, "disp")
    first, second = _two_customers(db, world)
    tech = sign_in(client, "tech1")
    tech.pull_all()
    secret = {"id": new_id(), "text": "Dog in the garden, key under mat", "at": "2026-11-25T10:00:00Z"}
    tech.push([tech.mutation("note.add", first, secret)])
    with db.read() as session:
        numbers = {o: session.get(WorkOrder, o).number for o in (first, second)}  # type: ignore[union-attr]
    html = page(client, make_link(disp, first)["token"])
    words = visible(html)
    assert "Boiler Zephyrine service" in words
    assert numbers[first] in words and numbers[second] not in html
    assert state_of(html) == "Scheduled"
    assert "Tech1" in words  # the first name, nothing more
    # The other order's and customer's words appear nowhere in the page, markup included;
    # nor this customer's own contact details, the description, the notes or any id.
    for never in (
        "Heatpump", "Oxalisimo", "Bartholomew", "Snodgrass", "Quarry", "bart@snod",
        "Marguerite", "Quillfeather", "+44 7700", "Lighthouse", "Secret description",
        "Dog in the garden", world.users["tech1"], first, second, world.org_id, "tech1@",
    ):  # fmt: skip
        assert never not in html, never
    assert "Thu 26 Nov 2026, 14:00 (UTC time)" in words


def test_the_page_follows_the_order_to_completion(client: TestClient, world: World, clock: FakeClock) -> None:
    disp, tech, _, _ = devices(client)
    order = world.orders["a"]
    token = make_link(disp, order)["token"]
    assert state_of(page(client, token)) == "Scheduled"
    start(tech, order)
    html = page(client, token)
    assert state_of(html) == "Technician on the way"
    assert "On the way | since 10:00 (UTC time)" in visible(html)
    assert "report.pdf" not in page(client, token)
    assert client.get(f"/s/{token}/report.pdf").status_code == 404  # not completed yet
    finish(tech, world, order, signer="Pat O'Customer")
    html = page(client, token)
    words = visible(html)
    assert state_of(html) == "Completed"
    assert "4 of 4 checks done" in words
    assert "Pressure" in words  # 3.1 bar is over its limit of 2.5: named as not passed
    assert "Pat O&#x27;Customer" in html and "Pat O'Customer" in words
    assert f'href="/s/{token}/report.pdf"' in html
    assert "Replaced the valve seal" not in html  # notes stay inside
    pdf = client.get(f"/s/{token}/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "set-cookie" not in pdf.headers and pdf.headers["x-robots-tag"] == "noindex, nofollow"


def test_no_cookies_noindex_no_store_no_referrer_and_a_strict_policy(
    client: TestClient, world: World
) -> None:
    token = make_link(sign_in(client, "disp"), world.orders["a"])["token"]
    for answer in (client.get(f"/s/{token}"), client.get("/s/" + "x" * 22), client.head(f"/s/{token}")):
        headers = answer.headers
        assert "set-cookie" not in headers
        assert headers["x-robots-tag"] == "noindex, nofollow"
        assert headers["cache-control"] == "no-store"
        assert headers["referrer-policy"] == "no-referrer"
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
    html = client.get(f"/s/{token}").text
    assert '<meta name="robots" content="noindex,nofollow">' in html
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert not client.cookies


def test_hostile_titles_are_escaped(client: TestClient, world: World, db: Database) -> None:
    with db.write() as session, session.begin():
        order = create_order(
            session, org_id=world.org_id,
            spec=OrderSpec(title='<script>alert("x")</script><img src=x onerror=alert(1)>',
                           status=Status.NEW),
            now=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        )  # fmt: skip
        order_id = order.id
    html = page(client, make_link(sign_in(client, "disp"), order_id)["token"])
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "token",
    [
        "short",
        "A" * 23,
        "A" * 21 + "!",
        "..%2F..%2Fetc%2Fpasswd",
        "%00" * 8,
        "",
        "x" * 22 + "/other",
        "ä" * 22,
    ],
)
def test_anything_not_a_live_token_is_the_same_404_page(client: TestClient, world: World, token: str) -> None:
    expected = client.get("/s/" + "B" * 22)
    answer = client.get(f"/s/{token}")
    assert answer.status_code == 404 and answer.text == expected.text
    assert answer.headers["x-robots-tag"] == "noindex, nofollow"


# --- the rate limit -------------------------------------------------------------------------


def test_the_page_is_rate_limited_per_address_on_the_servers_clock(
    client: TestClient, world: World, clock: FakeClock
) -> None:
    token = make_link(sign_in(client, "disp"), world.orders["a"])["token"]
    for _ in range(60):
        page(client, token)
    refused = client.get(f"/s/{token}")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) == 60
    assert refused.headers["x-robots-tag"] == "noindex, nofollow"
    # Unknown tokens count too: guessing is as slow as reading.
    assert client.get("/s/" + "C" * 22).status_code == 429
    clock.advance(seconds=30)
    assert int(client.get(f"/s/{token}").headers["retry-after"]) == 30
    clock.advance(seconds=30)
    page(client, token)
