"""Helpers of the status link and report tests: a technician takes an order of the world
from assigned to completed through real pushes, with evidence whose bytes are uploaded."""

from __future__ import annotations

import hashlib
import io
import random
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from app.domain.blobs import UPLOAD_LENGTH, UPLOAD_OFFSET

from .conftest import Device, World, sign_in
from .kit import AT, move, new_id, statuses

API = "/api/v1"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def photo_bytes(*, seed: int, side: int = 320) -> bytes:
    """A real JPEG, different for each seed, side x 3/4 side: gradients under grain, which
    compresses about as a phone's photo does (random pixels throughout would not)."""
    rng = random.Random(seed)
    size = (side, side * 3 // 4)
    ramp = Image.linear_gradient("L").resize(size)
    grain = Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).point(lambda v: 96 + v // 4)
    image = Image.merge("RGB", (ramp, grain, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    ImageDraw.Draw(image).rectangle(
        [rng.randrange(side // 2), rng.randrange(size[1] // 2), side * 3 // 4, size[1] * 3 // 4],
        fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)),
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def signature_bytes() -> bytes:
    """A transparent PNG with a dark scribble, as the signature pad makes."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line(
        [(20, 150), (120, 40), (220, 160), (320, 50), (420, 150), (560, 60)], fill=(10, 10, 40, 255), width=6
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def upload(dev: Device, data: bytes) -> None:
    answer = dev.client.patch(
        f"{API}/blobs/{sha(data)}",
        content=data,
        headers=dev.headers | {UPLOAD_OFFSET: "0", UPLOAD_LENGTH: str(len(data))},
    )
    assert answer.status_code in (200, 201), answer.text


def start(tech: Device, order_id: str) -> None:
    """assigned → en_route (the customer sees "on the way")."""
    tech.pull_all()
    assert statuses(tech.push([move(tech, order_id, "assigned", "en_route")])) == ["applied"]


def finish(
    tech: Device,
    world: World,
    order_id: str,
    *,
    name: str = "a",
    photos: int = 2,
    missing_photo: bool = True,
    photo_side: int = 320,
    signer: str = "Pat Customer",
    failing_pressure: bool = True,
    note: str = "Replaced the valve seal",
) -> dict[str, Any]:
    """en_route → in_progress → completed with a full record: checklist, a note, `photos`
    photos uploaded (and one whose bytes never come), time, a part and a signature."""
    items = world.items[name]
    shots = [photo_bytes(seed=n, side=photo_side) for n in range(photos)]
    scribble = signature_bytes()
    mutations = [
        move(tech, order_id, "en_route", "in_progress"),
        tech.mutation("checklist.set", order_id, {"item_id": items[0], "value": True, "done": True}),
        tech.mutation(
            "checklist.set", order_id,
            {"item_id": items[1], "value": 3.1 if failing_pressure else 1.8, "done": True},
        ),
        tech.mutation("checklist.set", order_id, {"item_id": items[2], "value": "Seal worn", "done": True}),
        tech.mutation("checklist.set", order_id, {"item_id": items[3], "value": "pass", "done": True}),
        tech.mutation("note.add", order_id, {"id": new_id(), "text": note, "at": AT}),
        tech.mutation(
            "time.add", order_id,
            {"id": new_id(), "kind": "travel", "started_at": "2026-11-25T09:10:00Z",
             "ended_at": "2026-11-25T09:40:00Z"},
        ),
        tech.mutation(
            "time.add", order_id,
            {"id": new_id(), "kind": "work", "started_at": "2026-11-25T09:45:00Z",
             "ended_at": "2026-11-25T11:15:00Z"},
        ),
        tech.mutation("part.use", order_id, {"id": new_id(), "sku": "FUSE-10A", "quantity": 2}),
    ]  # fmt: skip
    for n, data in enumerate(shots):
        mutations.append(
            tech.mutation(
                "photo.add", order_id,
                {"id": new_id(), "sha256": sha(data), "size": len(data), "content_type": "image/jpeg",
                 "width": photo_side, "height": photo_side * 3 // 4, "caption": f"Photo {n + 1}",
                 "taken_at": AT},
            )
        )  # fmt: skip
    if missing_photo:
        never = photo_bytes(seed=999)
        mutations.append(
            tech.mutation(
                "photo.add", order_id,
                {"id": new_id(), "sha256": sha(never), "size": len(never), "content_type": "image/jpeg",
                 "width": 320, "height": 240, "caption": "Never uploaded", "taken_at": AT},
            )
        )  # fmt: skip
    mutations += [
        tech.mutation(
            "signature.add", order_id,
            {"id": new_id(), "signer_name": signer, "sha256": sha(scribble), "signed_at": AT},
        ),
        move(tech, order_id, "in_progress", "completed"),
    ]  # fmt: skip
    result = tech.push(mutations)
    assert set(statuses(result)) <= {"applied", "merged"}, result
    for data in [*shots, scribble]:
        upload(tech, data)
    return result


def devices(client: TestClient) -> tuple[Device, Device, Device, Device]:
    """disp, tech1, tech2, outsider (another organisation's dispatcher)."""
    return (
        sign_in(client, "disp"),
        sign_in(client, "tech1"),
        sign_in(client, "tech2"),
        sign_in(client, "outsider"),
    )
