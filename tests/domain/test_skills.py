"""An order's required skills: one normaliser for the wire, the form and the suggestion;
the limits; the words; and the wire models that carry them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from app.domain import DISPATCHER_FIELDS, Priority
from app.domain.limits import MAX_REQUIRED_SKILLS, MAX_SKILL_LENGTH
from app.domain.protocol import IntakeAlert, IntakeRequest, OrderCreateArgs
from app.domain.skills import SkillsProblem, clean_required_skills, skills_words
from app.domain.suggest import Candidate, Job, normalize_skill, rank, required_skills

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_the_limits() -> None:
    assert (MAX_REQUIRED_SKILLS, MAX_SKILL_LENGTH) == (10, 40)


@pytest.mark.parametrize(
    ("sent", "tags"),
    [
        ([], []),
        (["gas-safe"], ["gas-safe"]),
        (["  Gas-Safe  "], ["gas-safe"]),
        (["Fire safety", "fire_safety", "FIRE   SAFETY", " fire _ safety "], ["fire_safety"]),
        (["hvac", "Electrical", "HVAC", "gas-safe"], ["hvac", "electrical", "gas-safe"]),  # order kept
        (("plumbing",), ["plumbing"]),  # a form may hand in a tuple
        (["x" * MAX_SKILL_LENGTH], ["x" * MAX_SKILL_LENGTH]),
        ([f"s{n}" for n in range(MAX_REQUIRED_SKILLS)], [f"s{n}" for n in range(MAX_REQUIRED_SKILLS)]),
        (["a"] * MAX_REQUIRED_SKILLS, ["a"]),
    ],
)
def test_skills_are_normalised_once_each_in_order(sent: Any, tags: list[str]) -> None:
    assert clean_required_skills(sent) == tags
    # The suggestion's own normaliser: a tag is what it makes of the text, and stays so.
    assert tags == [normalize_skill(t) for t in tags]
    assert clean_required_skills(tags) == tags


@pytest.mark.parametrize(
    ("sent", "why"),
    [
        ("gas-safe", "a list of skills, not text"),
        (None, "a list of skills, not null"),
        ({"a": 1}, "a list of skills, not an object"),
        (3, "a list of skills, not a number"),
        ([True], "skill 1: a skill is text, not true or false"),
        (["ok", None], "skill 2: a skill is text, not null"),
        (["a"] * (MAX_REQUIRED_SKILLS + 1), "at most 10 skills, not 11"),
        (["x" * (MAX_SKILL_LENGTH + 1)], "skill 1: at most 40 characters, not 41"),
        (["   " + "x" * MAX_SKILL_LENGTH], "skill 1: at most 40 characters, not 43"),  # as sent
        (["ß" * 21], "skill 1: at most 40 characters once normalised"),  # "ss" each
        ([""], "skill 1: empty (a skill needs a word, e.g. gas-safe)"),
        (["ok", " \t "], "skill 2: empty (a skill needs a word, e.g. gas-safe)"),
        (["_"], "skill 1: empty (a skill needs a word, e.g. gas-safe)"),
        (["a\x00b"], "skill 1: text may not contain the NUL character (U+0000)"),
    ],
)
def test_bad_skills_are_refused_in_words(sent: Any, why: str) -> None:
    with pytest.raises(SkillsProblem) as refused:
        clean_required_skills(sent)
    assert str(refused.value) == why


def test_skills_in_words() -> None:
    assert skills_words(["gas-safe", "fire_safety"]) == "gas-safe, fire safety"
    assert skills_words([]) == "none"


def test_a_dispatcher_owns_them() -> None:
    assert "required_skills" in DISPATCHER_FIELDS


def test_the_wire_models_take_and_normalise_them() -> None:
    assert OrderCreateArgs.model_validate({"title": "T"}).required_skills == []
    args = OrderCreateArgs.model_validate({"title": "T", "required_skills": ["Gas Safe", "gas_safe"]})
    assert args.required_skills == ["gas_safe"]
    base = {"external_id": "E", "customer": "C", "site": {"name": "S"}, "description": "D"}
    assert IntakeRequest.model_validate({**base, "required_skills": ["HVAC"]}).required_skills == ["hvac"]
    alert = {"external_id": "E", "source": "bms", "asset": "A", "severity": "low", "message": "M"}
    assert IntakeAlert.model_validate(alert).required_skills == []
    with pytest.raises(ValidationError) as refused:
        OrderCreateArgs.model_validate({"title": "T", "required_skills": ["a"] * 11})
    (error,) = refused.value.errors()
    assert (error["loc"], error["msg"]) == (("required_skills",), "at most 10 skills, not 11")


def test_the_suggestion_matches_what_the_wire_keeps() -> None:
    """What a dispatcher typed and what a technician's profile says meet as one tag."""
    needs = required_skills(kind="repair", explicit=clean_required_skills(["Gas Safe"]))
    job = Job(kind="repair", required_skills=needs, site=None, due_at=None, priority=Priority.NORMAL)
    has = Candidate(id="1", name="Has", skills=("gas_safe",), open_today=0, position=None)
    lacks = Candidate(id="2", name="Lacks", skills=("hvac",), open_today=0, position=None)
    best, other = rank(job, [lacks, has], now=NOW)
    assert (best.candidate.id, best.reasons[0]) == ("1", "has gas safe")
    assert other.reasons[0] == "lacks gas safe"
