"""Reviewers' corrections of field values and settlements of `review` findings.

Revision ID: 0004_decisions
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_decisions"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewer_decisions",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("batch_id", sa.String(200), nullable=False),
        sa.Column("dossier_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(40), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_index("ix_reviewer_decisions_dossier", "reviewer_decisions", ["batch_id", "dossier_id"])


def downgrade() -> None:
    op.drop_index("ix_reviewer_decisions_dossier", table_name="reviewer_decisions")
    op.drop_table("reviewer_decisions")
