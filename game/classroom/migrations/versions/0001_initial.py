"""Class server tables: sessions, their levels, the uploaded level library, students, attempts, answers.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "class_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("join_code", sa.String(12), nullable=False, unique=True),
        sa.Column("seed", sa.Integer, nullable=True),
        sa.Column("quiz_mode", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("closes_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "class_session_levels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("level_id", sa.String(40), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("toml", sa.Text, nullable=False),
        sa.UniqueConstraint("session_id", "level_id"),
    )
    op.create_table(
        "class_library_levels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("level_id", sa.String(40), nullable=False, unique=True),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("toml", sa.Text, nullable=False),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("uploaded_at", TZ, nullable=False),
    )
    op.create_table(
        "class_students",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("nickname", sa.String(24), nullable=False),
        sa.Column("nickname_key", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("joined_at", TZ, nullable=False),
        sa.UniqueConstraint("session_id", "nickname_key"),
    )
    op.create_table(
        "class_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("student_id", sa.Integer, sa.ForeignKey("class_students.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("level_id", sa.String(40), nullable=False),
        sa.Column("level_sha256", sa.String(64), nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("model_version", sa.String(40), nullable=False),
        sa.Column("moves", sa.JSON, nullable=False),
        sa.Column("claimed_score", sa.Float, nullable=True),
        sa.Column("claimed_stars", sa.Integer, nullable=True),
        sa.Column("claimed_won", sa.Boolean, nullable=True),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("stars", sa.Integer, nullable=True),
        sa.Column("won", sa.Boolean, nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("time_s", sa.Float, nullable=True),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
    )
    op.create_table(
        "class_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("student_id", sa.Integer, sa.ForeignKey("class_students.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("phase", sa.String(8), nullable=False),
        sa.Column("level_id", sa.String(40), nullable=True),
        sa.Column("question_key", sa.String(90), nullable=False),
        sa.Column("objective", sa.String(40), nullable=True),
        sa.Column("prompt", sa.String(300), nullable=False),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("answer_text", sa.String(600), nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("time_s", sa.Float, nullable=True),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("class_answers", "class_attempts", "class_students", "class_library_levels",
                  "class_session_levels", "class_sessions"):
        op.drop_table(table)
