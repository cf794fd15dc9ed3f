"""Apply one pushed mutation per the merge rules of sync-protocol.md.

Appliers run inside the caller's transaction and raise `Rejected` for a
mutation that can never succeed; the caller rolls its effects back and still
records the outcome in the ledger. One module per family of mutation types;
registry.APPLIERS maps each type to its applier.
"""

from server_stub.sync.apply.common import Context, Rejected
from server_stub.sync.apply.registry import APPLIERS, apply

__all__ = ["APPLIERS", "Context", "Rejected", "apply"]
