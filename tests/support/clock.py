"""Time passing for stored rows: their instants move back, as if the clock had moved on."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from shared.extensions import db
from shared.types import UTCDateTime


def pass_time(app: Flask, model: type, seconds: float) -> None:
    """Let `seconds` pass for every row of `model`: each of its instants moves back."""
    shift = dt.timedelta(seconds=seconds)
    instants = [
        column.key
        for column in model.__table__.columns  # type: ignore[attr-defined]
        if isinstance(column.type, UTCDateTime)
    ]
    with app.app_context():
        for row in db.session.scalars(select(model)):
            for name in instants:
                if getattr(row, name) is not None:
                    setattr(row, name, getattr(row, name) - shift)
        db.session.commit()
