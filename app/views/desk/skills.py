"""The order form's "Required skills": chosen from the skills the organisation knows, or typed
new, shown as chips that each come off with one tap.

Skills are tags (app.domain.suggest.normalize_skill): "Gas safe" typed is "gas_safe" stored,
and said as "gas safe". Ids: `order-form-skills` (the input), `order-form-skills-add`,
`order-form-skill-<skill>` (a chosen chip), `order-form-skill-<skill>-remove`,
`order-form-skill-offer-<skill>` (a known skill offered).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flet as ft

from app.domain.skills import MAX_REQUIRED_SKILLS, MAX_SKILL_LENGTH, normalize_skill, skill_word
from app.views.shared.theme import MIN_TOUCH
from app.views.shared.widgets import tagged

MAX_SKILL = MAX_SKILL_LENGTH  # the server's limits (app.domain.limits), said before Save
MAX_SKILLS = MAX_REQUIRED_SKILLS
OFFERED = 8  # known skills offered under the input at once


def add_skill(chosen: Sequence[str], typed: str) -> tuple[tuple[str, ...], str]:
    """The skills with `typed` added (normalized, once), and what is wrong in words ("" if fine).

    Adding a skill already chosen is no change and no error: the chip is there already."""
    skill = normalize_skill(typed)
    current = tuple(chosen)
    if not skill:
        return current, "Type a skill first, or choose one below."
    if len(typed.strip()) > MAX_SKILL or len(skill) > MAX_SKILL:
        return current, f"A skill is at most {MAX_SKILL} characters."
    if skill in current:
        return current, ""
    if len(current) >= MAX_SKILLS:
        return current, f"An order needs at most {MAX_SKILLS} skills."
    return (*current, skill), ""


def remove_skill(chosen: Sequence[str], skill: str) -> tuple[str, ...]:
    return tuple(s for s in chosen if s != skill)


def offered_skills(known: Sequence[str], *, chosen: Sequence[str], typed: str) -> list[str]:
    """Known skills not chosen yet that hold what is being typed, those starting with it first."""
    words = normalize_skill(typed)
    known = list(dict.fromkeys(normalize_skill(s) for s in known if normalize_skill(s)))
    left = [s for s in known if s not in chosen and words in s]
    left.sort(key=lambda s: (not s.startswith(words), s))
    return left[:OFFERED]


def _chip(skill: str, *, on_remove: Callable[[], None]) -> ft.Control:
    word = skill_word(skill)
    return tagged(
        f"order-form-skill-{skill}",
        ft.Container(
            ft.Row(
                [
                    ft.Icon(ft.Icons.VERIFIED_OUTLINED, size=16, color=ft.Colors.ON_SECONDARY_CONTAINER),
                    ft.Text(word, color=ft.Colors.ON_SECONDARY_CONTAINER, weight=ft.FontWeight.W_500),
                    tagged(
                        f"order-form-skill-{skill}-remove",
                        ft.IconButton(
                            ft.Icons.CLOSE,
                            icon_size=16,
                            tooltip=f"Remove {word}",
                            on_click=on_remove,
                            width=32,
                            height=32,
                            style=ft.ButtonStyle(padding=ft.Padding.all(0)),
                        ),
                        label=f"Remove the skill {word}",
                        button=True,
                    ),
                ],
                spacing=4,
                tight=True,
            ),
            bgcolor=ft.Colors.SECONDARY_CONTAINER,
            border_radius=16,
            padding=ft.Padding.only(left=10, right=2),
            height=36,
        ),
        label=f"Required skill: {word}",
        container=True,
    )


def _offer(skill: str, *, on_pick: Callable[[], None]) -> ft.Control:
    word = skill_word(skill)
    return tagged(
        f"order-form-skill-offer-{skill}",
        ft.OutlinedButton(word, icon=ft.Icons.ADD, on_click=on_pick, height=36),
        label=f"Add the skill {word}",
        button=True,
    )


@ft.component
def SkillsField(
    *, skills: tuple[str, ...], known: Sequence[str], on_change: Callable[[tuple[str, ...]], None]
) -> ft.Control:
    typed, set_typed = ft.use_state("")
    problem, set_problem = ft.use_state("")

    def add(text: str) -> None:
        after, wrong = add_skill(skills, text)
        set_problem(wrong)
        if not wrong:
            set_typed("")
            if after != skills:
                on_change(after)

    entry = ft.Row(
        [
            tagged(
                "order-form-skills",
                ft.TextField(
                    label="Add a required skill",
                    value=typed,
                    hint_text="e.g. gas safe: choose below or type a new one",
                    prefix_icon=ft.Icons.VERIFIED_OUTLINED,
                    error=problem or None,
                    max_length=MAX_SKILL,
                    counter="",
                    on_change=lambda e: (set_typed(e.control.value or ""), set_problem("")),
                    on_submit=lambda e: add(e.control.value or ""),
                ),
                label="Add a required skill",
                expand=True,
            ),
            tagged(
                "order-form-skills-add",
                ft.OutlinedButton("Add", icon=ft.Icons.ADD, on_click=lambda: add(typed), height=MIN_TOUCH),
                label="Add the skill typed",
                button=True,
            ),
        ],
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )
    controls: list[ft.Control] = [entry]
    if skills:
        controls.append(
            ft.Row(
                [_chip(s, on_remove=lambda s=s: on_change(remove_skill(skills, s))) for s in skills],
                spacing=8,
                run_spacing=8,
                wrap=True,
            )
        )
    else:
        controls.append(
            ft.Text(
                "None beyond what the kind of work needs: anyone may take it.",
                size=12,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
    offers = offered_skills(known, chosen=skills, typed=typed)
    if offers:
        controls.append(
            ft.Row(
                [
                    ft.Text("Known:", size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                    *(_offer(s, on_pick=lambda s=s: add(s)) for s in offers),
                ],
                spacing=8,
                run_spacing=8,
                wrap=True,
            )
        )
    return ft.Column(controls, spacing=8)
