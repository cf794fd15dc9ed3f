"""What the views' test double starts with: people, orders, and the image work it shares."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PIL import Image, ImageDraw

from app.domain import Priority, Role, Status, format_number
from app.services.types import ChecklistItemView, ItemId, OrderDetail, OrderId, OrderSummary

THUMB = 320  # px, the longest side of a thumbnail, as the contract says
TECH_PASSWORD = "demo-tech"  # as `ordo demo` seeds them
DISPATCHER_PASSWORD = "demo-dispatcher"


@dataclass(frozen=True, slots=True)
class Person:
    username: str
    display_name: str
    role: Role
    skills: list[str] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def password(self) -> str:
        return TECH_PASSWORD if self.role is Role.TECHNICIAN else DISPATCHER_PASSWORD


def people() -> list[Person]:
    return [
        Person("tech1", "Tess Tech", Role.TECHNICIAN, ["boilers", "electrical"]),
        Person("tech2", "Theo Tran", Role.TECHNICIAN, ["plumbing", "pumps"]),
        Person("tech3", "Tara Singh", Role.TECHNICIAN, ["HVAC", "electrical"]),
        Person("dispatcher", "Dana Dispatch", Role.DISPATCHER),
    ]


@dataclass(frozen=True, slots=True)
class Spec:
    title: str
    priority: Priority
    due: timedelta
    status: Status
    assignee: str | None  # username
    reason: str | None = None
    boiler: bool = False  # a flue temperature item (55–80 °C) instead of a pressure one
    requires_signature: bool = False
    values: dict[int, object] = field(default_factory=dict)  # position -> value (done)


SPECS: list[Spec] = [
    Spec("Pump trips breaker", Priority.URGENT, timedelta(hours=-3), Status.ASSIGNED, "tech1"),
    Spec("Replace air filter", Priority.HIGH, timedelta(hours=2), Status.ASSIGNED, "tech1"),
    # WO-000003: the one that needs a signature.
    Spec(
        "Annual boiler inspection",
        Priority.NORMAL,
        timedelta(hours=4),
        Status.IN_PROGRESS,
        "tech1",
        boiler=True,
        requires_signature=True,
    ),
    Spec("Install door sensor", Priority.LOW, timedelta(days=3), Status.ASSIGNED, "tech1"),
    Spec("Leaking valve in plant room", Priority.HIGH, timedelta(days=1), Status.NEW, None),
    Spec(
        "Chiller makes a grinding noise",
        Priority.NORMAL,
        timedelta(hours=5),
        Status.ON_HOLD,
        "tech2",
        reason="Waiting for a replacement bearing",
    ),
    Spec(
        "Boiler service, block C",
        Priority.NORMAL,
        timedelta(days=-1),
        Status.COMPLETED,
        "tech1",
        boiler=True,
        values={1: True, 2: 95, 3: "pass", 4: "Filter replaced"},
    ),
]


def checklist(spec: Spec) -> list[ChecklistItemView]:
    measure = ("Flue temperature", "°C", 55.0, 80.0) if spec.boiler else ("Measure pressure", "bar", 1.0, 3.0)
    rows = [
        ("Isolate power", "check", True, None, None, None),
        (measure[0], "number", False, measure[1], measure[2], measure[3]),
        ("Leak test", "pass_fail", True, None, None, None),
        ("Replace filter", "text", False, None, None, None),
    ]
    items = []
    for position, (label, kind, required, unit, low, high) in enumerate(rows, start=1):
        value = spec.values.get(position)
        items.append(
            ChecklistItemView(
                id=ItemId(uuid.uuid4()),
                position=position,
                label=label,
                kind=kind,
                required=required,
                value=value,
                done=value is not None,
                unit=unit,
                min=low,
                max=high,
            )
        )
    return items


def new_order(
    n: int,
    *,
    title: str,
    priority: Priority,
    due: timedelta,
    status: Status,
    now: datetime,
    spec: Spec | None = None,
    assignee: Person | None = None,
) -> OrderDetail:
    spec = spec or Spec(title, priority, due, status, None)
    return OrderDetail(
        summary=OrderSummary(
            id=OrderId(uuid.uuid4()),
            number=format_number(n),
            title=title,
            priority=priority,
            status=status,
            due_at=now + due,
            site_name="Harbour Depot",
            pending=False,
            assignee_name=assignee.display_name if assignee else "",
        ),
        description="Pump 3 trips its breaker after ten minutes of running.",
        kind="repair",
        customer={"name": "Acme Logistics", "contact": "+44 20 7946 0000"},
        site={"name": "Harbour Depot", "address": "12 Quay Road, Bristol"},
        requires_signature=spec.requires_signature,
        checklist=checklist(spec),
        notes=[],
        next_statuses=[],
        blockers=[],
        assignee_id=assignee.id if assignee else None,
        assignee_name=assignee.display_name if assignee else "",
        status_reason=spec.reason,
    )


def jpeg(img: Image.Image, *, longest: int | None = None) -> bytes:
    copy = img.convert("RGB")
    if longest is not None:
        copy.thumbnail((longest, longest))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85)
    return out.getvalue()


def signature_png(strokes: Sequence[Sequence[tuple[float, float]]], *, width: float, height: float) -> bytes:
    """Black strokes on white, the size of the pad: what the real pipeline hands back, roughly."""
    img = Image.new("RGB", (max(1, round(width)), max(1, round(height))), "white")
    draw = ImageDraw.Draw(img)
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in stroke]
        if len(points) == 1:
            x, y = points[0]
            draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill="black")
        elif points:
            draw.line(points, fill="black", width=3, joint="curve")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
