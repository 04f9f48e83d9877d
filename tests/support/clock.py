"""Time passing for stored rows: their instants move back, as if the clock had moved on."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from shared.extensions import db


def pass_time(app: Flask, model: type, columns: tuple[str, ...], seconds: float) -> None:
    """Let `seconds` pass for every row of `model`: each of its `columns` moves back."""
    shift = dt.timedelta(seconds=seconds)
    with app.app_context():
        for row in db.session.scalars(select(model)):
            for column in columns:
                setattr(row, column, getattr(row, column) - shift)
        db.session.commit()
