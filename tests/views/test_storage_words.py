"""The settings screen's storage in words: sizes, plurals, and what "Free space" did."""

from __future__ import annotations

import pytest

from app.services.storage import FreedReport, Pile, StorageReport
from app.views.account.settings import cap_words, freed_words, pile_words, size_words, used_lines


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "0 KB"),
        (1, "1 KB"),
        (740_000, "740 KB"),
        (999_400, "999 KB"),
        (999_600, "1.0 MB"),
        (12_345_678, "12.3 MB"),
        (99_960_000, "100 MB"),
        (500_000_000, "500 MB"),
        (999_600_000, "1.0 GB"),
        (1_234_000_000, "1.2 GB"),
    ],
)
def test_sizes_read_as_words(n: int, words: str) -> None:
    assert size_words(n) == words


def _report(**kw: object) -> StorageReport:
    base: dict[str, object] = {
        "database_bytes": 1_200_000,
        "waiting": Pile(count=1, bytes=3_000_000),
        "cached": Pile(count=8, bytes=12_300_000),
        "kept": Pile(),
        "thumbnails": Pile(count=9, bytes=270_000),
        "cap_bytes": 500_000_000,
    }
    return StorageReport(**{**base, **kw})  # type: ignore[arg-type]


def test_the_figures_split_what_waits_from_what_is_cached() -> None:
    assert used_lines(_report()) == [
        ("Database", "1.2 MB"),
        ("Waiting to upload", "1 file · 3.0 MB"),
        ("Cached, already on the server", "8 photos · 12.3 MB"),
        ("Thumbnails", "270 KB"),
        ("Total on this device", "16.8 MB"),
    ]
    quiet = used_lines(_report(waiting=Pile(), kept=Pile(count=2, bytes=90_000), thumbnails=Pile()))
    assert ("Waiting to upload", "none") in quiet
    assert ("Signatures and other files", "2 files · 90 KB") in quiet
    assert all(what != "Thumbnails" for what, _ in quiet)
    assert pile_words(Pile(count=1, bytes=2_000), "photo") == "1 photo · 2 KB"


def test_the_cap_reads_in_megabytes() -> None:
    assert cap_words(_report()) == "Photo cache limit: 500 MB"


def test_what_free_space_did_in_words() -> None:
    assert freed_words(FreedReport(count=8, bytes=12_300_000, waiting=2)) == (
        "Freed 12.3 MB (8 photos). Photos still to upload are kept."
    )
    assert freed_words(FreedReport(count=1, bytes=700_000)).startswith("Freed 700 KB (1 photo).")
    assert "still to upload" in freed_words(FreedReport(waiting=3))
    assert freed_words(FreedReport()) == "Nothing to free: no cached photos are on this device."
