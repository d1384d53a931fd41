"""The change log in the database: append an entry, and check the tables against the log.

Entries are canonical JSON `{"seq", "kind", "at", …}` chained by `entry_hash = HMAC(key,
prev_hash ‖ content)` (dossierflow.ledger holds the key). Kinds:

- `start`: the first entry; a snapshot of what the database held before the log began (a
  database created before migration 0003 keeps its bans and decisions on record);
- `leads`: the leads (flags) a run recorded for one batch;
- `decision`: a reviewer's decision, with the decision row's content as stored;
- `blacklist_add`, `blacklist_remove`, `blacklist_expiry`: changes to the blacklist.

`verify` replays the log and compares the state it yields with the tables, so a row edited,
inserted or deleted by SQL is named as well as an entry edited or removed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossierflow.ledger import GENESIS, Ledger, LogHead
from dossierflow.review import canonical, verify_chain
from dossierflow.storage.tables import BlacklistRow, DecisionRow, DossierRow, FlagRow, LogEntryRow, ReviewerDecisionRow

# Log entry kinds of reviewers' decisions on a dossier's reading (dossierflow.corrections).
REVIEWER_KINDS = ("correction", "settlement")


def now() -> dt.datetime:
    # Whole seconds: what is logged and what the table holds compare equal on every backend.
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(value: Optional[dt.datetime | dt.date]) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat()
    return value.isoformat()


def ban_state(row: BlacklistRow) -> dict:
    """Everything about a blacklist row the log vouches for."""
    return {
        "entry_id": row.id,
        "id_number": row.id_number,
        "name": row.name,
        "kind": row.kind,
        "reason": row.reason,
        "source": row.source,
        "start_date": iso(row.start_date),
        "expiry_date": iso(row.expiry_date),
        "created_at": iso(row.created_at),
        "created_by": row.created_by,
        "removed_at": iso(row.removed_at),
        "removed_reason": row.removed_reason,
        "removed_by": row.removed_by,
    }


def batch_leads(session: Session, batch_id: Optional[str] = None) -> dict[str, list[list[str]]]:
    stmt = select(DossierRow.batch_id, DossierRow.dossier_id, FlagRow.lead_id, FlagRow.code).join(
        DossierRow, FlagRow.dossier_pk == DossierRow.id
    )
    if batch_id is not None:
        stmt = stmt.where(DossierRow.batch_id == batch_id)
    out: dict[str, list[list[str]]] = {}
    for b, d, lead, code in session.execute(stmt):
        out.setdefault(b, []).append([d, lead, code])
    return {b: sorted(v) for b, v in out.items()}


def last_entry(session: Session) -> Optional[LogEntryRow]:
    return session.scalars(select(LogEntryRow).order_by(LogEntryRow.seq.desc()).limit(1)).one_or_none()


def start_if_empty(session: Session, ledger: Ledger) -> None:
    """Begin the log with a snapshot of what the database holds, before the first change."""
    if last_entry(session) is None:
        _write_entry(session, ledger, None, "start", _snapshot(session))


def append(session: Session, ledger: Ledger, kind: str, body: dict) -> LogHead:
    """Add one entry in the caller's transaction (after `start_if_empty`)."""
    return _head(_write_entry(session, ledger, last_entry(session), kind, body))


def _write_entry(session: Session, ledger: Ledger, last: Optional[LogEntryRow], kind: str, body: dict) -> LogEntryRow:
    seq = last.seq + 1 if last else 1
    prev = last.entry_hash if last else GENESIS
    content = canonical({"seq": seq, "kind": kind, "at": iso(now()), **body})
    row = LogEntryRow(seq=seq, kind=kind, content=content, prev_hash=prev, entry_hash=ledger.entry_hash(prev, content, create=seq == 1))
    session.add(row)
    session.flush()
    return row


def _head(row: Optional[LogEntryRow]) -> LogHead:
    return LogHead(count=row.seq, hash=row.entry_hash) if row else LogHead(count=0, hash=GENESIS)


def head(session: Session) -> LogHead:
    return _head(last_entry(session))


def _snapshot(session: Session) -> dict:
    return {
        "blacklist": [ban_state(r) for r in session.scalars(select(BlacklistRow).order_by(BlacklistRow.id))],
        "decisions": [[r.seq, r.content] for r in session.scalars(select(DecisionRow).order_by(DecisionRow.seq))],
        "leads": batch_leads(session),
    }


