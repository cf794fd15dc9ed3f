"""The customer's status page (`/s/<token>`): one order, server-rendered, readable on any phone.

No script, no cookies, no images, nothing loaded from anywhere: inline CSS and large type.
What it shows is the brief of issue 13 and nothing more: the order's number and title, the
status in the customer's words (app.domain.customer), the technician's first name, the due
time in the stated display zone, "on the way" while en route, and after completion the
checklist outcome, the signer's name and a link to the report. No other order, no contact
details, no notes, no ids. Every text from the database is HTML-escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from app.domain.customer import PROGRESS, STAGE_SENTENCES, STAGE_WORDS, Stage
from server_stub.reports.record import OrderRecord

# Headers of every answer under /s/ (the page, its 404 and 429): not indexed, not cached,
# the token never sent on as a referrer, nothing but inline styles allowed, never framed.
PAGE_HEADERS: dict[str, str] = {
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

# The page asks the browser to load it again this often while the job is open: a customer
# who leaves it open follows the job without a script (well within the rate limit).
REFRESH_SECONDS = 60

_FINISHED = frozenset({Stage.COMPLETED, Stage.NOT_COMPLETED, Stage.CANCELLED})
_ENDED_ON = {
    Stage.COMPLETED: "Completed on",
    Stage.NOT_COMPLETED: "Visit ended on",
    Stage.CANCELLED: "Cancelled on",
}

_TONE = {  # the status card's colours: background, text
    Stage.COMPLETED: ("#e6f4ea", "#0d5c2b"),
    Stage.NOT_COMPLETED: ("#fdecea", "#8a1c14"),
    Stage.CANCELLED: ("#eeeeee", "#3b3b3b"),
    Stage.ON_HOLD: ("#fff4e0", "#7a4a00"),
    Stage.ON_THE_WAY: ("#e3ebff", "#1d3a8a"),
}
_DEFAULT_TONE = ("#eef0f8", "#1f2a5c")

_STYLE = (
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%}"
    "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:18px;"
    "line-height:1.5;color:#1b1b1f;background:#f6f7fb}"
    "main{max-width:34rem;margin:0 auto;padding:20px 16px 32px}"
    ".org{font-size:15px;color:#5a5d72;margin:0 0 4px}"
    "h1{font-size:26px;line-height:1.25;margin:0 0 4px;overflow-wrap:anywhere}"
    ".num{font-size:16px;color:#5a5d72;margin:0 0 16px}"
    ".card{border-radius:16px;padding:16px 18px;margin:0 0 16px}"
    ".state{font-size:28px;font-weight:700;margin:0;line-height:1.2}"
    ".say{margin:6px 0 0}"
    ".box{background:#fff;border:1px solid #dfe1ec;border-radius:16px;padding:6px 18px;margin:0 0 16px}"
    "dl{margin:0}dt{font-size:15px;color:#5a5d72;margin-top:10px}dd{margin:0 0 10px;font-weight:600;"
    "overflow-wrap:anywhere}"
    "ol{list-style:none;margin:0;padding:0}"
    "ol li{padding:8px 0 8px 34px;position:relative;color:#8a8da0}"
    "ol li:before{content:'';position:absolute;left:6px;top:15px;width:14px;height:14px;"
    "border-radius:50%;border:2px solid #c4c6d6;background:#fff}"
    "ol li.done{color:#1b1b1f}ol li.done:before{background:#3f51b5;border-color:#3f51b5}"
    "ol li.now{color:#1b1b1f;font-weight:700}ol li.now:before{background:#fff;border:5px solid #3f51b5}"
    "h2{font-size:20px;margin:12px 0 4px}"
    ".failed{color:#8a1c14}.failed ul{margin:0;padding-left:20px}"
    "a.pdf{display:block;text-align:center;background:#3f51b5;color:#fff;text-decoration:none;"
    "font-weight:700;border-radius:12px;padding:14px 16px;margin:8px 0 14px;font-size:18px}"
    "a.pdf:focus,a.pdf:hover{background:#2c3a8c}"
    "footer{font-size:14px;color:#5a5d72;margin-top:20px}"
    "@media (prefers-color-scheme:dark){body{background:#121318;color:#e4e1e9}"
    ".box{background:#1b1c22;border-color:#34364a}.org,.num,dt,footer{color:#a9abc0}"
    "ol li.done,ol li.now{color:#e4e1e9}.failed{color:#ffb4ab}}"
)


def when(at: datetime, *, with_date: bool = True) -> str:
    """'Tue 8 Dec 2026, 14:00' (the zone is said once, by the caller)."""
    if not with_date:
        return f"{at:%H:%M}"
    return f"{at:%a} {at.day} {at:%b %Y}, {at:%H:%M}"


def _document(*, title: str, body: str, refresh: bool = False) -> str:
    meta_refresh = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if refresh else ""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        '<meta name="referrer" content="no-referrer">'
        f"{meta_refresh}<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _progress(stage: Stage) -> str:
    if stage not in PROGRESS:
        return ""
    reached = PROGRESS.index(stage)
    items = []
    for n, step in enumerate(PROGRESS):
        cls = "done" if n < reached or stage is Stage.COMPLETED else ("now" if n == reached else "")
        current = ' aria-current="step"' if n == reached else ""
        items.append(f'<li class="{cls}"{current}>{escape(STAGE_WORDS[step])}</li>')
    return f'<div class="box"><ol aria-label="Progress">{"".join(items)}</ol></div>'


def _facts(record: OrderRecord) -> str:
    zone = escape(record.zone_name)
    rows: list[tuple[str, str]] = []
    if record.technician and record.stage not in (Stage.RECEIVED, Stage.CANCELLED):
        rows.append(("Your technician", escape(record.technician)))
    if record.stage is Stage.ON_THE_WAY and record.en_route_at is not None:
        rows.append(("On the way", f"since {when(record.en_route_at, with_date=False)} ({zone} time)"))
    if record.due_at is not None and record.stage not in _FINISHED:
        rows.append(("Expected by", f"{when(record.due_at)} ({zone} time)"))
    if record.stage in _FINISHED:
        # The step's label in the record is the stage's word ("Completed", "Cancelled", ...).
        ended = dict(record.steps).get(STAGE_WORDS[record.stage])
        if ended is not None:
            rows.append((_ENDED_ON[record.stage], f"{when(ended)} ({zone} time)"))
    if not rows:
        return ""
    cells = "".join(f"<dt>{escape(name)}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<div class="box"><dl>{cells}</dl></div>'


def _summary(record: OrderRecord, *, report_href: str | None) -> str:
    if record.stage is not Stage.COMPLETED:
        return ""
    parts = ["<h2>Summary</h2>", "<dl>"]
    if record.outcome.total:
        done = f"{record.outcome.done} of {record.outcome.total} "
        done += "check" if record.outcome.total == 1 else "checks"
        parts.append(f"<dt>Checklist</dt><dd>{escape(done)} done</dd>")
        if record.outcome.failed:
            named = "".join(f"<li>{escape(label)}</li>" for label in record.outcome.failed)
            parts.append(f'<dt>Not passed</dt><dd class="failed"><ul>{named}</ul></dd>')
    for signature in record.signatures[-1:]:  # the latest signature is the one that counts
        parts.append(
            f"<dt>Signed by</dt><dd>{escape(signature.signer)}, {when(signature.signed_at)} "
            f"({escape(record.zone_name)} time)</dd>"
        )
    parts.append("</dl>")
    if report_href is not None and record.report_ready:
        parts.append(
            f'<a class="pdf" href="{escape(report_href)}" download>Download the completion report (PDF)</a>'
        )
    return f'<div class="box">{"".join(parts)}</div>'


def status_page(*, record: OrderRecord, report_href: str | None, now: datetime) -> str:
    """The page's HTML. `report_href`: where the PDF is (relative to the page's host)."""
    stage = record.stage
    background, ink = _TONE.get(stage, _DEFAULT_TONE)
    org = f'<p class="org">{escape(record.org_name)}</p>' if record.org_name else ""
    body = (
        f"{org}<h1>{escape(record.title)}</h1>"
        f'<p class="num">Order {escape(record.number)}</p>'
        f'<section class="card" style="background:{background};color:{ink}" aria-live="polite">'
        f'<p class="state">{escape(STAGE_WORDS[stage])}</p>'
        f'<p class="say">{escape(STAGE_SENTENCES[stage])}</p></section>'
        f"{_facts(record)}{_progress(stage)}{_summary(record, report_href=report_href)}"
        f"<footer><p>Updated {when(now)} ({escape(record.zone_name)} time)."
        + (" This page refreshes itself every minute." if stage not in _FINISHED else "")
        + "</p><p>This link is meant for you: anyone who has it can see this page.</p></footer>"
    )
    return _document(
        title=f"{record.number}: {STAGE_WORDS[stage]}", body=body, refresh=stage not in _FINISHED
    )


def not_found_page() -> str:
    """One page for unknown, mistyped and revoked links alike: nothing tells them apart."""
    return _document(
        title="Link not found",
        body=(
            "<h1>This link does not work</h1>"
            "<p>It may be mistyped, or it was replaced by a newer link. "
            "Please ask whoever sent it to you for the current one.</p>"
        ),
    )


def too_many_page(*, retry_after: int) -> str:
    return _document(
        title="Too many requests",
        body=(
            "<h1>Please wait a moment</h1>"
            f"<p>This page was opened too often from your connection. Try again in {retry_after} "
            f"{'second' if retry_after == 1 else 'seconds'}.</p>"
        ),
    )
