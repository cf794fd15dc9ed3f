"""The parts section's words and its check before saving (app.views.field.parts)."""

from __future__ import annotations

import uuid

import pytest

from app.services.types import PartChoice, PartUsageView
from app.views.field.parts import (
    NOTHING_CHOSEN,
    choice_details,
    choice_label,
    form_problem,
    more_words,
    none_words,
    quantity_label,
    row_label,
)

PIPE = PartChoice(sku="PIPE-CU-15", name="Copper pipe 15 mm", unit="m")
BARE = PartChoice(sku="X-1", name="X-1", unit="")


def _used(**changes: object) -> PartUsageView:
    base: dict[str, object] = {
        "id": uuid.uuid4(),
        "sku": "SEAL-EPDM-22",
        "name": "EPDM seal 22 mm",
        "quantity": 2.0,
        "unit": "pcs",
        "pending": False,
        "mine": True,
    }
    return PartUsageView(**{**base, **changes})  # type: ignore[arg-type]


def test_the_quantity_is_asked_in_the_parts_unit() -> None:
    assert quantity_label("m") == "Quantity (m)"
    assert quantity_label("pcs") == "Quantity (pcs)"
    assert quantity_label("") == quantity_label("  ") == "Quantity"


def test_a_choice_shows_name_sku_and_unit() -> None:
    assert choice_details(PIPE) == "PIPE-CU-15 · unit: m"
    assert choice_label(PIPE) == "Copper pipe 15 mm, SKU PIPE-CU-15, unit m"
    assert choice_details(BARE) == "X-1"
    assert choice_label(BARE) == "X-1, SKU X-1"


@pytest.mark.parametrize(
    ("chosen", "quantity", "says"),
    [
        (None, "2", NOTHING_CHOSEN),
        (None, "", NOTHING_CHOSEN),
        (PIPE, "", "Enter the quantity in m."),
        (PIPE, "   ", "Enter the quantity in m."),
        (BARE, "", "Enter the quantity."),
        (PIPE, "2,5", ""),
        # The rules for a quantity (a number, above zero, not too large) are the services':
        # the dialog shows their words.
        (PIPE, "lots", ""),
    ],
)
def test_what_blocks_saving(chosen: PartChoice | None, quantity: str, says: str) -> None:
    assert form_problem(chosen=chosen, quantity=quantity) == says


def test_a_short_list_says_why() -> None:
    assert more_words("pipe") == "More parts match: type more of the name or SKU."
    assert more_words(" ") == "More parts in the catalogue: type a name or SKU."
    assert none_words(" gasket ") == "No part matches “gasket”: try part of its name or SKU."
    assert "not on this device yet" in none_words("")


def test_a_row_says_the_part_and_whether_it_waits_to_sync() -> None:
    assert row_label(_used()) == "2 × EPDM seal 22 mm (SEAL-EPDM-22)"
    assert row_label(
        _used(quantity=1.5, sku="PIPE-CU-15", name="Copper pipe 15 mm", unit="m", pending=True)
    ) == ("1.5 m × Copper pipe 15 mm (PIPE-CU-15), waiting to sync")
