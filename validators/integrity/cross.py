"""Checks across dossiers: within the batch and against every earlier batch on record.

Each check compares fingerprints (`DossierPrint`s, held packed), so the current batch and the history are treated alike;
flags are attached to the current batch's dossiers only (earlier results are not rewritten).
Two dossiers of the same person (a resubmission, last year's application) never count as
copying each other: that is DUPLICATE_APPLICANT's business, within one policy year.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Optional, Sequence, Union

import numpy as np

from dossierflow.models import Flag, Source
from dossierflow.privacy import mask_id
from validators.integrity.common import flag, norm_name, numbers_may_agree
from validators.integrity.fingerprint import DossierPrint, PackedPage, PackedPaper, PackedPrint, PackedText, packed
from validators.integrity.single import KIND_CN


@dataclass(frozen=True)
class CrossThresholds:
    image_distance: float = 0.15  # share of differing hash bits: "looks like the same page"
    page_line_ratio: float = 0.8  # 张伟同志 vs 王伟同志 is 0.75: one changed character in a short name line
    page_min_lines: int = 3
    # A copy keeps most of its source, stock sentences included, in their combination; honest
    # texts built from one stock of sentences share some of them. Removing every moderately
    # common phrase strips most of what a copy shares and leaves a remainder where chance
    # overlaps weigh as much as copying, so only wording most dossiers hold (form labels) is
    # removed. Measured distributions and margins: the rulebook's `integrity.cross` comment.
    text_jaccard: float = 0.52
    text_containment: float = 0.69
    text_min_shared: int = 40  # shingles left after boilerplate removal
    boilerplate_share: float = 0.5
    boilerplate_min_docs: int = 5


# Awards and honours of a team may carry one project number on each winner's own certificate;
# the winner's place on it (holder_rank) then tells them apart.
TEAM_KINDS = frozenset({"award", "honor"})


def same_person(a: PackedPrint, b: PackedPrint) -> bool:
    if a.id_number and b.id_number:
        return a.id_number == b.id_number
    return bool(a.name and b.name and a.name == b.name)


@dataclass
class _Lead:
    parts: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    matches: list[dict] = field(default_factory=list)


class _Collector:
    def __init__(self, batch_id: str) -> None:
        self.batch_id = batch_id
        self.leads: dict[tuple[str, str, str], _Lead] = defaultdict(_Lead)
        self.refs: dict[str, PackedPrint] = {}

    def add(self, code: str, mine: PackedPrint, other: PackedPrint, part: str, sources: list[Source], match: dict) -> None:
        ref = other.ref(self.batch_id)
        self.refs[ref] = other
        lead = self.leads[(mine.dossier_id, code, ref)]
        if part not in lead.parts:
            lead.parts.append(part)
        for s in sources:
            if s not in lead.sources:
                lead.sources.append(s)
        lead.matches.append({"batch_id": other.batch_id, "dossier_id": other.dossier_id, **match})

    def flags(self, messages: dict[str, str]) -> dict[str, list[Flag]]:
        out: dict[str, list[Flag]] = defaultdict(list)
        for (did, code, ref), lead in sorted(self.leads.items()):
            other = self.refs[ref]
            who = f"档案 {ref}" + (f"（{other.name}，{other.unit}）" if other.name and other.unit else f"（{other.name}）" if other.name else "")
            message = messages[code].format(other=who) + "：" + "；".join(lead.parts)
            out[did].append(flag(code, message, lead.sources, [ref], matches=lead.matches))
        return dict(out)


MESSAGES = {
    "DUPLICATE_APPLICANT": "同一申报人在本年度还通过{other}申报",
    "DUPLICATE_ATTACHMENT": "附件与{other}中的附件几乎相同",
    "SHARED_PAPER": "论文同时被{other}作为第一作者或独立作者申报",
    "TEXT_REUSE": "文字材料与{other}的材料高度雷同",
}


def _in_batch(other: PackedPrint, batch_id: str, src: Source) -> list[Source]:
    # The other side's page is linkable from this batch's report only when it is in this batch.
    return [src] if other.batch_id == batch_id else []


def duplicate_applicants(current: list[PackedPrint], everyone: list[PackedPrint], out: _Collector) -> None:
    by_id: dict[tuple[str, int], list[PackedPrint]] = defaultdict(list)
    for p in everyone:
        if p.id_number:
            by_id[(p.id_number, p.policy_year)].append(p)
    for mine in current:
        if not mine.id_number:
            continue
        for other in by_id[(mine.id_number, mine.policy_year)]:
            if other is mine:
                continue
            where = f"批次 {other.batch_id}" + (f"，单位 {other.unit}" if other.unit else "")
            sources = [mine.id_where.source()] if mine.id_where else []
            if other.id_where:
                sources += _in_batch(other, out.batch_id, other.id_where.source())
            out.add(
                "DUPLICATE_APPLICANT",
                mine,
                other,
                f"身份证号码 {mask_id(mine.id_number)} 同时出现在{where}",
                sources,
                {"file": other.id_where.file if other.id_where else None, "page": other.id_where.page if other.id_where else None},
            )


def _lines_match(mine: list[str], theirs: list[str], th: CrossThresholds) -> bool:
    """Every significant line has a near-equal line on the other page (OCR may misread a char)."""
    return all(any(SequenceMatcher(None, line, other).ratio() >= th.page_line_ratio for other in theirs) for line in mine)


def _shared_certificate(mine: PackedPrint, a: PackedPage, other: PackedPrint, b: PackedPage) -> bool:
    """One certificate naming both applicants (a team award) is rightly in both dossiers."""
    names = set(a.named) & set(b.named)  # named on both pages: the same certificate
    return bool(mine.name and other.name and mine.name in names and other.name in names)


def _content_match(a: PackedPage, b: PackedPage, th: CrossThresholds, namesakes: bool = False) -> Optional[str]:
    """Why two look-alike pages are the same document and not two fillings of one template.
    For two applicants of the same name (张伟 is common) a name on the page proves nothing."""
    if a.file_sha256 and a.file_sha256 == b.file_sha256 and a.where.page == b.where.page:
        return "同一文件的同一页"
    if a.number and b.number:
        if a.number != b.number:
            if numbers_may_agree(a.number_read, b.number_read):
                return (f"证书编号读作 {a.number_read} 与 {b.number_read}，"
                        "仅未能识别的字符不同，其余逐字一致，请核对是否为同一证书")
            return None
        if a.kind in TEAM_KINDS and a.holder != b.holder and None not in (a.holder_rank, b.holder_rank) and a.holder_rank != b.holder_rank:
            return None  # one project number on each winner's own certificate, different places
        note = "，两证排名未能读出，请核对是否为同一项目不同完成人" if a.kind in TEAM_KINDS and a.holder != b.holder and None in (a.holder_rank, b.holder_rank) else ""
        return f"证书编号同为 {a.number}{note}"
    if a.holder and b.holder and not namesakes:
        return f"持有人同为“{a.holder}”" if a.holder == b.holder else None
    if a.tokens and b.tokens:
        return f"页面编号同为 {'、'.join(a.tokens)}" if a.tokens == b.tokens else None
    if len(a.lines) >= th.page_min_lines and len(b.lines) >= th.page_min_lines and not namesakes:
        return "页面文字逐行一致" if _lines_match(a.lines, b.lines, th) and _lines_match(b.lines, a.lines, th) else None
    # Nothing readable on either page: fills of one template hash alike (0 bits apart measured),
    # so the image alone is no evidence.
    return None


def _hash_matrix(pages: list[PackedPage]) -> dict[int, tuple[list[int], np.ndarray]]:
    """Page hashes grouped by length, as byte matrices for vectorised Hamming distances."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(pages):
        if len(p.image_hash) % 2 == 0:
            groups[len(p.image_hash)].append(i)
    out = {}
    for length, idx in groups.items():
        rows = []
        keep = []
        for i in idx:
            try:
                rows.append(np.frombuffer(bytes.fromhex(pages[i].image_hash), dtype=np.uint8))
                keep.append(i)
            except ValueError:
                continue
        if rows:
            out[length] = (keep, np.vstack(rows))
    return out


