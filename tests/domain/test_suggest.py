"""Ranking technicians for an order: exact scores on hand-made data."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from app.domain import Priority
from app.domain.suggest import (
    DISTANCE_HALF_KM,
    FULL_DAY,
    KIND_SKILLS,
    PRESSURE_BOOST,
    UNKNOWN_DISTANCE,
    W_DISTANCE,
    W_LOAD,
    W_SKILL,
    Candidate,
    Job,
    Place,
    distance_score,
    haversine_km,
    pressure,
    rank,
    required_skills,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SITE = Place(51.4545, -2.5970)
KM_PER_DEGREE = 6371.0 * math.pi / 180  # one degree of latitude along a meridian


def north_of(place: Place, km: float) -> Place:
    return Place(place.lat + km / KM_PER_DEGREE, place.lon)


def job(
    *skills: str,
    site: Place | None = SITE,
    priority: Priority = Priority.NORMAL,
    due_at: datetime | None = NOW + timedelta(days=3),
) -> Job:
    return Job(kind="repair", required_skills=skills, site=site, due_at=due_at, priority=priority)


def tech(name: str, *skills: str, open_today: int = 0, at: Place | None = SITE, id: str = "") -> Candidate:
    return Candidate(id=id or name, name=name, skills=skills, open_today=open_today, position=at)


def ranked(j: Job, *candidates: Candidate, limit: int = 10) -> list[tuple[str, float, str]]:
    return [
        (r.candidate.name, r.score, "; ".join(r.reasons)) for r in rank(j, candidates, now=NOW, limit=limit)
    ]


# --- distances -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        (Place(0, 0), Place(1, 0), KM_PER_DEGREE),  # 111.195 km
        (Place(0, 0), Place(0, 1), KM_PER_DEGREE),  # along the equator too
        (Place(0, 0), Place(90, 0), 6371.0 * math.pi / 2),  # equator to pole: 10 007.5 km
        (Place(0, 0), Place(0, 180), 6371.0 * math.pi),  # antipodes: 20 015.1 km
        (Place(51.5, -0.1), Place(51.5, -0.1), 0.0),
        (Place(60, 0), Place(60, 1), KM_PER_DEGREE * math.cos(math.radians(60))),  # to first order
    ],
)
def test_haversine_known_distances(a, b, km):
    assert haversine_km(a, b) == pytest.approx(km, rel=1e-4, abs=1e-9)
    assert haversine_km(b, a) == pytest.approx(haversine_km(a, b))


def test_haversine_between_cities():
    london, paris = Place(51.5074, -0.1278), Place(48.8566, 2.3522)
    assert haversine_km(london, paris) == pytest.approx(343.56, abs=0.05)
    new_york, los_angeles = Place(40.7128, -74.0060), Place(34.0522, -118.2437)
    assert haversine_km(new_york, los_angeles) == pytest.approx(3935.7, abs=0.5)


def test_distance_part_halves_every_ten_km():
    assert DISTANCE_HALF_KM == 10
    assert [distance_score(km) for km in (0, 10, 20, 30)] == [1.0, 0.5, 0.25, 0.125]
    assert UNKNOWN_DISTANCE == 0.125  # as if 30 km away
    assert distance_score(-1) == 1.0


# --- pressure and required skills ---------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "due", "expected"),
    [
        (Priority.URGENT, NOW + timedelta(days=5), 1.0),
        (Priority.HIGH, None, 0.5),
        (Priority.HIGH, NOW + timedelta(hours=6), 0.75),  # the due time presses harder
        (Priority.NORMAL, NOW + timedelta(days=3), 0.0),
        (Priority.NORMAL, NOW + timedelta(hours=24), 0.0),
        (Priority.LOW, NOW + timedelta(hours=12), 0.5),
        (Priority.NORMAL, NOW, 1.0),
        (Priority.LOW, NOW - timedelta(days=1), 1.0),  # overdue
        (Priority.LOW, None, 0.0),
    ],
)
def test_pressure(priority, due, expected):
    assert pressure(priority=priority, due_at=due, now=NOW) == pytest.approx(expected)


def test_required_skills_come_from_the_kind_and_the_order():
    assert all(skills == () for skills in KIND_SKILLS.values())  # kinds name no trade by default
    assert required_skills(kind="repair", explicit=["Gas-safe", "fire safety", " ", "gas-safe"]) == (
        "gas-safe",
        "fire_safety",
    )
    table = {"installation": ("electrical",)}
    assert required_skills(kind="installation", explicit=["HVAC", "Electrical"], kind_skills=table) == (
        "electrical",
        "hvac",
    )
    assert required_skills(kind="repair", kind_skills=table) == ()


# --- the ranking -------------------------------------------------------------------


def test_reasons_in_words_and_exact_scores():
    j = job("gas-safe", "electrical")
    rows = ranked(
        j,
        tech("Ana", "Gas-safe", "plumbing", open_today=2, at=north_of(SITE, 3.4)),
        tech("Ben", open_today=0),
        tech("Cy", "gas-safe", "electrical", open_today=7, at=None),
    )
    ana_near = 0.5 ** (3.4 / 10)
    assert rows == [
        (
            "Cy",
            pytest.approx(W_SKILL + W_DISTANCE * UNKNOWN_DISTANCE),
            "has gas-safe; has electrical; 7 open today; no location known",
        ),
        (
            "Ana",
            pytest.approx(W_SKILL / 2 + W_LOAD * 4 / 6 + W_DISTANCE * ana_near, abs=1e-5),
            "has gas-safe; lacks electrical; 2 open today; 3.4 km away",
        ),
        ("Ben", 40.0, "lacks gas-safe; lacks electrical; nothing open today; at the site"),
    ]


def test_the_top_n_only():
    techs = [tech(f"T{n}", open_today=n) for n in range(5)]
    assert [name for name, *_ in ranked(job(), *techs, limit=3)] == ["T0", "T1", "T2"]
    assert ranked(job(), *techs, limit=0) == []
    assert ranked(job()) == []


def test_no_skills_required_ranks_by_load_and_distance():
    rows = ranked(
        job(),
        tech("Far", open_today=0, at=north_of(SITE, 20)),
        tech("Near", open_today=0, at=north_of(SITE, 1)),
        tech("Busy", "hvac", open_today=6),
    )
    assert [(name, reasons) for name, _, reasons in rows] == [
        ("Near", "nothing open today; 1.0 km away"),
        ("Far", "nothing open today; 20.0 km away"),
        ("Busy", "6 open today; at the site"),  # no skill is asked for: theirs do not count
    ]
    assert rows[2][1] == W_SKILL + W_DISTANCE  # a full day: nothing for the load


def test_technicians_without_skills_lack_what_is_asked():
    [(name, score, reasons)] = ranked(job("hvac"), tech("Newbie", open_today=0))
    assert (name, score, reasons) == (
        "Newbie",
        W_LOAD + W_DISTANCE,
        "lacks hvac; nothing open today; at the site",
    )


def test_missing_coordinates():
    # The technician's position unknown: as if 30 km away, said in words.
    rows = ranked(
        job(),
        tech("Lost", at=None),
        tech("Near", at=north_of(SITE, 5)),
        tech("Far", at=north_of(SITE, 120)),
    )
    assert [(name, reasons) for name, _, reasons in rows] == [
        ("Near", "nothing open today; 5.0 km away"),
        ("Lost", "nothing open today; no location known"),
        ("Far", "nothing open today; 120 km away"),
    ]
    # The site unknown: distance counts for nobody and is not mentioned; load decides.
    rows = ranked(job(site=None), tech("Here", open_today=2), tech("Lost", open_today=1, at=None))
    assert rows == [
        ("Lost", pytest.approx(W_SKILL + W_LOAD * 5 / 6), "1 open today"),
        ("Here", pytest.approx(W_SKILL + W_LOAD * 4 / 6), "2 open today"),
    ]
    assert [r.distance_km for r in rank(job(site=None), [tech("Here")], now=NOW)] == [None]


def test_ties_fewer_open_then_name_then_id():
    # Equal scores: Ana at the site with a full day, Ben 10 km away with half a day.
    ana = tech("Ana", open_today=FULL_DAY)
    ben = tech("Ben", open_today=FULL_DAY // 2, at=north_of(SITE, 10))
    rows = ranked(job(), ana, ben)
    assert rows[0][1] == rows[1][1] == W_SKILL + W_LOAD / 2 + W_DISTANCE / 2 == W_SKILL + W_DISTANCE
    assert [name for name, *_ in rows] == ["Ben", "Ana"]  # fewer open first
    # Same score and load: by name, whatever the case, then by id; the input order never matters.
    same = [tech("carl", id="3"), tech("Bea", id="2"), tech("bea", id="1"), tech("Abe", id="4")]
    for order in (same, same[::-1]):
        assert [r.candidate.id for r in rank(job(), order, now=NOW, limit=4)] == ["4", "1", "2", "3"]


def test_weights_order_skill_first_even_under_pressure():
    assert W_SKILL > (W_LOAD + W_DISTANCE) * (1 + PRESSURE_BOOST)
    overdue = job("gas-safe", priority=Priority.URGENT, due_at=NOW - timedelta(hours=1))
    rows = ranked(
        overdue,
        tech("Skilled", "gas-safe", open_today=FULL_DAY + 3, at=north_of(SITE, 500)),
        tech("Handy", open_today=0),
    )
    assert [name for name, *_ in rows] == ["Skilled", "Handy"]
    assert rows[1][1] == (W_LOAD + W_DISTANCE) * (1 + PRESSURE_BOOST)


def test_due_pressure_favours_the_least_loaded_and_nearest():
    def two(j: Job) -> list[tuple[str, float]]:
        return [
            (name, score)
            for name, score, _ in ranked(
                j,
                tech("Expert", "gas-safe", "electrical", open_today=FULL_DAY, at=north_of(SITE, 50)),
                tech("Nearby", "gas-safe", open_today=0),
            )
        ]

    far = W_DISTANCE * 0.5**5  # 50 km: five halvings
    calm = job("gas-safe", "electrical", priority=Priority.LOW, due_at=NOW + timedelta(days=7))
    assert two(calm) == [
        ("Expert", pytest.approx(W_SKILL + far)),
        ("Nearby", W_SKILL / 2 + W_LOAD + W_DISTANCE),
    ]
    urgent = job("gas-safe", "electrical", priority=Priority.URGENT)
    assert two(urgent) == [
        ("Nearby", W_SKILL / 2 + (W_LOAD + W_DISTANCE) * 2),
        ("Expert", pytest.approx(W_SKILL + far * 2)),
    ]


def test_load_beyond_a_full_day_scores_like_a_full_day_but_sorts_later():
    rows = ranked(job(site=None), tech("Seven", open_today=7), tech("Six", open_today=6))
    assert [(name, score) for name, score, _ in rows] == [("Six", W_SKILL), ("Seven", W_SKILL)]
