"""Who signs in and from where: organisations, users, tokens, devices, integration keys
and failed sign-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from server_stub.models.base import ID, Base


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    # Set by `ordo-server user disable`: sign-in answers as for a wrong password.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AccessToken(Base):
    """A signed access token (server_stub.auth.signing); the signature rejects garbage without a
    query, this row keeps it revocable. Only a SHA-256 of the token is kept: a leaked
    database holds no usable token."""

    __tablename__ = "access_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ID, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    # One sign-in starts a family; every refresh adds to it; reuse of a spent refresh
    # token revokes the whole family.
    family_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The 401 code a revoked token answers with: token_revoked, device_revoked, device_wiped.
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class RefreshToken(Base):
    """A signed, single-use refresh token: spent (`used_at`) when exchanged for a new pair."""

    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(ID, index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ID, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Device(Base):
    __tablename__ = "devices"
    device_id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    last_mid: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # `ordo-server device revoke [--wipe]`; a later sign-in on the device clears both.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    wipe: Mapped[bool] = mapped_column(Boolean, default=False)


class DeviceStatus(Base):
    """ "Sync truth" for the desk (entity `device`): how far a technician's device has
    pulled and when it last pulled and pushed. Written only for technicians' devices:
    a dispatcher's own pulls would otherwise change rows that dispatchers pull."""

    __tablename__ = "device_status"
    id: Mapped[str] = mapped_column(ForeignKey("devices.device_id"), primary_key=True)  # the device's id
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    last_pull_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The cursor's seq the device was last given: it holds every change of its scope up to here.
    pulled_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(150), index=True)
    address: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class ApiKey(Base):
    """An integration key (`X-API-Key`) of one organisation, for the intake endpoints
    only. It acts as its own `integration` user (the author of the notes it adds).
    Keys are long random strings, so a SHA-256 is enough: a leaked database holds none."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
