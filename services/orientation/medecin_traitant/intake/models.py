"""The per-address counter of public self-registrations (`intake/public.py`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shared.extensions import db
from shared.types import UTCDateTime


class PublicSubmissionCounter(db.Model):
    """Self-registrations from one client address since `window_start` (one row per address)."""

    __tablename__ = "orientation_public_submissions"

    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(default=0)
