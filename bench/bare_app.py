"""The baseline of the orientation benchmarks: the same stack (Flask, Flask-SQLAlchemy,
psycopg, PostgreSQL, gunicorn) with nothing of Relais: one insert, or one locked row update.

Served with `gunicorn 'bench.bare_app:create_app()'`, `DATABASE_URL` naming the bench database.
"""

from __future__ import annotations

import os
import uuid

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, Uuid, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import engine_options

db = SQLAlchemy()


class BareRow(db.Model):
    __tablename__ = "bench_bare_rows"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    payload: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)


def create_app() -> Flask:
    """The bare app on `DATABASE_URL`."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    # The same engine options (pool, pre-ping) as Relais: only the endpoint's work differs.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)

    @app.post("/rows")
    def insert_row():
        row = BareRow(payload=request.get_json())
        db.session.add(row)
        db.session.commit()
        return {"id": str(row.id), "version": row.version}, 201

    @app.post("/rows/<uuid:row_id>/bump")
    def update_row(row_id: uuid.UUID):
        request.get_json()
        row = db.session.scalar(select(BareRow).where(BareRow.id == row_id).with_for_update())
        row.version += 1
        db.session.commit()
        return {"id": str(row.id), "version": row.version}

    return app


def create_tables(database_url: str) -> None:
    """Create the baseline's table in the bench database."""
    os.environ["DATABASE_URL"] = database_url
    app = create_app()
    with app.app_context():
        db.create_all()
        db.engine.dispose()
