"""The parts catalogue as this device holds it (pulled from the server): searched by name or
SKU for the technician's "Add part" dialog."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.types import PartChoice
from app.store.models import Part

MAX_CHOICES = 100  # whatever a caller asks: a dialog shows a short list, the user types more


def _matches(choice: PartChoice, words: list[str]) -> bool:
    """Every word of the query is part of the name or of the SKU."""
    haystack = (choice.name.casefold(), choice.sku.casefold())
    return all(any(word in text for text in haystack) for word in words)


def search_parts(session: Session, *, query: str, limit: int = 20) -> list[PartChoice]:
    """Parts whose name or SKU holds every word of `query` (case does not matter), by name;
    a part whose SKU is exactly what was typed (or scanned) comes first. An empty query
    lists the first `limit` parts by name.

    Matched in Python, not with SQL's LIKE: SQLite folds the case of ASCII letters only,
    and a catalogue holds "Kältemittel" as readily as "Fuse".
    """
    size = max(0, min(limit, MAX_CHOICES))
    words = query.casefold().split()
    exact = query.strip().casefold()
    seen: set[str] = set()
    found: list[PartChoice] = []
    for sku, name, unit in session.execute(select(Part.sku, Part.name, Part.unit).order_by(Part.seq.desc())):
        # The catalogue is keyed by its change's id: one SKU is offered once (its latest row).
        if not sku or sku in seen:
            continue
        seen.add(sku)
        choice = PartChoice(sku=sku, name=name or sku, unit=unit or "")
        if _matches(choice, words):
            found.append(choice)
    found.sort(key=lambda c: (c.sku.casefold() != exact, c.name.casefold(), c.sku))
    return found[:size]
