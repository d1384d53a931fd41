"""The database schema (SQLAlchemy 2 declarative). Migrations in `migrations/` create it.

ID numbers are stored in full: matching (duplicates, blacklist) needs them. Everything shown to
people masks them (dossierflow.privacy).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class DossierRow(Base):
    """One processed dossier of one batch; re-recording the batch updates it in place."""

    __tablename__ = "dossiers"
    __table_args__ = (UniqueConstraint("batch_id", "dossier_id", name="uq_dossiers_batch_dossier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(200), index=True)
    dossier_id: Mapped[str] = mapped_column(String(200))
    policy_year: Mapped[int] = mapped_column(Integer, index=True)
    id_number: Mapped[Optional[str]] = mapped_column(String(32), index=True)
    name: Mapped[Optional[str]] = mapped_column(String(100))
    unit: Mapped[Optional[str]] = mapped_column(String(300))  # the applicant's employer
    batch_unit: Mapped[Optional[str]] = mapped_column(String(300))  # who submitted the batch (0002)
    status: Mapped[str] = mapped_column(String(30))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the results.jsonl line
    fingerprint: Mapped[dict[str, Any]] = mapped_column(JSON)  # DossierPrint, for cross checks
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DossierFileRow(Base):
    __tablename__ = "dossier_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), index=True)


class PageImageRow(Base):
    __tablename__ = "page_images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(String(1000))
    page: Mapped[Optional[int]] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    image_hash: Mapped[str] = mapped_column(String(256), index=True)


class PaperClaimRow(Base):
    __tablename__ = "paper_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    title_key: Mapped[str] = mapped_column(String(500), index=True)
    title: Mapped[str] = mapped_column(Text)
    journal: Mapped[Optional[str]] = mapped_column(String(300))
    author_rank: Mapped[Optional[int]] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(String(1000))
    page: Mapped[Optional[int]] = mapped_column(Integer)


class FlagRow(Base):
    """A lead for review. `lead_id` is stable across re-runs so decisions stay attached."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    lead_id: Mapped[str] = mapped_column(String(32), unique=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    message: Mapped[str] = mapped_column(Text)
    related: Mapped[list[str]] = mapped_column(JSON)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class BlacklistRow(Base):
    __tablename__ = "blacklist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id_number: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[Optional[str]] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # fraud | cross_region
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[dt.date] = mapped_column(Date)
    expiry_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[Optional[str]] = mapped_column(String(100))
    # Removal keeps the row: who was listed, when and why stays on record.
    removed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    removed_reason: Mapped[Optional[str]] = mapped_column(Text)
    removed_by: Mapped[Optional[str]] = mapped_column(String(100))  # 0003


class DecisionRow(Base):
    """The append-only decision log. `prev_hash` is unique: two writers racing for the same
    predecessor cannot both succeed, so the chain never forks."""

    __tablename__ = "decisions"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(String(32), index=True)
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of the decision, as hashed
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class LogEntryRow(Base):
    """One entry of the change log (0003): every change to leads, decisions and the blacklist.
    `entry_hash` is an HMAC under a key kept outside the database (dossierflow.ledger);
    `prev_hash` is unique, so two writers racing for the same predecessor cannot fork it."""

    __tablename__ = "log_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)  # canonical JSON, as authenticated
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class ReviewerDecisionRow(Base):
    """A reviewer's correction of a field value or settlement of a `review` finding (0004,
    dossierflow.corrections). `seq` is the decision's entry in the change log, which holds the
    same `content`; the log's replay finds a row changed, added or removed behind its back."""

    __tablename__ = "reviewer_decisions"
    __table_args__ = (Index("ix_reviewer_decisions_dossier", "batch_id", "dossier_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    batch_id: Mapped[str] = mapped_column(String(200))
    dossier_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # correction | settlement
    target: Mapped[str] = mapped_column(String(40))  # the field key or the rule code
    content: Mapped[str] = mapped_column(Text)  # canonical JSON, as logged
