"""The desk's customer tools on an order: its status link and its completion report.

`status-link-copy` makes the link when the order has none (the server does), shows the URL
(`status-link-url`) and copies it to the clipboard, ready to send; `status-link-send` opens
a mail with it, to the customer's address when their contact holds one. `status-link-renew` and
`status-link-revoke` replace or end it, after a confirmation: the customer's old link stops
working at once. `report-download` (completed orders) fetches the PDF and saves it
(app.views.shared.save_file). Both need the server: offline (or signed in on this device
only) the panel says so (`customer-offline`) instead of offering buttons that would fail.
Never on a technician's screen: the rulebook's `offers_customer_tools`, through the
services' `customer_tools`. Messages: `customer-message`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import flet as ft

from app.domain.customer import status_mail
from app.services.customer_api import CustomerTools
from app.services.status_links import StatusLink
from app.services.types import OrderDetail, ServiceError, SyncState
from app.sync.errors import SyncError
from app.views.shared.confirm import Confirmation, confirm_dialog
from app.views.shared.save_file import PDF_MIME, SaveOutcome, save_bytes
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, tagged

REVOKE = Confirmation(
    title="Revoke the customer's status link?",
    lines=[
        "The link stops working at once: whoever opens it is told it does not work.",
        "You can make a new link afterwards.",
    ],
    ok_label="Revoke link",
    destructive=True,
)
RENEW = Confirmation(
    title="Make a new status link?",
    lines=[
        "The customer's current link stops working at once.",
        "The new link is copied, ready to send.",
    ],
    ok_label="Make new link",
    destructive=True,
)


@dataclass(frozen=True, slots=True)
class Said:
    text: str = ""
    error: bool = False


def offline_words(session: Session) -> str:
    """Why the panel cannot ask the server now; "" when it can."""
    status = session.sync
    if status.needs_sign_in:
        return "Signed in on this device only: sign in with the server for the status link and the report."
    if status.state is SyncState.OFFLINE:
        return (
            "Offline: the customer's status link and the report need the server. "
            "They come back with the connection."
        )
    return ""


def _failure(err: Exception) -> Said:
    if isinstance(err, ServiceError | SyncError):
        return Said(str(err) or "The server could not be asked.", error=True)
    return Said(f"That did not work: {err}", error=True)


def customer_section(*, detail: OrderDetail, session: Session) -> ft.Control | None:
    """The panel's body for this order, or None where the rulebook offers nothing."""
    try:
        tools = session.services.customer_tools(detail.summary.id)  # type: ignore[attr-defined]
    except Exception:  # a broken local read: no customer tools rather than a broken screen
        return None
    if not tools.offered:
        return None
    return CustomerPanel(detail=detail, session=session, tools=tools, key=f"customer-{detail.summary.id}")


