"""Join tries per address in the database, so that the join rate limit holds across server processes and
restarts (game/classroom/joinlimit.py). Rows are pruned after at most ten minutes.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "class_join_tries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),     # SHA-256 of the client address, hex
        sa.Column("wrong", sa.Boolean, nullable=False),          # a try whose join code matched no session
        sa.Column("at", sa.Float, nullable=False),               # seconds since 1970 (the limiter's clock)
    )
    op.create_index("ix_class_join_tries_address", "class_join_tries", ["address", "wrong", "at"])
    op.create_index("ix_class_join_tries_at", "class_join_tries", ["at"])


def downgrade() -> None:
    op.drop_index("ix_class_join_tries_at", table_name="class_join_tries")
    op.drop_index("ix_class_join_tries_address", table_name="class_join_tries")
    op.drop_table("class_join_tries")
