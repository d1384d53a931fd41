"""The change log: one HMAC-authenticated chain of every change to leads, decisions and the
blacklist; who lifted a blacklist entry.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("entry_hash", sa.String(64), nullable=False, unique=True),
    )
    with op.batch_alter_table("blacklist") as batch:
        batch.add_column(sa.Column("removed_by", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blacklist") as batch:
        batch.drop_column("removed_by")
    op.drop_table("log_entries")
