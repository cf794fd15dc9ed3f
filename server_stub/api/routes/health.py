from __future__ import annotations

from fastapi import APIRouter

from app.domain.protocol import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> Health:
    return Health()