def duplicate_attachments(current: list[PackedPrint], everyone: list[PackedPrint], out: _Collector, th: CrossThresholds) -> None:
    owners: list[PackedPrint] = []
    pages: list[PackedPage] = []
    for p in everyone:
        for s in p.pages:
            owners.append(p)
            pages.append(s)
    matrices = _hash_matrix(pages)
    current_ids = {id(p) for p in current}
    # Two certificates with different numbers are two certificates: drop those pairs up front
    # (a batch of one template yields many look-alike pairs).
    numbers: dict[str, int] = {}
    number_id = np.array([numbers.setdefault(s.number, len(numbers)) if s.number else -1 for s in pages], dtype=np.int64)
    for idx, mat in matrices.values():
        bits = mat.shape[1] * 8
        for row, i in enumerate(idx):
            mine = owners[i]
            if id(mine) not in current_ids:
                continue
            dist = np.unpackbits(np.bitwise_xor(mat, mat[row]), axis=1).sum(axis=1) / bits
            mine_no, theirs_no = number_id[i], number_id[idx]
            different = (mine_no >= 0) & (theirs_no >= 0) & (theirs_no != mine_no)
            for col in np.nonzero(dist <= th.image_distance)[0]:
                j = idx[int(col)]
                # A number that differs only where OCR could not read it is no second certificate.
                if different[col] and not numbers_may_agree(pages[i].number_read, pages[j].number_read):
                    continue
                other = owners[j]
                if other is mine or same_person(mine, other):
                    continue
                a, b = pages[i], pages[j]
                if _shared_certificate(mine, a, other, b):
                    continue
                reason = _content_match(a, b, th, namesakes=bool(mine.name and mine.name == other.name))
                if reason is None:
                    continue
                kind = KIND_CN.get(a.kind, "附件")
                out.add(
                    "DUPLICATE_ATTACHMENT",
                    mine,
                    other,
                    f"本档案 {a.where.label()} 的{kind}与其 {b.where.label()} 相同（图像差异 {float(dist[col]):.0%}，{reason}）",
                    [a.where.source()] + _in_batch(other, out.batch_id, b.where.source()),
                    {"file": b.where.file, "page": b.where.page, "distance": round(float(dist[col]), 3)},
                )


