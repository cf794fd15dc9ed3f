"""The server's tables. Every synced row carries `seq`: the value of the one
global counter taken when the row last changed (db.next_seq), which is what a
pull cursor walks.

One module per part, every name importable from here as before: `base` (Base, ID),
`accounts` (who signs in), `orders` (work orders and what they hold), `ledger` (what
the server keeps about changes), `links` (customers' status links), `schedules` (preventive maintenance)."""

from server_stub.models.accounts import (
    AccessToken,
    ApiKey,
    Device,
    DeviceStatus,
    LoginFailure,
    Organisation,
    RefreshToken,
    User,
)
from server_stub.models.base import ID, Base
from server_stub.models.ledger import (
    Counter,
    IntakeRecord,
    LedgerEntry,
    OrderEvent,
    ScopeExit,
)
from server_stub.models.links import StatusLink
from server_stub.models.orders import (
    ORDER_CHILDREN,
    ChecklistItem,
    ChecklistTemplate,
    Conflict,
    Note,
    Part,
    PartUsage,
    Photo,
    Signature,
    TimeLog,
    WorkOrder,
)
from server_stub.models.schedules import Schedule, ScheduleOccurrence

__all__ = [
    "ID",
    "ORDER_CHILDREN",
    "AccessToken",
    "ApiKey",
    "Base",
    "ChecklistItem",
    "ChecklistTemplate",
    "Conflict",
    "Counter",
    "Device",
    "DeviceStatus",
    "IntakeRecord",
    "LedgerEntry",
    "LoginFailure",
    "Note",
    "OrderEvent",
    "Organisation",
    "Part",
    "PartUsage",
    "Photo",
    "RefreshToken",
    "Schedule",
    "ScheduleOccurrence",
    "ScopeExit",
    "Signature",
    "StatusLink",
    "TimeLog",
    "User",
    "WorkOrder",
]
