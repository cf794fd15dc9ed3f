"""The completion report (sync-protocol.md, "Reports"): one order as an A4 PDF, with fpdf2.

The order and its dates, site, customer, the checklist with values, notes, photo thumbnails,
time and parts, and the signature. Text is any Unicode: set in DejaVu Sans, found in the
repository's assets/fonts (shipped with the app) or the system's fonts. On a machine with
neither, the core Helvetica face is used and text is reduced to Latin-1 (other characters
become "?"), and the report says so at its foot: it never fails over a character.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from app.domain.customer import STAGE_WORDS
from server_stub.reports.pictures import BlobReader, signature_picture, thumbnail
from server_stub.reports.record import CheckLine, OrderRecord, display_zone

FONT = "DejaVu"
_FONT_DIRS = (
    Path(__file__).resolve().parents[2] / "assets" / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
ACCENT = (63, 81, 181)
MUTED = (90, 93, 114)
THUMBS_PER_ROW = 3
# Control characters, and the bidirectional overrides that could make a line read backwards.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_ASCII_FOR = {"–": "-", "—": "-", "·": "-", "…": "...", "’": "'", "‘": "'", "“": '"', "”": '"', "→": "->"}


@cache
def _font_file(name: str) -> Path | None:
    for folder in _FONT_DIRS:
        path = folder / name
        if path.is_file():
            return path
    return None


@dataclass(frozen=True, slots=True)
class Fonts:
    family: str
    unicode: bool
    # Characters both faces can set (DejaVu has no CJK or emoji: those become "?").
    covered: frozenset[int] = frozenset()


def _fonts(pdf: FPDF) -> Fonts:
    regular = _font_file("DejaVuSans.ttf")
    if regular is None:
        return Fonts(family="helvetica", unicode=False)
    bold = _font_file("DejaVuSans-Bold.ttf") or regular  # no bold face: the regular one, still legible
    covered: set[int] | None = None
    for style, path in (("", regular), ("B", bold)):
        pdf.add_font(FONT, style, str(path))
        pdf.set_font(FONT, style, 10)
        codes = set(pdf.current_font.cmap)
        covered = codes if covered is None else covered & codes
    return Fonts(family=FONT, unicode=True, covered=frozenset(covered or ()))


def _when(at: datetime | None) -> str:
    return "" if at is None else f"{at:%d %b %Y %H:%M}"


def _duration(span: timedelta) -> str:
    minutes = max(0, round(span.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def _number(value: float) -> str:
    return f"{value:g}"


def _value(line: CheckLine) -> str:
    if line.value is None:
        return ""
    if line.kind == "check":
        return "Yes" if line.value is True else "No"
    if line.kind == "pass_fail":
        return "Pass" if line.value == "pass" else "Fail"
    if line.kind == "number" and isinstance(line.value, int | float) and not isinstance(line.value, bool):
        return f"{_number(line.value)} {line.unit}".strip() if line.unit else _number(line.value)
    return str(line.value)


def _result(line: CheckLine) -> str:
    if line.failed:
        return "Failed"
    return "Done" if line.done else "Not done"


class _Report(FPDF):
    """FPDF with the report's footer: order number, page n of N, when it was made."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self._family, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text} · page {self.page_no()} of {{nb}}", align="C")

    _family = "helvetica"


