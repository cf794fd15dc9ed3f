"""The authorisation matrix (issues 5, 9 and 10): every endpoint x every caller x
every target, with the expected answer of each cell written by hand in the tables
below, on SQLite and PostgreSQL. Two organisations share one server; nothing of one
is ever seen, changed or confirmed by the other. The pushes of the 12 mutation types
are test_authz_pushes; the world both use (callers, targets, what each cell needs
made beforehand) is authz_world.

PATCH cells send an empty body (they only say what the caller's organisation
holds), intake cells use new external ids, refresh cells sign in afresh.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.domain.blobs import UPLOAD_LENGTH, UPLOAD_OFFSET

from .authz_world import API, CALLERS, KEYS, ORDERS, PEOPLE, Matrix, ids, matrix, sha, status, table
from .conftest import PASSWORD

__all__ = ["matrix"]  # the module-scoped world of these cells

# --- the tables ---------------------------------------------------------------------

U = 401

HEALTH = table({c: (200,) for c in CALLERS}, ("-",))

# Each person signs in as themselves; `anon` with a wrong password; a key's account
# cannot sign in (its key is no password), and a key is never a bearer token.
SIGN_IN = table({"anon": (401,), **{p: (200,) for p in PEOPLE}, "key": (401,), "okey": (401,)}, ("-",))

# A refresh token is bound to the device it was issued to: the caller's own token
# (from a sign-in on a new device) renews only there, not from another device of
# the organisation nor from one of the other organisation. `anon` sends a made-up
# token, a key its API key: neither is a refresh token.
REFRESH = table(
    {
        "anon": (401, 401, 401),
        **{p: (200, 401, 401) for p in PEOPLE},
        "key": (401, 401, 401),
        "okey": (401, 401, 401),
    },
    ("own device", "other device", "other organisation's device"),
)

# Which of the known orders each caller pulls (intake cells may add others).
PULL = table(
    {
        "anon": (U,),
        "tech1": ({"a", "sig"},),
        "tech2": ({"b"},),
        "disp": ({"a", "b", "new", "sig"},),
        "admin": ({"a", "b", "new", "sig"},),
        "outsider": ({"x"},),
        "key": (U,),
        "okey": (U,),
    },
    ("-",),
)

# HEAD says whether the caller's organisation holds the bytes (for de-duplication);
# GET gives them only to those who see an order that refers to them; 404 otherwise.
HEAD = table(
    {
        "anon": (U, U, U),
        **{p: (200, 200, 404) for p in ("tech1", "tech2", "disp", "admin")},
        "outsider": (404, 404, 200),
        "key": (U, U, U),
        "okey": (U, U, U),
    },
    ORDERS,
)
GET = table(
    {
        "anon": (U, U, U),
        "tech1": (200, 404, 404),
        "tech2": (404, 200, 404),
        "disp": (200, 200, 404),
        "admin": (200, 200, 404),
        "outsider": (404, 404, 200),
        "key": (U, U, U),
        "okey": (U, U, U),
    },
    ORDERS,
)
# An empty PATCH at offset 0: 200 when the caller's organisation holds the blob
# (nothing written), 204 (an upload begun in the caller's own store) when only the
# other organisation holds it: another organisation's bytes are never confirmed.
PATCH = table(
    {
        "anon": (U, U),
        **{p: (200, 204) for p in ("tech1", "tech2", "disp", "admin")},
        "outsider": (204, 200),
        "key": (U, U),
        "okey": (U, U),
    },
    ("p1", "p2"),
)
# Intake takes an integration key only; a person's bearer token is not one.
INTAKE = table({"anon": (U,), **{p: (U,) for p in PEOPLE}, "key": (201,), "okey": (201,)}, ("-",))
# An order's history: the desk of its organisation, its assignee, and a former assignee
# (tech2, of `moved`: their own entries only); everyone else is told there is no such order.
HISTORY = table(
    {
        "anon": (U, U, U, U),
        "tech1": (200, 404, 404, 200),
        "tech2": (404, 200, 404, 200),
        "disp": (200, 200, 404, 200),
        "admin": (200, 200, 404, 200),
        "outsider": (404, 404, 200, 404),
        "key": (U, U, U, U),
        "okey": (U, U, U, U),
    },
    (*ORDERS, "moved"),
)


# --- the cells ----------------------------------------------------------------------


@pytest.mark.parametrize(("caller", "target", "want"), HEALTH, ids=ids(HEALTH))
def test_health(matrix: Matrix, caller: str, target: str, want: int) -> None:
    assert status(matrix.client.get(f"{API}/health", headers=matrix.callers[caller].headers)) == want


@pytest.mark.parametrize(("caller", "target", "want"), SIGN_IN, ids=ids(SIGN_IN))
def test_sign_in(matrix: Matrix, caller: str, target: str, want: int) -> None:
    who = matrix.callers[caller]
    if caller == "anon":
        body = {"username": "tech1", "password": "wrong password"}
    elif caller in KEYS:
        key = who.headers["X-API-Key"]
        body = {"username": who.username or "apikey", "password": key}
    else:
        body = {"username": who.username, "password": PASSWORD}
    body["device_id"] = str(uuid.uuid4())
    assert status(matrix.client.post(f"{API}/auth/token", json=body, headers=who.headers)) == want


@pytest.mark.parametrize(("caller", "target", "want"), REFRESH, ids=ids(REFRESH))
def test_refresh(matrix: Matrix, caller: str, target: str, want: int) -> None:
    who = matrix.callers[caller]
    own_device = str(uuid.uuid4())
    if caller in PEOPLE:
        signed = {"username": who.username, "password": PASSWORD, "device_id": own_device}
        answer = matrix.client.post(f"{API}/auth/token", json=signed)
        assert answer.status_code == 200, answer.text
        token = answer.json()["refresh_token"]
    else:
        token = who.headers.get("X-API-Key", "not-a-refresh-token")
    outside = caller == "outsider"
    device = {
        "own device": own_device,
        "other device": matrix.callers[
            "otech" if outside else ("tech1" if caller == "tech2" else "tech2")
        ].device_id,
        "other organisation's device": matrix.callers["tech1" if outside else "otech"].device_id,
    }[target]
    body = {"refresh_token": token, "device_id": device}
    answer = matrix.client.post(f"{API}/auth/refresh", json=body, headers=who.headers)
    assert status(answer) == want
    if want == 200:
        assert answer.json()["user"]["id"] == matrix.users[caller]
        fresh = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        assert matrix.client.get(f"{API}/sync/pull", headers=fresh).status_code == 200


@pytest.mark.parametrize(("caller", "target", "want"), PULL, ids=ids(PULL))
def test_pull(matrix: Matrix, caller: str, target: str, want: set[str] | int) -> None:
    answer = matrix.client.get(f"{API}/sync/pull", headers=matrix.callers[caller].headers)
    if isinstance(want, int):
        assert status(answer) == want
        return
    assert answer.status_code == 200, answer.text
    names = {order_id: name for name, order_id in matrix.orders.items()}
    seen = {c["id"] for c in answer.json()["changes"] if c["entity"] == "work_order"}
    assert {names[i] for i in seen if i in names} == want


@pytest.mark.parametrize(("caller", "target", "want"), HEAD, ids=ids(HEAD))
def test_blob_head(matrix: Matrix, caller: str, target: str, want: int) -> None:
    url = f"{API}/blobs/{sha(matrix.blobs[target])}"
    assert status(matrix.client.head(url, headers=matrix.callers[caller].headers)) == want


@pytest.mark.parametrize(("caller", "target", "want"), GET, ids=ids(GET))
def test_blob_get(matrix: Matrix, caller: str, target: str, want: int) -> None:
    answer = matrix.client.get(
        f"{API}/blobs/{sha(matrix.blobs[target])}", headers=matrix.callers[caller].headers
    )
    assert status(answer) == want
    if want == 200:
        assert answer.content == matrix.blobs[target]


@pytest.mark.parametrize(("caller", "target", "want"), PATCH, ids=ids(PATCH))
def test_blob_patch(matrix: Matrix, caller: str, target: str, want: int) -> None:
    data = matrix.blobs[target]
    sent = {**matrix.callers[caller].headers, UPLOAD_OFFSET: "0", UPLOAD_LENGTH: str(len(data))}
    answer = matrix.client.patch(f"{API}/blobs/{sha(data)}", content=b"", headers=sent)
    assert status(answer) == want
    if want in (200, 204):
        assert answer.headers[UPLOAD_OFFSET] == ("0" if want == 204 else str(len(data)))


@pytest.mark.parametrize(("caller", "target", "want"), INTAKE, ids=ids(INTAKE))
@pytest.mark.parametrize("kind", ["requests", "alerts"])
def test_intake(matrix: Matrix, kind: str, caller: str, target: str, want: int) -> None:
    external_id = f"{caller}-{uuid.uuid4()}"
    body = (
        {"external_id": external_id, "customer": "Pat", "site": {"name": "Depot"}, "description": "Leak"}
        if kind == "requests"
        else {"external_id": external_id, "source": "bms", "asset": f"AHU-{uuid.uuid4()}", "severity": "high",
              "message": "Fan stopped"}
    )  # fmt: skip
    assert (
        status(matrix.client.post(f"{API}/intake/{kind}", json=body, headers=matrix.callers[caller].headers))
        == want
    )


# --- tenancy: what one organisation's pull holds ------------------------------------


@pytest.mark.parametrize(
    ("caller", "org"), [("disp", "Test Org"), ("tech1", "Test Org"), ("outsider", "Other Org")]
)
def test_two_organisations_never_see_each_other(matrix: Matrix, caller: str, org: str) -> None:
    other = "Other Org" if org == "Test Org" else "Test Org"
    headers = matrix.callers[caller].headers
    changes: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"cursor": cursor} if cursor else {}
        page = matrix.client.get(f"{API}/sync/pull", params=params, headers=headers).json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        by_entity.setdefault(change["entity"], []).append(change)
    # The directory and the catalogue: the caller's organisation, all of it, and nothing else.
    assert {c["id"] for c in by_entity["user"]} == matrix.org_users[org]
    assert {c["id"] for c in by_entity["part"]} == matrix.parts[org]
    their_targets = {"x"} if org == "Test Org" else {"a", "b", "new", "sig"}
    theirs = {matrix.orders[n] for n in their_targets} | {
        order for (_, _, target), (order, _) in matrix.twins.items() if target in their_targets
    }
    orders = {c["id"] for c in by_entity["work_order"]}
    assert not orders & theirs
    # Every child row belongs to an order this caller pulled; no author of the other organisation.
    for entity in ("note", "photo", "time_log", "checklist_item"):
        for change in by_entity.get(entity, []):
            assert change["data"]["order_id"] in orders, change
            author = change["data"].get("author_id") or change["data"].get("user_id")
            assert author not in matrix.org_users[other], change
    # The other organisation's photo bytes: not downloadable, not even confirmed.
    their_blob = sha(matrix.blobs["x" if org == "Test Org" else "a"])
    assert matrix.client.get(f"{API}/blobs/{their_blob}", headers=headers).status_code == 404
    assert matrix.client.head(f"{API}/blobs/{their_blob}", headers=headers).status_code == 404


# --- found by this matrix, not fixed here (sign-in is server_stub.auth.security's) ---------


def test_a_device_of_another_organisation_cannot_be_taken_over(matrix: Matrix) -> None:
    # A new installation of the other organisation (no cell uses it), then someone else's sign-in on it.
    device_id = str(uuid.uuid4())
    theirs = {"username": "otech", "password": PASSWORD, "device_id": device_id}
    assert matrix.client.post(f"{API}/auth/token", json=theirs).status_code == 200
    answer = matrix.client.post(f"{API}/auth/token", json={**theirs, "username": "tech1"})
    assert answer.status_code in (403, 409), answer.text


@pytest.mark.parametrize(("caller", "target", "want"), HISTORY, ids=ids(HISTORY))
def test_order_history(matrix: Matrix, caller: str, target: str, want: int) -> None:
    order = matrix.moved if target == "moved" else matrix.orders[target]
    answer = matrix.client.get(f"{API}/orders/{order}/history", headers=matrix.callers[caller].headers)
    assert status(answer) == want
    if want == 200:
        found = answer.json()["entries"]
        if (caller, target) == ("tech2", "moved"):
            assert all(e["user_id"] == matrix.users["tech2"] for e in found)  # a former assignee's own
        else:
            assert found and found[0]["type"] == "order.create"
