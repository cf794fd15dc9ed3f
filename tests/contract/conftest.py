"""Fixtures of the contract suite: see kit.py for how both sides get the same orders."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .kit import SIDES, Opener, Side, World


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("contract"))


@pytest.fixture
def opener(world: World) -> Iterator[Opener]:
    o = Opener(world)
    yield o
    o.close()


@pytest.fixture(params=SIDES)
def open_as(request: pytest.FixtureRequest, opener: Opener) -> Callable[[str], Side]:
    """`open_as("tech1")`: this side's Services, signed in as tech1, holding the scenario."""
    return getattr(opener, request.param)
