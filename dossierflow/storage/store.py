"""The repository: every read and write of the database goes through `Store`.

The same code serves SQLite and PostgreSQL; nothing here is dialect-specific.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import Counter
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Optional, TypeVar, Union

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from dossierflow.batches import BATCH_ACT_LEAD, RETIRE_ACTION, BatchAct, left_out, retired_batches
from dossierflow.blacklist import BlacklistEntry, NewEntry, normalise_id
from dossierflow.errors import DatabaseError, UsageError
from dossierflow.ledger import Ledger, LogHead, key_file_path
from dossierflow.models import DossierExtraction, DossierResult, Flag
from dossierflow.results import result_line
from dossierflow.review import GENESIS, Action, Decision, Lead, canonical, chain_hash
from dossierflow.storage import changelog
from dossierflow.storage.locks import acquire_year_lock
from dossierflow.storage.tables import (
    BlacklistRow,
    DecisionRow,
    DossierFileRow,
    DossierRow,
    FlagRow,
    LogEntryRow,
    PageImageRow,
    PaperClaimRow,
    ReviewerDecisionRow,
)
from validators.integrity.fingerprint import DossierPrint, PackedPrint, fingerprint, full, packed

T = TypeVar("T")

HISTORY_CHUNK = 200  # recorded dossiers read from the database at a time (`history_for`)


def _now() -> dt.datetime:
    return changelog.now()


def lead_id_for(batch_id: str, dossier_id: str, flag: Flag, occurrence: int) -> str:
    """Stable across re-runs (it does not hash the wording), so decisions stay attached."""
    key = json.dumps(
        [batch_id, dossier_id, flag.code, sorted(flag.related), [s.contract() for s in flag.sources], occurrence],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


class Store:
    """`ledger` holds the change log's key and the head noted outside the database; every write
    below appends to the log in the same transaction and notes the new head after it commits."""

    def __init__(self, engine: Engine, ledger: Optional[Ledger] = None, bind: Optional[Connection] = None) -> None:
        self.engine = engine
        self.ledger = ledger or Ledger(key_file_path(), identity=engine.url.render_as_string(hide_password=True))
        # Bound to one connection inside `year_lock`: every read and write then joins the
        # transaction that holds the lock (SQLite allows only that connection to write).
        self._bind = bind

    def _session(self, **kw) -> Session:  # type: ignore[no-untyped-def]
        return Session(self._bind if self._bind is not None else self.engine, **kw)

    def _write(self, change: Callable[[Session], T]) -> T:
        """Run `change` in one transaction, retried when another writer took the log's next
        entry first (the unique seq and prev_hash refuse a fork), then note the head."""
        if self._bind is not None:
            return self._write_locked(change)
        for attempt in range(20):
            try:
                with Session(self.engine, expire_on_commit=False) as session:
                    with session.begin():
                        changelog.start_if_empty(session, self.ledger)
                        result = change(session)
                        head = changelog.head(session)
                self.ledger.note_head(head)
                return result
            except IntegrityError:
                pass
            except OperationalError as exc:
                if "locked" not in str(exc).lower():  # SQLite: a concurrent writer holds the file
                    raise
            time.sleep(0.02 * (attempt + 1))
        raise DatabaseError("日志写入冲突，请重试")

    def _write_locked(self, change: Callable[[Session], T]) -> T:
        """Inside `year_lock`: each attempt in a savepoint, so an entry a reviewer appended first
        costs the attempt, not the transaction that holds the lock. `year_lock` notes the head
        once that transaction commits."""
        with self._session(expire_on_commit=False) as session, session.begin():
            for attempt in range(20):
                try:
                    with session.begin_nested():
                        changelog.start_if_empty(session, self.ledger)
                        return change(session)
                except IntegrityError:
                    time.sleep(0.02 * (attempt + 1))
        raise DatabaseError("日志写入冲突，请重试")

    def _log(self, session: Session, kind: str, body: dict) -> LogHead:
        return changelog.append(session, self.ledger, kind, body)

    def close(self) -> None:
        if self._bind is None:
            self.engine.dispose()

    @contextmanager
    def year_lock(self, policy_year: int) -> Iterator["Store"]:
        """A Store whose reads and writes form one transaction holding the policy year's lock
        (`storage.locks`): committed when the block ends, rolled back if it raises."""
        if self._bind is not None:
            yield self  # already inside the lock
            return
        with self.engine.connect() as conn:
            acquire_year_lock(conn, policy_year)
            try:
                yield Store(self.engine, self.ledger, bind=conn)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        self.ledger.note_head(self.log_head())

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- history -------------------------------------------------------------------------

    def record_dossiers(
        self,
        batch_id: str,
        policy_year: int,
        extractions: dict[str, DossierExtraction],
        results: Iterable[DossierResult],
        unit: Optional[str] = None,
        prints: Optional[dict[str, Union[DossierPrint, PackedPrint]]] = None,
        threshold: Optional[float] = None,
    ) -> int:
        """Upsert every result of the batch (keyed on batch id + dossier id) with what cross
        checks need; a re-run replaces the rows, never duplicates them. `unit` is the submitting
        unit (batch.yaml). `results` is iterated once per attempt (a write that loses the log's
        next entry to another writer is tried again), one result at a time: a run streams them
        (dossierflow.pipeline). `prints`: the dossiers' fingerprints when judging made them
        already; those it lacks are made here with `threshold`, the rulebook's confidence
        threshold (validators.integrity.fingerprint). Returns rows written."""

        def change(session: Session) -> int:
            written = 0
            for result in results:
                ex = extractions.get(result.dossier_id) or result.extraction
                known = (prints or {}).get(result.dossier_id)
                if known is not None:
                    fp = full(known)  # one dossier's model at a time, for its row
                elif ex is not None:
                    if threshold is None:
                        raise ValueError("record_dossiers needs the rulebook's confidence threshold to fingerprint a dossier")
                    fp = fingerprint(ex, batch_id, policy_year, threshold)
                else:
                    fp = DossierPrint(batch_id=batch_id, dossier_id=result.dossier_id, policy_year=policy_year)
                row = session.scalars(
                    select(DossierRow).where(DossierRow.batch_id == batch_id, DossierRow.dossier_id == result.dossier_id)
                ).one_or_none()
                values = dict(
                    policy_year=policy_year,
                    id_number=fp.id_number,
                    name=fp.name,
                    unit=fp.unit,
                    batch_unit=unit,
                    status=result.status,
                    result=result_line(result),
                    fingerprint=fp.model_dump(mode="json"),
                    recorded_at=_now(),
                )
                if row is None:
                    row = DossierRow(batch_id=batch_id, dossier_id=result.dossier_id, **values)
                    session.add(row)
                    session.flush()
                else:
                    for k, v in values.items():
                        setattr(row, k, v)
                    for table in (DossierFileRow, PageImageRow, PaperClaimRow, FlagRow):
                        session.execute(delete(table).where(table.dossier_pk == row.id))
                self._add_children(session, row.id, batch_id, result, ex, fp)
                written += 1
            leads = changelog.batch_leads(session, batch_id).get(batch_id, [])
            if changelog.logged_leads(session, batch_id) != leads:
                self._log(session, "leads", {"batch_id": batch_id, "leads": leads})
            return written

        return self._write(change)

    @staticmethod
    def _add_children(
        session: Session, pk: int, batch_id: str, result: DossierResult, ex: Optional[DossierExtraction], fp: DossierPrint
    ) -> None:
        if ex is not None:
            session.add_all(DossierFileRow(dossier_pk=pk, path=f.path, sha256=f.sha256) for f in ex.files)
        session.add_all(
            PageImageRow(dossier_pk=pk, file=p.where.file, page=p.where.page, kind=p.kind, image_hash=p.image_hash) for p in fp.pages
        )
        session.add_all(
            PaperClaimRow(
                dossier_pk=pk, title_key=c.key[:500], title=c.title, journal=c.journal, author_rank=c.author_rank, file=c.where.file, page=c.where.page
            )
            for c in fp.papers
        )
        seen: Counter[tuple] = Counter()
        for f in result.flags:
            base = (f.code, tuple(sorted(f.related)), json.dumps([s.contract() for s in f.sources], sort_keys=True))
            session.add(
                FlagRow(
                    dossier_pk=pk,
                    lead_id=lead_id_for(batch_id, result.dossier_id, f, seen[base]),
                    code=f.code,
                    message=f.message,
                    related=list(f.related),
                    sources=[s.contract() for s in f.sources],
                    details=json.loads(json.dumps(f.details, ensure_ascii=False, default=str)),
                )
            )
            seen[base] += 1

    def stored_result(self, batch_id: str, dossier_id: str) -> Optional[dict]:
        with self._session() as session:
            return session.scalars(
                select(DossierRow.result).where(DossierRow.batch_id == batch_id, DossierRow.dossier_id == dossier_id)
            ).one_or_none()

    def count_rows(self) -> dict[str, int]:
        """Rows per table: what a re-record must leave unchanged."""
        from sqlalchemy import func

        tables = (DossierRow, DossierFileRow, PageImageRow, PaperClaimRow, FlagRow, BlacklistRow, DecisionRow, LogEntryRow,
                  ReviewerDecisionRow)
        with self._session() as session:
            return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in tables}

    # --- retired and superseded batches (dossierflow.batches) ---------------------------

    def batch_acts(self) -> list[BatchAct]:
        with self._session() as session:
            rows = session.scalars(select(DecisionRow).where(DecisionRow.lead_id == BATCH_ACT_LEAD).order_by(DecisionRow.seq))
            acts = []
            for row in rows:
                c = json.loads(row.content)
                if c.get("action") == RETIRE_ACTION:
                    acts.append(BatchAct(
                        seq=row.seq, batch_id=c["batch_id"], superseded_by=c.get("superseded_by"), reason=c["reason"],
                        reviewer=c["reviewer"], decided_at=c["decided_at"], entry_hash=row.entry_hash,
                    ))
            return acts

    def recorded_batches(self) -> dict[str, dict]:
        """Every recorded batch: its submitting unit, policy year and number of dossiers."""
        from sqlalchemy import func

        stmt = select(DossierRow.batch_id, DossierRow.batch_unit, DossierRow.policy_year, func.count()).group_by(
            DossierRow.batch_id, DossierRow.batch_unit, DossierRow.policy_year
        )
        out: dict[str, dict] = {}
        with self._session() as session:
            for batch_id, unit, year, n in session.execute(stmt):
                entry = out.setdefault(batch_id, {"unit": unit, "policy_year": year, "dossiers": 0})
                entry["dossiers"] += n
        return out

    def supersede_problem(self, old: str, new: Optional[str], new_unit: Optional[str]) -> Optional[str]:
        """Why `old` cannot be retired (in favour of `new`, submitted by `new_unit`), in Chinese;
        None when it can. Only a batch of the same unit can supersede another: one applicant in
        two units' batches is a duplicate application, not a resubmission."""
        recorded = self.recorded_batches()
        if old not in recorded:
            return f"数据库中没有批次 {old} 的记录"
        if new is not None and old == new:
            return f"批次 {old} 不能替代自身"
        retired = retired_batches(self.batch_acts())
        if old in retired and retired[old] not in (None, new):
            return f"批次 {old} 已被批次 {retired[old]} 替代"
        old_unit = recorded[old]["unit"]
        if new is not None and old_unit != new_unit:
            return f"批次 {old} 的报送单位（{old_unit or '未填写'}）与批次 {new} 的报送单位（{new_unit or '未填写'}）不同，不能替代"
        return None

    def retire_batch(self, batch_id: str, reason: str, reviewer: str, superseded_by: Optional[str] = None) -> Optional[BatchAct]:
        """Record in the decision log that `batch_id` is retired (superseded by `superseded_by`,
        or withdrawn). None when the log already says so. The caller checks `supersede_problem`."""
        for act in self.batch_acts():
            if act.batch_id == batch_id and act.superseded_by == superseded_by:
                return None
        fields = {
            "lead_id": "",
            "action": RETIRE_ACTION,
            "batch_id": batch_id,
            "superseded_by": superseded_by,
            "reason": reason,
            "reviewer": reviewer,
            "decided_at": _now().isoformat(timespec="seconds"),
        }
        if self._bind is None:
            # The act changes the history every run of the year checks against: take its lock.
            year = self.recorded_batches().get(batch_id, {}).get("policy_year") or 0
            with self.year_lock(year) as locked:
                return locked.retire_batch(batch_id, reason, reviewer, superseded_by)
        row = self._write(lambda session: self._append_entry(session, BATCH_ACT_LEAD, fields))
        return BatchAct(seq=row.seq, superseded_by=superseded_by, entry_hash=row.entry_hash,
                        **{k: fields[k] for k in ("batch_id", "reason", "reviewer", "decided_at")})

    def history_for(self, batch_id: str, supersedes: tuple[str, ...] = ()) -> list[PackedPrint]:
        """The recorded dossiers a run of `batch_id` is compared with: every batch except the
        retired ones and those of its own submission (`dossierflow.batches.left_out`)."""
        skip = left_out(batch_id, self.batch_acts(), supersedes)
        stmt = select(DossierRow.id, DossierRow.fingerprint).order_by(DossierRow.id).limit(HISTORY_CHUNK)
        if skip:
            stmt = stmt.where(DossierRow.batch_id.not_in(sorted(skip)))
        prints: list[PackedPrint] = []
        # A chunk at a time: a row's JSON (a text's shingles as a list of ints) takes several
        # times the memory of the print made of it, and a city's history is every dossier of
        # the year. Paged on the key, so no driver has to stream.
        last = 0
        with self._session() as session:
            while rows := session.execute(stmt.where(DossierRow.id > last)).all():
                prints += (packed(DossierPrint.model_validate(fp)) for _, fp in rows)
                last = rows[-1][0]
                del rows
        return prints

    # --- blacklist -----------------------------------------------------------------------

    @staticmethod
    def _entry(row: BlacklistRow) -> BlacklistEntry:
        return BlacklistEntry(
            entry_id=row.id,
            id_number=row.id_number,
            name=row.name,
            kind=row.kind,  # type: ignore[arg-type]
            reason=row.reason,
            source=row.source,
            start_date=row.start_date,
            expiry_date=row.expiry_date,
            created_at=row.created_at,
            created_by=row.created_by,
            removed_at=row.removed_at,
            removed_reason=row.removed_reason,
            removed_by=row.removed_by,
        )

    @staticmethod
    def _blacklist_row(entry: NewEntry) -> BlacklistRow:
        return BlacklistRow(**entry.model_dump(), created_at=_now())

    def add_blacklist(self, entry: NewEntry) -> BlacklistEntry:
        def change(session: Session) -> BlacklistEntry:
            row = self._blacklist_row(entry)
            session.add(row)
            session.flush()
            self._log(session, "blacklist_add", {"entry": changelog.ban_state(row)})
            return self._entry(row)

        return self._write(change)

    def blacklist_entries(self, id_number: Optional[str] = None, include_removed: bool = True) -> list[BlacklistEntry]:
        stmt = select(BlacklistRow).order_by(BlacklistRow.id)
        if id_number is not None:
            stmt = stmt.where(BlacklistRow.id_number == normalise_id(id_number))
        if not include_removed:
            stmt = stmt.where(BlacklistRow.removed_at.is_(None))
        with self._session() as session:
            return [self._entry(r) for r in session.scalars(stmt)]

    def blacklist_lookup(self, id_number: str, on_date: dt.date) -> list[dict]:
        """Entries in force for the full ID number on that day (RunContext.blacklist_lookup)."""
        try:
            wanted = normalise_id(id_number)
        except UsageError:
            return []
        stmt = select(BlacklistRow).where(
            BlacklistRow.id_number == wanted,
            BlacklistRow.removed_at.is_(None),
            BlacklistRow.start_date <= on_date,
            BlacklistRow.expiry_date > on_date,
        )
        with self._session() as session:
            return [self._entry(r).lookup_dict() for r in session.scalars(stmt.order_by(BlacklistRow.id))]

    def remove_blacklist(self, entry_id: int, reason: str, removed_by: str) -> BlacklistEntry:
        if not reason.strip() or not removed_by.strip():
            raise UsageError("撤销黑名单记录必须注明原因（--reason）和撤销人（--by）")

        def change(session: Session) -> BlacklistEntry:
            row = self._live_ban(session, entry_id)
            row.removed_at = _now()
            row.removed_reason = reason.strip()
            row.removed_by = removed_by.strip()
            self._log(session, "blacklist_remove", {
                "entry_id": row.id, "removed_at": changelog.iso(row.removed_at),
                "removed_reason": row.removed_reason, "removed_by": row.removed_by,
            })
            return self._entry(row)

        return self._write(change)

    def set_blacklist_expiry(self, entry_id: int, expiry: dt.date, reason: str, by: str) -> BlacklistEntry:
        """Shorten or extend a ban (a review's outcome, a court ruling); logged with who and why."""
        if not reason.strip() or not by.strip():
            raise UsageError("修改期限必须注明原因（--reason）和修改人（--by）")

        def change(session: Session) -> BlacklistEntry:
            row = self._live_ban(session, entry_id)
            if expiry <= row.start_date:
                raise UsageError(f"截止日期 {expiry} 不能早于或等于起始日期 {row.start_date}")
            previous = row.expiry_date
            row.expiry_date = expiry
            self._log(session, "blacklist_expiry", {
                "entry_id": row.id, "expiry_date": expiry.isoformat(), "previous_expiry_date": previous.isoformat(),
                "reason": reason.strip(), "by": by.strip(),
            })
            return self._entry(row)

        return self._write(change)

    @staticmethod
    def _live_ban(session: Session, entry_id: int) -> BlacklistRow:
        row = session.get(BlacklistRow, entry_id)
        if row is None:
            raise UsageError(f"没有编号为 {entry_id} 的黑名单记录")
        if row.removed_at is not None:
            raise UsageError(f"黑名单记录 #{entry_id} 已于 {changelog.iso(row.removed_at)} 由 {row.removed_by or '（未记录）'} 撤销")
        return row

    # --- review --------------------------------------------------------------------------

    def _decisions_by_lead(self, session: Session, lead_ids: Optional[list[str]] = None) -> dict[str, Decision]:
        stmt = select(DecisionRow).where(DecisionRow.lead_id != BATCH_ACT_LEAD).order_by(DecisionRow.seq)
        if lead_ids is not None:
            stmt = stmt.where(DecisionRow.lead_id.in_(lead_ids))
        out: dict[str, Decision] = {}
        for row in session.scalars(stmt):
            out[row.lead_id] = self._decision(row)
        return out

    @staticmethod
    def _decision(row: DecisionRow) -> Decision:
        c = json.loads(row.content)
        return Decision(
            seq=row.seq,
            lead_id=row.lead_id,
            action=c["action"],
            reason=c["reason"],
            reviewer=c["reviewer"],
            decided_at=c["decided_at"],
            batch_id=c["batch_id"],
            dossier_id=c["dossier_id"],
            code=c["code"],
            kind=c.get("kind"),
            blacklist_entry_id=c.get("blacklist_entry_id"),
            prev_hash=row.prev_hash,
            entry_hash=row.entry_hash,
        )

    def leads(
        self, status: str = "open", code: Optional[str] = None, batch_id: Optional[str] = None, lead_id: Optional[str] = None
    ) -> list[Lead]:
        stmt = select(FlagRow, DossierRow).join(DossierRow, FlagRow.dossier_pk == DossierRow.id)
        if lead_id:
            stmt = stmt.where(FlagRow.lead_id == lead_id)
        if code:
            stmt = stmt.where(FlagRow.code == code)
        if batch_id:
            stmt = stmt.where(DossierRow.batch_id == batch_id)
        stmt = stmt.order_by(DossierRow.batch_id, DossierRow.dossier_id, FlagRow.id)
        with self._session() as session:
            pairs = session.execute(stmt).all()
            decisions = self._decisions_by_lead(session, [f.lead_id for f, _ in pairs])
        # A retired batch's open leads live on in its resubmission, which was checked again.
        retired = retired_batches(self.batch_acts()) if status == "open" else {}
        out = []
        for f, d in pairs:
            lead = Lead(
                lead_id=f.lead_id,
                batch_id=d.batch_id,
                dossier_id=d.dossier_id,
                code=f.code,
                message=f.message,
                related=list(f.related or []),
                sources=list(f.sources or []),
                details=dict(f.details or {}),
                name=d.name,
                id_number=d.id_number,
                unit=d.unit,
                decision=decisions.get(f.lead_id),
            )
            if (status == "all" or lead.status == status) and lead.batch_id not in retired:
                out.append(lead)
        return out

    def lead(self, lead_id: str) -> Optional[Lead]:
        matches = self.leads(status="all", lead_id=lead_id)
        return matches[0] if matches else None

    def _append_entry(self, session: Session, lead_id: str, fields: dict) -> DecisionRow:
        """Chain one entry onto the decision table, and its twin onto the change log, in
        `session`'s transaction. Two writers racing for the same predecessor cannot both commit
        (unique prev_hash)."""
        last = session.scalars(select(DecisionRow).order_by(DecisionRow.seq.desc()).limit(1)).one_or_none()
        prev = last.entry_hash if last else GENESIS
        seq = last.seq + 1 if last else 1
        content = canonical({"seq": seq, **fields})
        row = DecisionRow(seq=seq, lead_id=lead_id, content=content, prev_hash=prev, entry_hash=chain_hash(prev, content))
        session.add(row)
        session.flush()
        self._log(session, "decision", {"decision_seq": seq, "decision": content})
        return row

    def append_decision(
        self, lead: Lead, action: Action, reason: str, reviewer: str, kind: Optional[str], ban: Optional[NewEntry]
    ) -> Decision:
        """The decision, the ban it creates and their log entries commit together or not at all."""

        def change(session: Session) -> Decision:
            taken = session.scalars(select(DecisionRow).where(DecisionRow.lead_id == lead.lead_id).limit(1)).one_or_none()
            if taken is not None:  # decided by another reviewer since this one looked
                raise UsageError(f"线索 {lead.lead_id} 已有决定 #{taken.seq}，不能重复决定")
            entry_id = None
            ban_content = None
            if ban is not None:
                ban_row = self._blacklist_row(ban)
                session.add(ban_row)
                session.flush()
                entry_id = ban_row.id
                self._log(session, "blacklist_add", {"entry": changelog.ban_state(ban_row)})
                ban_content = {
                    "id_number": ban.id_number,
                    "kind": ban.kind,
                    "start_date": ban.start_date.isoformat(),
                    "expiry_date": ban.expiry_date.isoformat(),
                }
            fields = {
                "lead_id": lead.lead_id,
                "action": action,
                "reason": reason,
                "reviewer": reviewer,
                "decided_at": _now().isoformat(timespec="seconds"),
                "batch_id": lead.batch_id,
                "dossier_id": lead.dossier_id,
                "code": lead.code,
                "kind": kind,
                "blacklist_entry_id": entry_id,
                "blacklist": ban_content,
            }
            return self._decision(self._append_entry(session, lead.lead_id, fields))

        return self._write(change)

    # --- reviewers' corrections and settlements (dossierflow.corrections) ---------------

    def reviewer_decisions(self, batch_id: str, dossier_id: Optional[str] = None) -> list[tuple[int, str, str]]:
        """(log seq, kind, content) of every correction and settlement of the batch (or of one
        dossier), oldest first."""
        stmt = select(ReviewerDecisionRow).where(ReviewerDecisionRow.batch_id == batch_id)
        if dossier_id is not None:
            stmt = stmt.where(ReviewerDecisionRow.dossier_id == dossier_id)
        with self._session() as session:
            return [(r.seq, r.kind, r.content) for r in session.scalars(stmt.order_by(ReviewerDecisionRow.seq))]

    def append_reviewer_decision(self, kind: str, target: str, fields: dict, basis_seq: Optional[int], stale: str) -> int:
        """Record one correction (`target` a field) or settlement (`target` a rule) and its log
        entry in one transaction; its log seq. `basis_seq` is the newest decision of the same
        kind on the same dossier and target the reviewer's form was built on (None: none): if
        another has been recorded since, the form is stale and UsageError(`stale`) is raised,
        with nothing written."""

        def change(session: Session) -> int:
            latest = session.scalars(
                select(ReviewerDecisionRow.seq)
                .where(
                    ReviewerDecisionRow.batch_id == fields["batch_id"],
                    ReviewerDecisionRow.dossier_id == fields["dossier_id"],
                    ReviewerDecisionRow.kind == kind,
                    ReviewerDecisionRow.target == target,
                )
                .order_by(ReviewerDecisionRow.seq.desc())
                .limit(1)
            ).one_or_none()
            if latest != basis_seq:
                raise UsageError(stale)
            content = canonical(fields)
            seq = self._log(session, kind, {"decision": content}).count
            session.add(ReviewerDecisionRow(
                seq=seq, batch_id=fields["batch_id"], dossier_id=fields["dossier_id"], kind=kind, target=target, content=content,
            ))
            session.flush()
            return seq

        return self._write(change)

    def decisions(self) -> list[Decision]:
        with self._session() as session:
            return list(self._decisions_by_lead(session).values())

    def decision_count(self) -> int:
        from sqlalchemy import func

        with self._session() as session:
            return session.scalar(select(func.count()).select_from(DecisionRow)) or 0

    def log_head(self) -> LogHead:
        """The change log's newest entry (count and hash)."""
        with self._session() as session:
            return changelog.head(session)

    def verify_log(self) -> tuple[Optional[str], LogHead]:
        """(None, head) when the change log is intact, agrees with the head noted outside the
        database, and the decisions, blacklist and leads are what it says; else the first problem."""
        with self._session() as session:
            return changelog.verify(session, self.ledger)

    def verify_decision_log(self) -> Optional[str]:
        return self.verify_log()[0]

    def log_entry_hash(self, seq: int) -> Optional[str]:
        """The hash of the log's entry `seq` (None when there is none): does the log still hold
        a head noted earlier (batch.json)?"""
        with self._session() as session:
            return session.scalars(select(LogEntryRow.entry_hash).where(LogEntryRow.seq == seq)).one_or_none()

    # --- audits (dossierflow.audit_log) ----------------------------------------------------

    def append_log(self, kind: str, body: dict) -> LogHead:
        """Add one entry of `kind` to the change log on its own; the entry's seq and hash."""
        return self._write(lambda session: self._log(session, kind, body))

    def log_entries(self, kinds: tuple[str, ...]) -> list[tuple[int, dict, str]]:
        """(seq, content, entry hash) of every entry of these kinds, oldest first."""
        stmt = select(LogEntryRow).where(LogEntryRow.kind.in_(kinds)).order_by(LogEntryRow.seq)
        with self._session() as session:
            return [(r.seq, json.loads(r.content), r.entry_hash) for r in session.scalars(stmt)]