def logged_leads(session: Session, batch_id: str) -> Optional[list[list[str]]]:
    """The leads the log last recorded for this batch (None: never)."""
    found = None
    for content in session.scalars(select(LogEntryRow.content).where(LogEntryRow.kind.in_(("start", "leads"))).order_by(LogEntryRow.seq)):
        c = json.loads(content)
        if c["kind"] == "start" and batch_id in c.get("leads", {}):
            found = c["leads"][batch_id]
        elif c["kind"] == "leads" and c["batch_id"] == batch_id:
            found = c["leads"]
    return found


# --- verification ---------------------------------------------------------------------------


def verify(session: Session, ledger: Ledger) -> tuple[Optional[str], LogHead]:
    """(None, head) when the log is intact and the tables agree with it; else the first problem
    found, in Chinese, naming the entry or row."""
    rows = list(session.scalars(select(LogEntryRow).order_by(LogEntryRow.seq)))
    problem = _check_chain(rows, ledger) or _check_noted_head(rows, ledger)
    current = _head(rows[-1] if rows else None)
    if problem:
        return problem, current
    decisions = list(session.scalars(select(DecisionRow).order_by(DecisionRow.seq)))
    problem = verify_chain([(r.seq, r.content, r.prev_hash, r.entry_hash) for r in decisions])
    if problem:
        return f"决策表：{problem}", current
    state = _replay(rows)
    problem = (
        _compare_decisions(state, decisions)
        or _compare_blacklist(state, list(session.scalars(select(BlacklistRow).order_by(BlacklistRow.id))))
        or _compare_leads(state, batch_leads(session))
        or _compare_reviewer(state, list(session.scalars(select(ReviewerDecisionRow).order_by(ReviewerDecisionRow.seq))))
    )
    return problem, current


def _check_chain(rows: list[LogEntryRow], ledger: Ledger) -> Optional[str]:
    prev = GENESIS
    for expected_seq, row in enumerate(rows, start=1):
        if row.seq != expected_seq:
            return f"日志第 {expected_seq} 条缺失（其后为第 {row.seq} 条）：日志中间有记录被删除"
        if row.prev_hash != prev:
            return f"日志第 {row.seq} 条的前序哈希与第 {row.seq - 1} 条不符：其前的记录被替换"
        if ledger.entry_hash(prev, row.content) != row.entry_hash:
            return f"日志第 {row.seq} 条的内容与其认证码不符：记录已被改动（无密钥者无法重新计算认证码）"
        try:
            content = json.loads(row.content)
        except ValueError:
            return f"日志第 {row.seq} 条的内容无法解析"
        if content.get("seq") != row.seq or content.get("kind") != row.kind:
            return f"日志第 {row.seq} 条的序号或类型与其内容不符：记录被移动"
        prev = row.entry_hash
    return None


def _check_noted_head(rows: list[LogEntryRow], ledger: Ledger) -> Optional[str]:
    noted = ledger.noted_head()
    if noted is None:
        if rows:
            return f"库外没有此数据库的日志链头记录（{ledger.head_file}），无法确认日志未被截短"
        return None
    if len(rows) < noted.count:
        return (
            f"日志只有 {len(rows)} 条，而库外记录的链头是第 {noted.count} 条（{noted.hash[:16]}…）："
            "末尾的记录被删除，或数据库被换成了旧的副本"
        )
    if noted.count and rows[noted.count - 1].entry_hash != noted.hash:
        return f"日志第 {noted.count} 条与库外记录的链头不符：数据库被替换或日志被重写"
    return None


class _State:
    def __init__(self) -> None:
        self.bans: dict[int, tuple[int, dict]] = {}  # entry id → (log seq that last set it, state)
        self.decisions: dict[int, tuple[int, str]] = {}  # decision seq → (log seq, content)
        self.leads: dict[str, tuple[int, list]] = {}  # batch id → (log seq, leads)
        self.reviewer: dict[int, tuple[str, str]] = {}  # log seq → (kind, content) of a correction or settlement


