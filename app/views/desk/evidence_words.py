"""The evidence of an order in words: time logged, parts used, what the order holds and who
completed it. Pure; the desk's evidence screen (`app.views.desk.evidence`) draws them."""

from __future__ import annotations

from app.domain import Status
from app.services.types import OrderDetail, PartUsageView
from app.views.desk.history import HistoryLoad
from app.views.desk.history_words import byline
from app.views.order.checklist import number_text
from app.views.shared.time_words import time_totals


def part_line(part: PartUsageView) -> str:
    """'2 × Seal kit (SEAL-01)', '1.5 m × Copper pipe (CP-15)'."""
    amount = number_text(part.quantity) + (
        f" {part.unit}" if part.unit and part.unit not in ("pcs", "each") else ""
    )
    name = part.name if part.name == part.sku else f"{part.name} ({part.sku})"
    return f"{amount} × {name}"


def evidence_summary(detail: OrderDetail) -> str:
    """One line of what the order holds as evidence, for the dispatcher about to close it."""
    items = detail.checklist
    words = []
    if items:
        done = sum(1 for i in items if i.done)
        words.append(f"checklist {done} of {len(items)} done")
        flagged = sum(1 for i in items if i.out_of_range)
        if flagged:
            words[-1] += f", {flagged} out of range"
    else:
        words.append("no checklist")
    words.append(_count(len(detail.notes), "note"))
    words.append(_count(len(detail.photos), "photo"))
    if detail.signatures:
        words.append(f"signed by {detail.signatures[-1].signer_name}")
    elif detail.requires_signature:
        words.append("signature missing")
    words.append(time_totals(detail.time_logs) or "no time logged")
    words.append(_count(len(detail.parts), "part") + " used" if detail.parts else "no parts used")
    text = " · ".join(words)
    return text[:1].upper() + text[1:]


def _count(n: int, noun: str) -> str:
    return f"no {noun}s" if n == 0 else f"1 {noun}" if n == 1 else f"{n} {noun}s"


def completed_by(load: HistoryLoad) -> str:
    """'Completed by Alex Novak · 25 Nov 14:02 · device 3f2a' from the history, '' when not there."""
    view = load.view
    for entry in reversed(view.entries if view is not None else []):
        status = entry.fields.get("status")
        if status is not None and len(status) == 2 and status[1] == Status.COMPLETED.value:
            return f"Completed by {byline(entry)}"
    return ""


def parts_words(parts: list[PartUsageView]) -> str:
    return ". ".join(part_line(p) for p in parts) if parts else "No parts used."
