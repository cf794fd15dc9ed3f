"""What an import of orders answers (the desk, the CLI and `POST /api/v1/orders/import`):
counts first, then one line per row of the file. Wire shape in sync-protocol.md terms:

    {"mode": "check", "encoding": "UTF-8 (with BOM)", "zone": "Europe/Paris",
     "columns": {"used": [...], "not_imported": [...], "unknown": [...]},
     "problems": [],            # the file's own (no title column, too many rows, ...):
                                # any here and no row is read
     "total": 3, "ok": 1, "refused": 1, "already": 1,
     "imported": 0, "committed": false,
     "rows": [{"row": 2, "status": "ok", "reasons": [], "external_id": "X-1",
               "number": null, "title": "Boiler"}, ...]}

`row` is the row number a spreadsheet shows (the header is row 1). `status` is
`ok` (imported, or would be in mode check), `refused` (reasons say why) or
`already_imported` (an order with that number or external id is here: nothing done).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ImportMode(StrEnum):
    CHECK = "check"  # read and check every row; write nothing
    ALL = "all"  # import every row, or none if any row is refused
    GOOD = "good"  # import the rows that pass; the refused ones are reported


class RowStatus(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    ALREADY = "already_imported"


class RowReport(BaseModel):
    row: int
    status: RowStatus
    reasons: list[str] = Field(default_factory=list)
    external_id: str | None = None  # as given, or derived (app.domain.order_import)
    number: str | None = None  # the order's: made by this import, or the one already here
    title: str = ""


class ColumnsReport(BaseModel):
    used: list[str] = Field(default_factory=list)
    not_imported: list[str] = Field(default_factory=list)  # known, read-only (status, created_at...)
    unknown: list[str] = Field(default_factory=list)  # as written in the file: ignored


class ImportReport(BaseModel):
    mode: ImportMode
    encoding: str = ""
    zone: str = "UTC"
    columns: ColumnsReport = Field(default_factory=ColumnsReport)
    problems: list[str] = Field(default_factory=list)
    total: int = 0
    ok: int = 0
    refused: int = 0
    already: int = 0
    imported: int = 0
    committed: bool = False
    rows: list[RowReport] = Field(default_factory=list)

    def counted(self) -> ImportReport:
        """The same report with its counts taken from its rows."""
        statuses = [r.status for r in self.rows]
        return self.model_copy(
            update={
                "total": len(statuses),
                "ok": statuses.count(RowStatus.OK),
                "refused": statuses.count(RowStatus.REFUSED),
                "already": statuses.count(RowStatus.ALREADY),
            }
        )

    @property
    def refused_file(self) -> bool:
        """Nothing can be imported: the file itself is refused."""
        return bool(self.problems)

    def summary(self) -> str:
        """One line for people: what happened, or would."""
        if self.problems:
            return "The file was refused: " + "; ".join(self.problems)
        parts = [f"{self.total} row{'s' if self.total != 1 else ''}"]
        parts.append(f"{self.ok} {'imported' if self.committed else 'good'}")
        if self.refused:
            parts.append(f"{self.refused} refused")
        if self.already:
            parts.append(f"{self.already} already here")
        text = ", ".join(parts) + "."
        if self.mode is ImportMode.CHECK:
            return text + " Nothing was imported yet (a check)."
        if not self.committed:
            return text + " Nothing was imported: fix the refused rows, or import the good rows only."
        return text
