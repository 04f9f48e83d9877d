"""The baseline of the orientation benchmarks: the same stack (Flask, Flask-SQLAlchemy,
psycopg, PostgreSQL, gunicorn) with nothing of Relais: one insert, or one locked row update,
behind the one check any API endpoint must make, a bearer token looked up by its hash.

Served with `gunicorn 'bench.bare_app:create_app()'`, `DATABASE_URL` naming the bench database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import uuid

from flask import Flask, abort, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, String, Uuid, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import engine_options

db = SQLAlchemy()


class BareRow(db.Model):
    __tablename__ = "bench_bare_rows"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    payload: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)


class BareToken(db.Model):
    __tablename__ = "bench_bare_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


def authenticate() -> None:
    """401 unless the request carries a bearer token of `bench_bare_tokens` not yet expired:
    one primary-key read, as Relais reads its account's version on every request."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    expires_at = db.session.scalar(
        select(BareToken.expires_at).where(BareToken.token_hash == token_hash)
    )
    if scheme.lower() != "bearer" or expires_at is None or expires_at <= dt.datetime.now(dt.UTC):
        abort(401)


def create_app() -> Flask:
    """The bare app on `DATABASE_URL`."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    # The same engine options (pool, pre-ping) as Relais: only the endpoint's work differs.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)

    @app.post("/rows")
    def insert_row():
        authenticate()
        row = BareRow(payload=request.get_json())
        db.session.add(row)
        db.session.commit()
        return {"id": str(row.id), "version": row.version}, 201

    @app.post("/rows/<uuid:row_id>/bump")
    def update_row(row_id: uuid.UUID):
        authenticate()
        request.get_json()
        row = db.session.scalar(select(BareRow).where(BareRow.id == row_id).with_for_update())
        row.version += 1
        db.session.commit()
        return {"id": str(row.id), "version": row.version}

    return app


def create_tables(database_url: str) -> str:
    """Create the baseline's tables in the bench database; returns a bearer token it accepts."""
    os.environ["DATABASE_URL"] = database_url
    app = create_app()
    token = secrets.token_hex(16)
    with app.app_context():
        db.create_all()
        db.session.add(
            BareToken(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
            )
        )
        db.session.commit()
        db.engine.dispose()
    return token
