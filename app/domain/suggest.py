"""Who should take an order: technicians ranked by skill match, today's workload, distance
from where they are (or last worked) to the order's site, and due pressure, each with its
reasons in words. Pure: no I/O, imports nothing of ours but app.domain.

The score is a weighted sum of parts that each lie in 0..1 (higher is better):

    score = W_SKILL · skill + (W_LOAD · load + W_DISTANCE · distance) · (1 + PRESSURE_BOOST · pressure)

- skill: the share of the order's required skills the technician has (1 when none are required);
- load: 1 for a free day, 0 for a full one (FULL_DAY open orders) or more;
- distance: 1 at the site, halving every DISTANCE_HALF_KM; a technician whose position is
  unknown gets UNKNOWN_DISTANCE (what someone DISTANCE_UNKNOWN_KM away would get); an order
  without coordinates counts distance for nobody;
- pressure: 0..1, how urgent the order is (its priority, and how soon it is due): the closer
  and more urgent, the more the least loaded and nearest technicians are favoured.

Why these weights: the right skills come first (a gas job needs a gas-safe engineer, however
close someone else is), so W_SKILL outweighs everything else together even under full pressure
(W_SKILL > (W_LOAD + W_DISTANCE) · (1 + PRESSURE_BOOST)): nobody lacking every skill beats
someone with all of them. Among equally skilled technicians, workload and distance weigh the
same in normal times; a due order doubles both, so a half-matched but free, nearby technician
can then beat a fully matched one who is loaded and far away.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.orders import Kind, Priority
from app.domain.sla import FULL_DAY

__all__ = [
    "DISTANCE_HALF_KM",
    "DISTANCE_UNKNOWN_KM",
    "EARTH_RADIUS_KM",
    "FULL_DAY",
    "KIND_SKILLS",
    "PRESSURE_BOOST",
    "PRESSURE_HORIZON",
    "PRIORITY_PRESSURE",
    "UNKNOWN_DISTANCE",
    "W_DISTANCE",
    "W_LOAD",
    "W_SKILL",
    "Candidate",
    "Job",
    "Place",
    "Ranked",
    "distance_score",
    "haversine_km",
    "normalize_skill",
    "pressure",
    "rank",
    "required_skills",
    "skill_word",
]

W_SKILL = 100.0
W_LOAD = 20.0
W_DISTANCE = 20.0
# At full pressure (an urgent or overdue order) workload and distance count (1 + boost) times.
PRESSURE_BOOST = 1.0

DISTANCE_HALF_KM = 10.0  # the distance part halves every this many km (a city's width)
DISTANCE_UNKNOWN_KM = 30.0  # nowhere known: treated as if this far, neither near nor dropped
EARTH_RADIUS_KM = 6371.0  # the mean radius haversine distances are usually quoted with

# Pressure from the priority alone, and from the due time: due now (or overdue) is 1, due
# PRESSURE_HORIZON or later is 0, linear in between. The larger of the two counts.
PRIORITY_PRESSURE: Mapping[Priority, float] = {
    Priority.URGENT: 1.0,
    Priority.HIGH: 0.5,
    Priority.NORMAL: 0.0,
    Priority.LOW: 0.0,
}
PRESSURE_HORIZON = timedelta(hours=24)

# Skills every order of a kind needs, besides those the order names itself. Empty by
# default: the four kinds say what is done (repair, maintenance, ...), not which trade does
# it; an organisation whose installations all need, say, an electrician adds it here.
KIND_SKILLS: Mapping[str, tuple[str, ...]] = {kind.value: () for kind in Kind}


@dataclass(frozen=True, slots=True)
class Place:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Job:
    """The order to staff."""

    kind: str
    required_skills: tuple[str, ...]  # normalized (required_skills() makes them)
    site: Place | None
    due_at: datetime | None
    priority: Priority


@dataclass(frozen=True, slots=True)
class Candidate:
    """A technician who could take it."""

    id: str
    name: str
    skills: tuple[str, ...]
    open_today: int
    position: Place | None  # where they are or last worked; None: not known


@dataclass(frozen=True, slots=True)
class Ranked:
    candidate: Candidate
    score: float
    reasons: tuple[str, ...]
    distance_km: float | None  # None when either end has no coordinates


def normalize_skill(skill: str) -> str:
    """Skills are tags: "Fire safety" and "fire_safety" are one skill ("gas-safe" keeps its hyphen)."""
    return "_".join(str(skill).casefold().replace("_", " ").split())


def skill_word(skill: str) -> str:
    return skill.replace("_", " ")


def required_skills(
    *, kind: str, explicit: Iterable[str] = (), kind_skills: Mapping[str, Sequence[str]] = KIND_SKILLS
) -> tuple[str, ...]:
    """The skills an order needs: those of its kind, then those it names, each once."""
    found: list[str] = []
    for skill in [*kind_skills.get(kind, ()), *explicit]:
        tag = normalize_skill(skill)
        if tag and tag not in found:
            found.append(tag)
    return tuple(found)


def haversine_km(a: Place, b: Place) -> float:
    """Great-circle distance in km on a sphere of EARTH_RADIUS_KM."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlmb = phi2 - phi1, math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_score(km: float) -> float:
    return 0.5 ** (max(0.0, km) / DISTANCE_HALF_KM)