def _replay(rows: list[LogEntryRow]) -> _State:
    state = _State()
    for row in rows:
        c = json.loads(row.content)
        kind = c["kind"]
        if kind == "start":
            for ban in c["blacklist"]:
                state.bans[ban["entry_id"]] = (row.seq, ban)
            for seq, content in c["decisions"]:
                state.decisions[seq] = (row.seq, content)
            for batch_id, leads in c["leads"].items():
                state.leads[batch_id] = (row.seq, leads)
        elif kind == "leads":
            state.leads[c["batch_id"]] = (row.seq, c["leads"])
        elif kind == "decision":
            state.decisions[c["decision_seq"]] = (row.seq, c["decision"])
        elif kind in REVIEWER_KINDS:
            state.reviewer[row.seq] = (kind, c["decision"])
        elif kind == "blacklist_add":
            state.bans[c["entry"]["entry_id"]] = (row.seq, c["entry"])
        elif kind in ("blacklist_remove", "blacklist_expiry"):
            entry_id = c["entry_id"]
            _, ban = state.bans.get(entry_id, (0, {"entry_id": entry_id}))
            changed = {k: c[k] for k in ("removed_at", "removed_reason", "removed_by", "expiry_date") if k in c}
            state.bans[entry_id] = (row.seq, {**ban, **changed})
    return state


def _compare_decisions(state: _State, decisions: list[DecisionRow]) -> Optional[str]:
    stored = {r.seq: r.content for r in decisions}
    for seq in sorted(set(stored) | set(state.decisions)):
        logged = state.decisions.get(seq)
        if logged is None:
            return f"决定 #{seq} 不在日志中：它被直接写入了数据库"
        if seq not in stored:
            return f"决定 #{seq}（日志第 {logged[0]} 条）已从数据库中删除：其线索被重新打开"
        if stored[seq] != logged[1]:
            return f"决定 #{seq} 与日志第 {logged[0]} 条记录的内容不符：决定已被改动"
    return None


def _compare_blacklist(state: _State, bans: list[BlacklistRow]) -> Optional[str]:
    stored = {r.id: ban_state(r) for r in bans}
    for entry_id in sorted(set(stored) | set(state.bans)):
        logged = state.bans.get(entry_id)
        if logged is None:
            return f"黑名单记录 #{entry_id} 不在日志中：它被直接写入了数据库"
        if entry_id not in stored:
            return f"黑名单记录 #{entry_id}（日志第 {logged[0]} 条）已从数据库中删除"
        differ = [k for k in logged[1] if stored[entry_id].get(k) != logged[1][k]]
        if differ:
            return f"黑名单记录 #{entry_id} 的 {'、'.join(differ)} 与日志第 {logged[0]} 条不符：记录被直接改动"
    return None


def _compare_leads(state: _State, leads: dict[str, list[list[str]]]) -> Optional[str]:
    for batch_id in sorted(set(leads) | set(state.leads)):
        logged = state.leads.get(batch_id)
        now_leads = leads.get(batch_id, [])
        if logged is None:
            if now_leads:
                return f"批次 {batch_id} 的线索不在日志中：它们被直接写入了数据库"
            continue
        if [list(x) for x in logged[1]] != now_leads:
            return f"批次 {batch_id} 的线索与日志第 {logged[0]} 条记录的不符：线索被直接增删或改动"
    return None


_REVIEWER_CN = {"correction": "复核更正", "settlement": "复核裁定"}


def _compare_reviewer(state: _State, rows: list[ReviewerDecisionRow]) -> Optional[str]:
    """Each stored correction or settlement is the one its log entry records, to the letter,
    and none is missing or added; its columns say what its content says."""
    stored = {r.seq: r for r in rows}
    for seq in sorted(set(stored) | set(state.reviewer)):
        logged = state.reviewer.get(seq)
        row = stored.get(seq)
        if logged is None:
            return f"{_REVIEWER_CN.get(row.kind, row.kind)} #{seq} 不在日志中：它被直接写入了数据库"
        what = _REVIEWER_CN[logged[0]]
        if row is None:
            return f"{what} #{seq}（日志第 {seq} 条）已从数据库中删除"
        content = json.loads(logged[1])
        columns = (row.kind, row.batch_id, row.dossier_id, row.target)
        expected = (logged[0], content.get("batch_id"), content.get("dossier_id"), content.get("field") or content.get("rule"))
        if row.content != logged[1] or columns != expected:
            return f"{what} #{seq} 与日志第 {seq} 条记录的内容不符：该决定已被改动"
    return None