class ReportWriter:
    """Builds one report; `bytes()` gives the PDF."""

    def __init__(self, *, record: OrderRecord, read_blob: BlobReader, now: datetime, compress: bool = True):
        self.record = record
        self.read_blob = read_blob
        self.pdf = _Report(orientation="P", unit="mm", format="A4")
        self.pdf.set_compression(compress)
        self.pdf.set_margins(15, 15, 15)
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self.fonts = _fonts(self.pdf)
        now = now.astimezone(display_zone(record.zone_name)[0])
        self.pdf._family = self.fonts.family
        self.pdf.footer_text = self.text(
            f"{record.number} · made {_when(now)} ({record.zone_name} time)"
            if self.fonts.unicode
            else f"{record.number} - made {_when(now)} ({record.zone_name} time)"
        )
        self.pdf.set_title(self.text(f"Completion report {record.number}"))
        self.pdf.set_author(self.text(record.org_name or "Ordo"))
        self.pdf.set_creator("Ordo")

    # --- text -------------------------------------------------------------------------

    def text(self, value: object) -> str:
        """Text the font can set: control characters dropped; Latin-1 only without DejaVu."""
        words = _CONTROL.sub("", unicodedata.normalize("NFC", str(value)).replace("\t", "    "))
        if self.fonts.unicode:
            covered = self.fonts.covered
            return "".join(c if c == "\n" or ord(c) in covered else "?" for c in words)
        for wide, narrow in _ASCII_FOR.items():
            words = words.replace(wide, narrow)
        return words.encode("latin-1", "replace").decode("latin-1")

    @property
    def width(self) -> float:
        return self.pdf.w - self.pdf.l_margin - self.pdf.r_margin

    def font(self, size: float, *, bold: bool = False, color: tuple[int, int, int] = (27, 27, 31)) -> None:
        self.pdf.set_font(self.fonts.family, "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def heading(self, title: str, *, keep: float = 30) -> None:
        """A section's title, on a new page unless `keep` mm of its content fit below it."""
        if self.pdf.get_y() + 14 + keep > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()
        self.pdf.ln(4)
        self.font(13, bold=True, color=ACCENT)
        self.pdf.cell(0, 8, self.text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_draw_color(*ACCENT)
        self.pdf.line(self.pdf.l_margin, self.pdf.get_y(), self.pdf.w - self.pdf.r_margin, self.pdf.get_y())
        self.pdf.ln(2)

    def para(self, value: str, *, size: float = 10, color: tuple[int, int, int] = (27, 27, 31)) -> None:
        self.font(size, color=color)
        self.pdf.multi_cell(0, 5, self.text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(
        self, header: tuple[str, ...] | None, rows: list[tuple[str, ...]], widths: tuple[int, ...]
    ) -> None:
        """A grid; without `header`, a list of name and value (the names in bold)."""
        self.font(9.5)
        head = FontFace(emphasis="BOLD", fill_color=(234, 236, 246))
        with self.pdf.table(
            col_widths=widths,
            headings_style=head,
            first_row_as_headings=header is not None,
            line_height=5.5,
            text_align="LEFT",
            padding=1.2,
        ) as table:
            for row in [header, *rows] if header is not None else rows:
                cells = table.row()
                for cell in row:
                    cells.cell(self.text(cell))

    # --- sections ---------------------------------------------------------------------

    def title(self) -> None:
        r = self.record
        if r.org_name:
            self.para(r.org_name, size=10, color=MUTED)
        self.font(20, bold=True)
        self.pdf.multi_cell(0, 9, self.text("Completion report"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font(14, bold=True, color=ACCENT)
        self.pdf.multi_cell(0, 7, self.text(f"{r.number}: {r.title}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.para(f"Status: {STAGE_WORDS[r.stage]} · times in {r.zone_name}", size=10, color=MUTED)

    def order(self) -> None:
        r = self.record
        self.heading("Order")
        rows = [
            ("Kind", r.kind.replace("_", " ").capitalize()),
            ("Priority", r.priority.capitalize()),
            ("Technician", r.technician or "-"),
        ]
        if r.due_at is not None:
            rows.append(("Due", _when(r.due_at)))
        rows += [(label, _when(at)) for label, at in r.steps]
        self.table(None, rows, (50, 130))
        if r.description.strip():
            self.pdf.ln(2)
            self.para(r.description)

    def site_and_customer(self) -> None:
        r = self.record
        self.heading("Site and customer")
        site = ", ".join(str(r.site[k]) for k in ("name", "address") if r.site.get(k))
        customer = ", ".join(str(r.customer[k]) for k in ("name", "contact") if r.customer.get(k))
        self.table(None, [("Site", site or "-"), ("Customer", customer or "-")], (50, 130))

    def checklist(self) -> None:
        r = self.record
        self.heading("Checklist")
        if not r.checklist:
            self.para("No checklist.", color=MUTED)
            return
        self.para(r.outcome.words(), size=10)
        self.pdf.ln(1)
        rows = [(f"{n}. {line.label}", _value(line), _result(line)) for n, line in enumerate(r.checklist, 1)]
        self.table(("Item", "Value", "Result"), rows, (100, 50, 30))

    def notes(self) -> None:
        r = self.record
        self.heading("Notes")
        if not r.notes:
            self.para("No notes.", color=MUTED)
            return
        for note in r.notes:
            self.para(f"{_when(note.at)} · {note.who or 'Staff'}", size=9, color=MUTED)
            self.para(note.text)
            self.pdf.ln(1.5)

    def photos(self) -> None:
        r = self.record
        gap = 4.0
        cell_w = (self.width - gap * (THUMBS_PER_ROW - 1)) / THUMBS_PER_ROW
        box_h = cell_w * 0.75
        row_h = box_h + 12
        self.heading("Photos", keep=row_h)
        if not r.photos:
            self.para("No photos.", color=MUTED)
            return
        top = self.pdf.get_y()
        for n, photo in enumerate(r.photos):
            column = n % THUMBS_PER_ROW
            if column == 0:
                if n:
                    self.pdf.set_y(top + row_h)
                if self.pdf.get_y() + row_h > self.pdf.h - self.pdf.b_margin:
                    self.pdf.add_page()
                top = self.pdf.get_y()
            x = self.pdf.l_margin + column * (cell_w + gap)
            picture = thumbnail(self.read_blob(photo.sha256)) if photo.uploaded else None
            if picture is not None:
                data, w_px, h_px = picture
                scale = min(cell_w / w_px, box_h / h_px)
                w, h = w_px * scale, h_px * scale
                self.pdf.image(io.BytesIO(data), x=x + (cell_w - w) / 2, y=top + (box_h - h) / 2, w=w, h=h)
            else:
                self.pdf.set_draw_color(196, 198, 214)
                self.pdf.rect(x, top, cell_w, box_h)
                self.pdf.set_xy(x, top + box_h / 2 - 3)
                self.font(9, color=MUTED)
                said = "not uploaded" if not photo.uploaded else "could not be read"
                self.pdf.cell(cell_w, 6, self.text(f"Photo {said}"), align="C")
            self.pdf.set_xy(x, top + box_h + 1)
            self.font(8, color=MUTED)
            caption = f"{photo.caption} · {_when(photo.taken_at)}" if photo.caption else _when(photo.taken_at)
            self.pdf.multi_cell(cell_w, 4, self.text(caption), max_line_height=4)
        self.pdf.set_xy(self.pdf.l_margin, top + row_h)

    def time(self) -> None:
        r = self.record
        self.heading("Time")
        if not r.time_logs:
            self.para("No time logged.", color=MUTED)
            return
        rows = [
            (t.kind.capitalize(), t.who, f"{_when(t.started_at)} - {t.ended_at:%H:%M}", _duration(t.length))
            for t in r.time_logs
        ]
        rows.append(("Total", "", "", _duration(r.time_total)))
        self.table(("Kind", "Who", "When", "Time"), rows, (25, 35, 80, 40))

    def parts(self) -> None:
        r = self.record
        self.heading("Parts")
        if not r.parts:
            self.para("No parts used.", color=MUTED)
            return
        rows = [(p.sku, p.name, f"{_number(p.quantity)} {p.unit}".strip()) for p in r.parts]
        self.table(("SKU", "Part", "Quantity"), rows, (40, 100, 40))

    def signature(self) -> None:
        r = self.record
        self.heading("Signature", keep=40)
        if not r.signatures:
            self.para("Not signed.", color=MUTED)
            return
        for sig in r.signatures:
            picture = signature_picture(self.read_blob(sig.sha256))
            if picture is not None:
                data, w_px, h_px = picture
                w = min(80.0, w_px * 0.25)
                h = w * h_px / w_px
                if self.pdf.get_y() + h + 12 > self.pdf.h - self.pdf.b_margin:
                    self.pdf.add_page()
                self.pdf.image(io.BytesIO(data), x=self.pdf.l_margin, y=self.pdf.get_y(), w=w, h=h)
                self.pdf.set_y(self.pdf.get_y() + h + 1)
            else:
                self.para("(The signature image has not reached the server.)", size=9, color=MUTED)
            self.para(f"Signed by {sig.signer} on {_when(sig.signed_at)}", size=10)
            self.pdf.ln(2)

    def bytes(self) -> bytes:
        self.pdf.add_page()
        self.title()
        self.order()
        self.site_and_customer()
        self.checklist()
        self.notes()
        self.photos()
        self.time()
        self.parts()
        self.signature()
        if not self.fonts.unicode:
            self.pdf.ln(4)
            self.para(
                "Characters outside Latin-1 are shown as '?': DejaVu Sans was not found on the server.",
                size=8,
                color=MUTED,
            )
        return bytes(self.pdf.output())


def report_pdf(*, record: OrderRecord, read_blob: BlobReader, now: datetime, compress: bool = True) -> bytes:
    return ReportWriter(record=record, read_blob=read_blob, now=now, compress=compress).bytes()