@ft.component
def CustomerPanel(*, detail: OrderDetail, session: Session, tools: CustomerTools) -> ft.Control:
    order_id = detail.summary.id
    services = session.services
    page = ft.context.page
    link, set_link = ft.use_state(None)  # StatusLink | None, as the server last said
    asked, set_asked = ft.use_state(False)  # the server was asked for the current link
    busy, set_busy = ft.use_state("")  # what is being done: the buttons wait
    said, set_said = ft.use_state(Said())
    confirming, set_confirming = ft.use_state(None)  # REVOKE | RENEW | None
    away = offline_words(session)

    async def load() -> None:
        if away or not tools.on_server or asked:
            return
        try:
            current = await asyncio.to_thread(services.status_link, order_id)  # type: ignore[attr-defined]
        except Exception as err:
            set_said(_failure(err))
            return
        set_link(current)
        set_asked(True)

    ft.use_effect(load, [bool(away), tools.on_server])

    async def copy(shown: StatusLink) -> None:
        try:
            await ft.Clipboard().set(shown.url)
        except Exception as err:  # no clipboard (a browser that refuses): the URL is on screen
            set_said(Said(f"Could not copy it ({err}): select the link above and copy it.", error=True))
            return
        set_said(Said("Copied. Send it to the customer: it opens without signing in."))

    async def make_and_copy() -> None:
        set_busy("copy")
        try:
            shown = link
            if shown is None and not asked:
                # The first ask failed (or is still out): never replace a link the customer has.
                shown = await asyncio.to_thread(services.status_link, order_id)  # type: ignore[attr-defined]
            if shown is None:
                shown = await asyncio.to_thread(services.new_status_link, order_id)  # type: ignore[attr-defined]
            set_link(shown)
            set_asked(True)
            await copy(shown)
        except Exception as err:
            set_said(_failure(err))
        finally:
            set_busy("")

    async def send(shown: StatusLink) -> None:
        mail = status_mail(
            url=shown.url,
            number=detail.summary.number,
            title=detail.summary.title,
            contact=str(detail.customer.get("contact") or ""),
        )
        try:
            await ft.UrlLauncher().launch_url(mail)
        except Exception as err:  # no mail program: the link is on screen to copy
            set_said(Said(f"Could not open a mail ({err}): copy the link and send it.", error=True))
            return
        set_said(Said("A mail with the link is open in your mail program."))

    async def confirmed() -> None:
        what = confirming
        set_confirming(None)
        set_busy("renew" if what is RENEW else "revoke")
        try:
            if what is RENEW:
                shown = await asyncio.to_thread(services.new_status_link, order_id)  # type: ignore[attr-defined]
                set_link(shown)
                await copy(shown)
                set_said(Said("New link made and copied. The old one no longer works."))
            else:
                await asyncio.to_thread(services.revoke_status_link, order_id)  # type: ignore[attr-defined]
                set_link(None)
                set_said(Said("Link revoked: it no longer works. Copy a status link to make a new one."))
        except Exception as err:
            set_said(_failure(err))
        finally:
            set_busy("")

    async def download() -> None:
        set_busy("report")
        try:
            data = await asyncio.to_thread(services.completion_report, order_id)  # type: ignore[attr-defined]
        except Exception as err:
            set_said(_failure(err))
            set_busy("")
            return
        result = await save_bytes(name=tools.report_name, data=data, mime=PDF_MIME)
        set_said(Said(result.message, error=result.outcome is SaveOutcome.FAILED))
        set_busy("")

    ft.use_dialog(
        confirm_dialog(
            confirming,
            reason="",
            on_reason=lambda _text: None,
            error="",
            busy=bool(busy),
            on_ok=confirmed,
            on_cancel=lambda: set_confirming(None),
        )
        if confirming is not None
        else None
    )

    rows: list[ft.Control] = []
    if not tools.on_server:
        rows.append(
            message_box(
                identifier="customer-offline",
                text="This order has not reached the server yet: sync first, then make its status link.",
                error=False,
            )
        )
    elif away:
        rows.append(message_box(identifier="customer-offline", text=away, error=False))
    else:
        rows.append(
            ft.Text(
                "A private page where the customer follows this job, no sign-in needed.",
                size=13,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
        if link is not None:
            rows.append(
                tagged(
                    "status-link-url",
                    ft.Container(
                        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
                        border_radius=8,
                        padding=ft.Padding.symmetric(horizontal=10, vertical=8),
                        content=ft.Text(link.url, selectable=True, size=13, font_family="monospace"),
                    ),
                    label=link.url,
                    container=True,
                    exclude_semantics=True,
                )
            )
        copy_label = "Copy status link" if link is not None else "Make and copy status link"
        buttons: list[ft.Control] = [
            tagged(
                "status-link-copy",
                ft.FilledButton(
                    copy_label,
                    icon=ft.Icons.LINK,
                    on_click=make_and_copy,
                    height=MIN_TOUCH,
                    disabled=bool(busy),
                ),
                label=copy_label,
                button=True,
            )
        ]
        if link is not None:
            shown_link = link
            buttons += [
                tagged(
                    "status-link-send",
                    ft.OutlinedButton(
                        "Send by email",
                        icon=ft.Icons.EMAIL_OUTLINED,
                        on_click=lambda: page.run_task(send, shown_link),
                        height=MIN_TOUCH,
                        disabled=bool(busy),
                    ),
                    label="Send the link by email",
                    button=True,
                ),
                tagged(
                    "status-link-renew",
                    ft.OutlinedButton(
                        "New link",
                        icon=ft.Icons.AUTORENEW,
                        on_click=lambda: set_confirming(RENEW),
                        height=MIN_TOUCH,
                        disabled=bool(busy),
                    ),
                    label="New link",
                    button=True,
                ),
                tagged(
                    "status-link-revoke",
                    ft.OutlinedButton(
                        "Revoke",
                        icon=ft.Icons.LINK_OFF,
                        on_click=lambda: set_confirming(REVOKE),
                        height=MIN_TOUCH,
                        disabled=bool(busy),
                    ),
                    label="Revoke",
                    button=True,
                ),
            ]
        rows.append(ft.Row(buttons, spacing=8, wrap=True, run_spacing=8))
        if tools.report_ready:
            report_label = "Download report (PDF)"
            rows.append(
                tagged(
                    "report-download",
                    ft.OutlinedButton(
                        report_label,
                        icon=ft.Icons.PICTURE_AS_PDF_OUTLINED,
                        on_click=download,
                        height=MIN_TOUCH,
                        disabled=bool(busy),
                    ),
                    label=report_label,
                    button=True,
                )
            )
        if busy:
            rows.append(
                ft.Row(
                    [ft.ProgressRing(width=16, height=16), ft.Text("Asking the server…", size=13)], spacing=8
                )
            )
    if said.text:
        rows.append(message_box(identifier="customer-message", text=said.text, error=said.error))
    return ft.Column(rows, spacing=10)
