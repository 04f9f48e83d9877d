"""Alembic environment: the tables of `shared` and of the services in the caller's `Schema`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from shared.extensions import db
from shared.migrations.schema import Schema
from shared.models_registry import SHARED_TABLE_PREFIXES, import_models, service_table_prefix

config = context.config
schema: Schema = config.attributes["relais_schema"]
import_models(schema.service_model_modules)
target_metadata = db.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    # An object declared for some databases only (`info={"dialects": (...)}`, e.g. an index
    # on an interval expression) is not compared on the others.
    dialects = getattr(obj, "info", {}).get("dialects")
    if dialects and context.get_context().dialect.name not in dialects:
        return False
    branch = config.attributes.get("relais_branch")
    if branch is None:
        return True
    # When autogenerating on one branch, only that branch's tables are compared.
    prefixes = SHARED_TABLE_PREFIXES if branch == "shared" else (service_table_prefix(branch),)
    table = obj.name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return bool(table) and table.startswith(prefixes)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
