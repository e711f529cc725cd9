"""Alembic environment for the class server: runs on the connection handed over by db.migrate()."""
from alembic import context

from game.classroom.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through db.migrate()
    raise RuntimeError("run migrations through game.classroom.db.migrate(engine)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