def same_publication(a: PackedPaper, b: PackedPaper) -> bool:
    """Generic titles (…技术研究, 浅谈…) recur across journals and issues: the same title is the
    same paper only when what both sides know of the journal and issue agrees."""
    if a.issn and b.issn:
        if a.issn != b.issn:
            return False
    elif a.journal and b.journal and norm_name(a.journal) != norm_name(b.journal):
        return False
    if a.year and b.year:
        # Month against month when both give it (one issue), else the year.
        n = 7 if len(a.year) >= 7 and len(b.year) >= 7 else 4
        return a.year[:n] == b.year[:n]
    return True


def shared_papers(current: list[PackedPrint], everyone: list[PackedPrint], out: _Collector) -> None:
    first_authors: dict[str, list[tuple[PackedPrint, int]]] = defaultdict(list)
    for p in everyone:
        for k, claim in enumerate(p.papers):
            if claim.author_rank == 1:
                first_authors[claim.key].append((p, k))
    for mine in current:
        for claim in mine.papers:
            if claim.author_rank != 1:
                continue
            for other, k in first_authors[claim.key]:
                if other is mine or same_person(mine, other):
                    continue
                theirs = other.papers[k]
                if not same_publication(claim, theirs):
                    continue
                out.add(
                    "SHARED_PAPER",
                    mine,
                    other,
                    f"《{claim.title}》（本档案 {claim.where.label()}，对方 {theirs.where.label()}）",
                    [claim.where.source()] + _in_batch(other, out.batch_id, theirs.where.source()),
                    {"file": theirs.where.file, "page": theirs.where.page, "title": claim.title},
                )


def _shingles(t: PackedText) -> np.ndarray:
    return np.asarray(t.shingles, dtype=np.uint32)  # the packed array itself, not a copy


def _boilerplate(texts: list[tuple[PackedPrint, PackedText]], dossiers: int, th: CrossThresholds) -> np.ndarray:
    """Sorted shingles found in many dossiers (the batch's and the history's): shared wording.
    Counted per dossier, so a phrase one applicant repeats is not boilerplate."""
    per_dossier: list[np.ndarray] = []
    mine: list[np.ndarray] = []
    for k, (p, t) in enumerate(texts):
        mine.append(_shingles(t))
        if k + 1 == len(texts) or texts[k + 1][0] is not p:  # a dossier's texts are adjacent
            per_dossier.append(np.unique(np.concatenate(mine)))
            mine = []
    x = np.concatenate(per_dossier)
    del per_dossier
    x.sort()
    limit = max(1, th.boilerplate_min_docs, int(np.ceil(dossiers * th.boilerplate_share)))
    if x.size < limit:
        return np.zeros(0, dtype=np.uint32)
    # A value is in `limit` dossiers or more when the sorted run it starts spans `limit` places.
    return np.unique(x[limit - 1 :][x[limit - 1 :] == x[: x.size - limit + 1]])


