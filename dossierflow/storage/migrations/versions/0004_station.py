"""The verification station's users: name, role, password hash, when disabled.

Revision ID: 0004_station
Revises: 0004_decisions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_station"
# Chained after the decisions helper's 0004 in this merged branch (one head); the
# coordinator orders the 0004s when merging.
down_revision = "0004_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "station_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("station_users")
