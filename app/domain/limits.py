"""Sizes and counts, defined once: the wire schemas, the server's checks and the
client's forms all import them, so a value one side takes the other takes too."""

from __future__ import annotations

# Order fields (dispatcher-owned).
MAX_TITLE = 300
MAX_DESCRIPTION = 10_000
MAX_NAME = 300  # customer and site names
MAX_ADDRESS = 500  # site address, customer contact
MAX_ASSET = 200
MAX_EXTERNAL_ID = 200

# Work evidence.
MAX_NOTE = 10_000
MAX_REASON = 2_000  # hold, cannot complete, cancel, reopen, void
MAX_CHECKLIST_TEXT = 2_000  # the value of a text checklist item
MAX_CAPTION = 2_000
MAX_SIGNER_NAME = 200
MAX_SKU = 64
MAX_PART_QUANTITY = 1_000_000

# The checklist definition.
MAX_CHECKLIST_ITEMS = 200
MAX_CHECKLIST_LABEL = 300
MAX_CHECKLIST_UNIT = 30
MAX_CHECKLIST_POSITION = 1_000

# Protocol envelope.
MAX_BATCH = 500  # mutations in one push
MAX_UPDATE_FIELDS = 20  # fields in one order.update
MAX_CURSOR = 200  # characters of a pull cursor
MAX_TIME_TEXT = 64  # an ISO-8601 time on the wire

# Skills an order needs (the suggestion matches them against technicians' skills).
MAX_REQUIRED_SKILLS = 10  # skills one order may name
MAX_SKILL_LENGTH = 40  # characters of one skill, as sent and once normalised
