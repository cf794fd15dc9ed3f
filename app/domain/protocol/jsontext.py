"""How both sides write JSON columns: compact, by pydantic-core's encoder.

The server's JSON columns (a work order has five, a ledger row two): the json module
took a tenth of a push. The device's: a first sync writes a JSON value or more for each
of its ~80,000 rows (every row keeps the server's version of itself, `server_data`);
json.dumps took about 2.5 us for an order's and pydantic-core 0.7 us, and without
json.dumps's spaces after ", " and ": " the rows are smaller too (issue 11). Readers
parse either text: rows written before keep json.dumps's.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import PydanticSerializationError, to_json


def json_text(value: Any) -> str:
    """`value` as JSON text (what json.dumps writes, less its spaces and its escaping of
    non-ASCII characters)."""
    try:
        return to_json(value).decode()
    except (PydanticSerializationError, UnicodeError, ValueError):
        # What only the json module writes (a lone surrogate, from a \ud800 escape).
        return json.dumps(value)
