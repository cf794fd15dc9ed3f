"""Ordo's central server: FastAPI + SQLAlchemy, built to shared/sync-protocol.md.

It imports `app.domain` (the rules both sides share) and nothing else of `app`.
"""
