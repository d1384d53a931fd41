"""Initial schema: dossiers with hashes, paper claims and flags; blacklist; decision log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(200), nullable=False),
        sa.Column("dossier_id", sa.String(200), nullable=False),
        sa.Column("policy_year", sa.Integer, nullable=False),
        sa.Column("id_number", sa.String(32)),
        sa.Column("name", sa.String(100)),
        sa.Column("unit", sa.String(300)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("fingerprint", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("batch_id", "dossier_id", name="uq_dossiers_batch_dossier"),
    )
    op.create_index("ix_dossiers_batch_id", "dossiers", ["batch_id"])
    op.create_index("ix_dossiers_policy_year", "dossiers", ["policy_year"])
    op.create_index("ix_dossiers_id_number", "dossiers", ["id_number"])

    op.create_table(
        "dossier_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_pk", sa.Integer, sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_dossier_files_dossier_pk", "dossier_files", ["dossier_pk"])
    op.create_index("ix_dossier_files_sha256", "dossier_files", ["sha256"])

    op.create_table(
        "page_images",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_pk", sa.Integer, sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("file", sa.String(1000), nullable=False),
        sa.Column("page", sa.Integer),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("image_hash", sa.String(256), nullable=False),
    )
    op.create_index("ix_page_images_dossier_pk", "page_images", ["dossier_pk"])
    op.create_index("ix_page_images_image_hash", "page_images", ["image_hash"])

    op.create_table(
        "paper_claims",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_pk", sa.Integer, sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title_key", sa.String(500), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("journal", sa.String(300)),
        sa.Column("author_rank", sa.Integer),
        sa.Column("file", sa.String(1000), nullable=False),
        sa.Column("page", sa.Integer),
    )
    op.create_index("ix_paper_claims_dossier_pk", "paper_claims", ["dossier_pk"])
    op.create_index("ix_paper_claims_title_key", "paper_claims", ["title_key"])

    op.create_table(
        "flags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_pk", sa.Integer, sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lead_id", sa.String(32), nullable=False, unique=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("related", sa.JSON, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_flags_dossier_pk", "flags", ["dossier_pk"])
    op.create_index("ix_flags_code", "flags", ["code"])

    op.create_table(
        "blacklist",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id_number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("expiry_date", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        sa.Column("removed_reason", sa.Text),
    )
    op.create_index("ix_blacklist_id_number", "blacklist", ["id_number"])

    op.create_table(
        "decisions",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lead_id", sa.String(32), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("entry_hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_decisions_lead_id", "decisions", ["lead_id"])


def downgrade() -> None:
    for table in ("decisions", "blacklist", "flags", "paper_claims", "page_images", "dossier_files", "dossiers"):
        op.drop_table(table)