def _without(values: np.ndarray, sorted_drop: np.ndarray) -> np.ndarray:
    if sorted_drop.size == 0:
        return values
    at = np.minimum(np.searchsorted(sorted_drop, values), sorted_drop.size - 1)
    return values[sorted_drop[at] != values]


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenated index ranges [start, end) as one array."""
    lens = ends - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(lens) - lens, lens)
    return np.arange(total) - offsets + np.repeat(starts, lens)


# Shingles moved at a time when the key's halves are split: bounds the scratch copy numpy makes
# where a move's source and destination overlap.
_SPLIT_CHUNK = 1 << 20


def _split_sorted_key(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(texts, shingles): the low and high 32-bit halves of each sorted 64-bit key. The texts
    are copied out; the shingles are moved to the front of the key's own buffer, which is then
    cut to them. Copying both halves out held the key and both copies at once: 16 bytes a
    shingle where this holds 12."""
    size = key.size
    words = key.view(np.uint32)
    low, high = (0, 1) if sys.byteorder == "little" else (1, 0)
    texts = words[low::2].copy()
    for start in range(0, size, _SPLIT_CHUNK):
        stop = min(start + _SPLIT_CHUNK, size)
        # Reads from 2*start on, writes below stop <= 2*stop: nothing is overwritten before read.
        words[start:stop] = words[2 * start + high : 2 * stop + high : 2]
    del words
    key.resize((size + 1) // 2, refcheck=False)  # the buffer shrinks where it lies
    return texts, key.view(np.uint32)[:size]


def text_reuse(current: list[PackedPrint], everyone: list[PackedPrint], out: _Collector, th: CrossThresholds) -> None:
    texts = [(p, t) for p in everyone for t in p.texts]
    if len(texts) < 2:
        return
    # Memory: a city's batch and its history hold millions of shingles, so every array here
    # costs 4 bytes a shingle, the index 8 while it is built, and each text's shingles are
    # filtered one text at a time. The filtered shingles are made again each time they are
    # needed rather than held: held for every text, they added 4 bytes a shingle to judging's
    # peak, which is this index's.
    boilerplate = _boilerplate(texts, len(everyone), th)

    def own(n: int) -> np.ndarray:
        return _without(_shingles(texts[n][1]), boilerplate)

    own_size = np.array([own(n).size for n in range(len(texts))], dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum(own_size)])
    # Every kept shingle with its text, sorted by shingle then text: one 64-bit key per shingle,
    # split into two 32-bit halves once sorted.
    key = np.empty(int(bounds[-1]), dtype=np.uint64)
    for n in range(len(texts)):
        key[bounds[n] : bounds[n + 1]] = (own(n).astype(np.uint64) << np.uint64(32)) | np.uint64(n)
    key.sort()
    sorted_text, sorted_shingle = _split_sorted_key(key)  # the shingles are the key's own buffer
    current_ids = {id(p) for p in current}
    for n, (mine, t) in enumerate(texts):
        if id(mine) not in current_ids or own_size[n] < th.text_min_shared:
            continue
        mine_sh = own(n)
        left, right = np.searchsorted(sorted_shingle, mine_sh, "left"), np.searchsorted(sorted_shingle, mine_sh, "right")
        shared = np.bincount(sorted_text[_ranges(left, right)], minlength=len(texts))
        union = own_size[n] + own_size - shared
        jaccard = shared / np.maximum(union, 1)
        containment = shared / np.maximum(np.minimum(own_size[n], own_size), 1)
        close = (shared >= th.text_min_shared) & ((jaccard >= th.text_jaccard) | (containment >= th.text_containment))
        for m in np.nonzero(close)[0]:
            other, u = texts[int(m)]
            if other is mine or same_person(mine, other):
                continue
            if t.title_key and t.title_key == u.title_key:
                continue  # the same paper in two co-authors' dossiers
            label = "工作总结" if t.kind == "work_summary" else KIND_CN.get(t.kind, t.kind)
            other_label = "工作总结" if u.kind == "work_summary" else KIND_CN.get(u.kind, u.kind)
            out.add(
                "TEXT_REUSE",
                mine,
                other,
                f"本档案{label}（{t.where.label()}）与其{other_label}（{u.where.label()}）去除通用表述后重合 {jaccard[m]:.0%}，包含度 {containment[m]:.0%}",
                [t.where.source()] + _in_batch(other, out.batch_id, u.where.source()),
                {"file": u.where.file, "page": u.where.page, "jaccard": round(float(jaccard[m]), 3), "containment": round(float(containment[m]), 3)},
            )


def find_cross_flags(
    current: Sequence[Union[DossierPrint, PackedPrint]],
    history: Sequence[Union[DossierPrint, PackedPrint]],
    batch_id: str,
    th: CrossThresholds = CrossThresholds(),
) -> dict[str, list[Flag]]:
    """Models are packed first (`fingerprint.packed`), so both sides compare alike."""
    current, history = [packed(p) for p in current], [packed(p) for p in history]
    everyone = current + history
    out = _Collector(batch_id)
    duplicate_applicants(current, everyone, out)
    duplicate_attachments(current, everyone, out, th)
    shared_papers(current, everyone, out)
    text_reuse(current, everyone, out, th)
    return out.flags(MESSAGES)
