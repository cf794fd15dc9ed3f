"""Adding photos to an order: pick (or, on phones, take) pictures, receive them, process them.

In the web view the browser cannot hand us a file path: Flet's FilePicker
uploads each picked file (PUT, signed URL) into `services.incoming_dir()`,
which `ordo run` passes to Flet as its `upload_dir`. On a desktop window the
picker returns real paths and nothing is uploaded.

On phones, the browser's own picker for `accept="image/*"` (what
`FilePickerFileType.IMAGE` asks for) offers the camera next to the gallery,
so "Add photos" is also "take a photo" there; no camera control is needed.

The picker is opened by a client action (`ft.PickFiles`) inside the tap
itself: browsers, iOS Safari above all, refuse to open a file dialog once
the tap has made a round trip to Python.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import flet as ft

from app.services.types import OrderDetail, OrderId, PhotoBatch, PhotoProblem, ServiceError
from app.views.shared.state import Session
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import message_box, tagged

UPLOAD_URL_TTL_S = 15 * 60  # a slow phone connection may take minutes for a batch of photos


def processing_text(done: int, total: int, name: str) -> str:
    """The progress line: 'Processing 2 of 3: IMG_0042.jpg' while working, a summary at the end."""
    if total <= 0:
        return ""
    if done >= total:
        return f"Processed {total} of {total}"
    return f"Processing {done + 1} of {total}: {name}" if name else f"Processing {done + 1} of {total}"


def receiving_text(done: int, total: int) -> str:
    return f"Receiving photos: {done} of {total}"


def outcome_text(batch: PhotoBatch) -> str:
    """One line on what happened to the batch; the problems are listed one per file below it."""
    added = (
        "No photo was added"
        if batch.added == 0
        else f"Added {batch.added} photo" + ("s" if batch.added != 1 else "")
    )
    if batch.problems:
        skipped = len(batch.problems)
        return f"{added}; {skipped} file{'s' if skipped != 1 else ''} could not be used:"
    return f"{added}."


def problem_text(problem: PhotoProblem) -> str:
    """The service's message as is; with the file's name in front when the message lacks it."""
    if problem.name and problem.name not in problem.message:
        return f"{problem.name}: {problem.message}"
    return problem.message


def safe_name(name: str) -> str:
    """A picked file's name as one harmless path segment (browsers send base names; be sure)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base if base not in ("", ".", "..") else "photo"


@dataclass
class _Receiving:
    """One batch travelling from the browser into incoming_dir; plain (not state): events are fast."""

    folder: Path
    paths: list[Path]
    finished: int = 0
    problems: list[PhotoProblem] = field(default_factory=list)