UNKNOWN_DISTANCE = distance_score(DISTANCE_UNKNOWN_KM)


def pressure(*, priority: Priority, due_at: datetime | None, now: datetime) -> float:
    """0 (no hurry) .. 1 (urgent, due now or overdue)."""
    by_priority = PRIORITY_PRESSURE.get(priority, 0.0)
    if due_at is None:
        return by_priority
    left = (due_at - now) / PRESSURE_HORIZON
    return max(by_priority, min(1.0, max(0.0, 1.0 - left)))


def _load_score(open_today: int) -> float:
    return 1.0 - min(max(open_today, 0), FULL_DAY) / FULL_DAY


def _open_words(n: int) -> str:
    return "nothing open today" if n <= 0 else f"{n} open today"


def _km_words(km: float) -> str:
    if km < 0.05:
        return "at the site"
    return f"{km:.1f} km away" if km < 100 else f"{km:.0f} km away"


def _score(job: Job, c: Candidate, *, push: float) -> Ranked:
    have = {normalize_skill(s) for s in c.skills}
    reasons = [f"has {skill_word(s)}" if s in have else f"lacks {skill_word(s)}" for s in job.required_skills]
    skill = (
        sum(s in have for s in job.required_skills) / len(job.required_skills) if job.required_skills else 1.0
    )
    reasons.append(_open_words(c.open_today))
    km: float | None = None
    if job.site is None:
        near = 0.0  # nobody is nearer a site nobody can place
    elif c.position is None:
        near = UNKNOWN_DISTANCE
        reasons.append("no location known")
    else:
        km = haversine_km(c.position, job.site)
        near = distance_score(km)
        reasons.append(_km_words(km))
    boost = 1.0 + PRESSURE_BOOST * push
    score = W_SKILL * skill + (W_LOAD * _load_score(c.open_today) + W_DISTANCE * near) * boost
    return Ranked(candidate=c, score=round(score, 6), reasons=tuple(reasons), distance_km=km)


def rank(job: Job, candidates: Iterable[Candidate], *, now: datetime, limit: int = 3) -> list[Ranked]:
    """The best `limit` candidates, best first. Ties: fewer open orders today, then the name
    (case-insensitive), then the id, so the same data always gives the same order."""
    push = pressure(priority=job.priority, due_at=job.due_at, now=now)
    scored = [_score(job, c, push=push) for c in candidates]
    scored.sort(key=lambda r: (-r.score, r.candidate.open_today, r.candidate.name.casefold(), r.candidate.id))
    return scored[: max(0, limit)]
