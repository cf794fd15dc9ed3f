"""The skills an order names (`required_skills`): how a sent list is checked and made into
tags. One rulebook for the server's checks, the client's form and the suggestion: a tag
is what `suggest.normalize_skill` makes of the text ("Fire safety" → "fire_safety"), so
what a dispatcher types matches a technician's skill however either was spelled."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.domain.limits import MAX_REQUIRED_SKILLS, MAX_SKILL_LENGTH
from app.domain.suggest import normalize_skill, skill_word

__all__ = [
    "MAX_REQUIRED_SKILLS",
    "MAX_SKILL_LENGTH",
    "SkillsProblem",
    "clean_required_skills",
    "normalize_skill",
    "skill_word",
    "skills_words",
]


class SkillsProblem(ValueError):
    """Why a sent `required_skills` cannot be taken, in a sentence for people."""


def _kind(value: Any) -> str:
    """What JSON calls a value, for the message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _tag(value: Any, *, position: int) -> str:
    where = f"skill {position}"
    if not isinstance(value, str):
        raise SkillsProblem(f"{where}: a skill is text, not {_kind(value)}")
    if "\x00" in value:
        raise SkillsProblem(f"{where}: text may not contain the NUL character (U+0000)")
    if len(value) > MAX_SKILL_LENGTH:
        raise SkillsProblem(f"{where}: at most {MAX_SKILL_LENGTH} characters, not {len(value)}")
    tag = normalize_skill(value)
    if not tag:
        raise SkillsProblem(f"{where}: empty (a skill needs a word, e.g. gas-safe)")
    # Case folding may lengthen a word ("ß" → "ss"): the stored tag keeps the limit too, so
    # a list pulled and sent back is always taken again.
    if len(tag) > MAX_SKILL_LENGTH:
        raise SkillsProblem(f"{where}: at most {MAX_SKILL_LENGTH} characters once normalised")
    return tag


def clean_required_skills(value: Any) -> list[str]:
    """The tags of a sent `required_skills`: each normalised, duplicates dropped, order kept.

    Raises SkillsProblem when it is not a list of at most MAX_REQUIRED_SKILLS texts of
    1..MAX_SKILL_LENGTH characters, each with a word in it (whitespace or "_" alone is none).
    The count is of the list as sent: the limit is the wire's, before duplicates go.
    """
    if not isinstance(value, list | tuple):
        raise SkillsProblem(f"a list of skills, not {_kind(value)}")
    if len(value) > MAX_REQUIRED_SKILLS:
        raise SkillsProblem(f"at most {MAX_REQUIRED_SKILLS} skills, not {len(value)}")
    tags: list[str] = []
    for position, item in enumerate(value, start=1):
        tag = _tag(item, position=position)
        if tag not in tags:
            tags.append(tag)
    return tags


def skills_words(tags: Iterable[str]) -> str:
    """Tags for people: "gas-safe, fire safety" ("none" when there are none)."""
    words = [skill_word(tag) for tag in tags]
    return ", ".join(words) if words else "none"