@ft.component
def AddPhotos(*, order_id: OrderId, session: Session, on_added: Callable[[OrderDetail], None]) -> ft.Control:
    services = session.services
    caption, set_caption = ft.use_state("")
    phase, set_phase = ft.use_state("idle")  # idle | receiving | processing
    progress, set_progress = ft.use_state("")
    outcome, set_outcome = ft.use_state(("", False))  # (words, whether nothing was added)
    problems, set_problems = ft.use_state(())  # tuple[PhotoProblem, ...]
    error, set_error = ft.use_state("")
    receiving = ft.use_ref(None)  # _Receiving | None
    handlers = ft.use_ref(None)  # the latest render's closures, for the picker's stable handlers

    async def process(paths: list[Path], folder: Path | None, early: list[PhotoProblem]) -> None:
        page = ft.context.page
        set_phase("processing")
        set_progress(processing_text(0, len(paths), paths[0].name if paths else ""))

        async def show(text: str) -> None:
            set_progress(text)

        def report(done: int, total: int, name: str) -> None:
            # Called on the worker thread: hop onto this session's loop first.
            page.run_task(show, processing_text(done, total, name))

        try:
            # Pillow work, about a second a photo: never on the UI event itself.
            batch = await asyncio.to_thread(
                services.add_photos, order_id, paths, caption=caption.strip(), progress=report
            )
        except ServiceError as err:
            set_error(str(err) or "The photos could not be added.")
            batch = None
        except Exception as err:  # never a traceback on screen
            set_error(f"The photos could not be added on this device: {err}")
            batch = None
        finally:
            if folder is not None:  # the service has its own copies now (or refused them)
                await asyncio.to_thread(shutil.rmtree, folder, True)
        set_phase("idle")
        set_progress("")
        if batch is None:
            set_problems(tuple(early))
            return
        all_problems = [*early, *batch.problems]
        batch = PhotoBatch(detail=batch.detail, added=batch.added, problems=all_problems)
        set_outcome((outcome_text(batch), batch.added == 0))
        set_problems(tuple(all_problems))
        if batch.added:
            set_caption("")
        on_added(batch.detail)

    async def picked(e: ft.FilePickerResultEvent) -> None:
        files = list(e.files or [])
        if not files or phase != "idle":
            return  # cancelled, or a batch is still on its way
        set_error("")
        set_outcome(("", False))
        set_problems(())
        with_paths = [Path(f.path) for f in files if f.path]
        if len(with_paths) == len(files):  # a desktop window: the files are right here
            await process(with_paths, None, [])
            return
        page = ft.context.page
        folder = services.incoming_dir() / f"batch-{uuid.uuid4().hex}"
        # One sub-folder per file keeps two picked files of the same name apart.
        targets = [folder / str(n) / safe_name(f.name) for n, f in enumerate(files)]
        receiving.current = _Receiving(folder=folder, paths=targets)
        set_phase("receiving")
        set_progress(receiving_text(0, len(files)))
        try:
            uploads = [
                ft.FilePickerUploadFile(
                    upload_url=page.get_upload_url(str(t.relative_to(folder.parent)), UPLOAD_URL_TTL_S),
                    id=f.id,
                    name=f.name,
                )
                for f, t in zip(files, targets, strict=True)
            ]
            await picker.upload(uploads)
        except Exception as err:
            receiving.current = None
            set_phase("idle")
            set_progress("")
            set_error(f"The photos could not be received: {err}")

    async def uploaded(e: ft.FilePickerUploadEvent) -> None:
        batch = receiving.current
        if batch is None:
            return
        if e.error:
            batch.problems.append(PhotoProblem(name=e.file_name, message=f"It did not arrive: {e.error}"))
            batch.finished += 1
        elif e.progress is not None and e.progress >= 1.0:
            batch.finished += 1
        else:
            return
        set_progress(receiving_text(batch.finished, len(batch.paths)))
        if batch.finished < len(batch.paths):
            return
        receiving.current = None
        arrived = [p for p in batch.paths if p.is_file()]
        await process(arrived, batch.folder, batch.problems)

    handlers.current = (picked, uploaded)

    def dismiss() -> None:
        set_outcome(("", False))
        set_problems(())
        set_error("")

    async def on_result(e: ft.FilePickerResultEvent) -> None:
        await handlers.current[0](e)

    async def on_upload(e: ft.FilePickerUploadEvent) -> None:
        await handlers.current[1](e)

    # One picker per mounted component; the memo's reference keeps it registered with the page.
    picker: ft.FilePicker = ft.use_memo(lambda: ft.FilePicker(on_result=on_result, on_upload=on_upload), [])

    busy = phase != "idle"
    controls: list[ft.Control] = [
        ft.Row(
            [
                tagged(
                    "photo-caption",
                    ft.TextField(
                        label="Caption (optional)",
                        hint_text="Said of the next photos",
                        value=caption,
                        on_change=lambda e: set_caption(e.control.value),
                        disabled=busy,
                        max_length=200,
                        counter="",
                    ),
                    expand=True,
                ),
                tagged(
                    "photo-add",
                    ft.FilledTonalButton(
                        "Add photos",
                        icon=ft.Icons.ADD_A_PHOTO_OUTLINED,
                        height=MIN_TOUCH,
                        disabled=busy,
                        action=ft.PickFiles(
                            picker,
                            file_type=ft.FilePickerFileType.IMAGE,
                            allow_multiple=True,
                            # A phone's camera app takes the window's focus: that is not a cancel.
                            cancel_upload_on_window_blur=False,
                        ),
                    ),
                    label="Add photos (take or choose pictures)",
                    button=True,
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
    ]
    if busy:
        controls.append(
            ft.Row(
                [
                    ft.ProgressRing(width=18, height=18, semantics_label="Working"),
                    tagged("photo-progress", ft.Text(progress), live_region=True, expand=True),
                ],
                spacing=10,
            )
        )
    if outcome[0]:
        controls.append(message_box(identifier="photo-outcome", text=outcome[0], error=outcome[1]))
    for n, problem in enumerate(problems, start=1):
        controls.append(message_box(identifier=f"photo-problem-{n}", text=problem_text(problem)))
    if (outcome[0] or problems) and not busy:
        controls.append(
            tagged(
                "photo-outcome-dismiss",
                ft.TextButton("OK, hide this", on_click=dismiss, height=MIN_TOUCH),
                label="Hide the photo messages",
                button=True,
            )
        )
    if error:
        controls.append(message_box(identifier="photo-error", text=error))
    return ft.Column(controls, spacing=8)
