"""Integrity checks that need only one dossier (and, for the blacklist, the lookup in RunContext)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from dossierflow.batch import RunContext
from dossierflow.models import DossierExtraction, Evidence, FileInfo, Flag, Source
from dossierflow.privacy import mask_id
from dossierflow.vocab import DATE_FIELDS
from validators.integrity.common import add_years, flag, misread_future, norm_name, parse_iso, same_month
from validators.integrity.idcard import birth_date_of, id_problems
from validators.integrity.issn import cn_problem, issn_problem

KIND_CN = {
    "diploma": "毕业证书",
    "degree": "学位证书",
    "title_cert": "职称证书",
    "skill_cert": "技能等级证书",
    "award": "获奖证书",
    "honor": "荣誉证书",
    "exam_cert": "考试合格证明",
    "paper": "论文",
    "claimed_paper": "表中所列论文",
    "patent": "专利证书",
}
# Certificates that name one person as holder. Patents are left out: the 专利权人 is often the unit.
HOLDER_KINDS = ("diploma", "degree", "title_cert", "skill_cert", "award", "honor", "exam_cert")
FIELD_CN = {
    "birth_date": "出生年月",
    "transfer_date": "调入时间",
    "current_title_date": "现职称取得时间",
    "graduation_date": "毕业时间",
    "work_start_date": "参加工作时间",
    "skill_level_date": "技能等级取得时间",
    "submission_date": "申报日期",
}
EDUCATION_TO_DIPLOMA_LEVEL = {"associate": "专科", "bachelor": "本科", "master": "硕士", "doctorate": "博士"}


def _field_source(ex: DossierExtraction, key: str) -> list[Source]:
    fv = ex.fields.get(key)
    return [fv.source] if fv is not None else []


def _reliable(ex: DossierExtraction, key: str, threshold: float) -> Optional[str]:
    """The field's value as text when read at the rulebook's confidence threshold or above: below
    it a value is too likely an OCR misreading to accuse anyone on it."""
    fv = ex.fields.get(key)
    if fv is None or fv.value in (None, "") or fv.confidence < threshold:
        return None
    return str(fv.value)


def id_number_flags(ex: DossierExtraction, threshold: float) -> list[Flag]:
    id_number = _reliable(ex, "id_number", threshold)
    if id_number is None:
        return []
    problems = id_problems(id_number, _reliable(ex, "birth_date", threshold), _reliable(ex, "gender", threshold))
    if not problems:
        return []
    srcs = _field_source(ex, "id_number") + _field_source(ex, "birth_date") + _field_source(ex, "gender")
    return [flag("ID_NUMBER_INVALID", f"身份证号码 {mask_id(id_number)} 有误：" + "；".join(problems), srcs)]


_HOLDER_SPLIT = re.compile(r"[、,，;；/\s\u3000]+")
_HONORIFICS = ("同志", "先生", "女士", "同学")


# A collective honour names a unit or a team, not a person: no one's name to compare.
_UNIT_SUFFIXES = ("学校", "中学", "小学", "幼儿园", "大学", "学院", "医院", "卫生院", "公司", "集团", "局", "中心", "厂", "站", "所", "处", "科室", "组", "部", "队", "委员会", "协会", "团队", "课题组", "班")


def names_a_unit(holder: str) -> bool:
    h = norm_name(holder)
    return len(h) > 4 and h.endswith(_UNIT_SUFFIXES)


def holder_names_applicant(holder: str, name: str) -> bool:
    """An award may list several winners: the applicant among them is enough. 王伟 is not 王伟东."""
    # Spaces inside one name are padding (王　建国); between names they separate winners.
    for token in [holder, *_HOLDER_SPLIT.split(holder)]:
        token = norm_name(token)
        for suffix in _HONORIFICS:
            token = token.removesuffix(suffix)
        if token == name:
            return True
    return False


def holder_flags(ex: DossierExtraction, threshold: float) -> list[Flag]:
    name = norm_name(_reliable(ex, "name", threshold))
    id_number = _reliable(ex, "id_number", threshold)
    out: list[Flag] = []
    for ev in ex.evidence:
        if ev.kind not in HOLDER_KINDS or ev.confidence < threshold:
            continue
        label = KIND_CN.get(ev.kind, ev.kind) + (f"《{ev.title}》" if ev.title else "")
        if name and ev.holder and not names_a_unit(ev.holder) and not holder_names_applicant(ev.holder, name):
            out.append(flag("HOLDER_MISMATCH", f"{label}的持有人为“{ev.holder}”，不是申报人“{name}”", [ev.source], kind=ev.kind))
        if id_number and ev.holder_id_number and ev.holder_id_number.strip().upper() != id_number.upper():
            out.append(
                flag(
                    "HOLDER_MISMATCH",
                    f"{label}上的身份证号码 {mask_id(ev.holder_id_number)} 与申报人 {mask_id(id_number)} 不一致",
                    [ev.source] + _field_source(ex, "id_number"),
                    kind=ev.kind,
                )
            )
    return out


def _evidence_for(ex: DossierExtraction, kind: str, wanted: Optional[str], attr: str, threshold: float) -> list[Evidence]:
    """The dated evidence of `kind` a form value refers to: the one whose `attr` matches, else
    the only one. Several unmatched certificates (an old diploma and a new one) decide nothing."""
    items = [e for e in ex.items(kind) if e.date and e.confidence >= threshold]
    if wanted:
        accepted = {norm_name(w) for w in wanted.split("|")}
        matching = [e for e in items if norm_name(getattr(e, attr)) in accepted]
        if matching:
            return matching
        if any(getattr(e, attr) for e in items):
            return []
    return items if len(items) == 1 else []


def _diploma_levels(ex: DossierExtraction) -> Optional[str]:
    """The diploma levels (code or Chinese, as extractors may give either) of the form's education."""
    education = str(ex.field("education") or "")
    chinese = EDUCATION_TO_DIPLOMA_LEVEL.get(education)
    return f"{education}|{chinese}" if chinese else None


def form_evidence_flags(ex: DossierExtraction, threshold: float) -> list[Flag]:
    out: list[Flag] = []
    checks = (
        ("graduation_date", "diploma", _diploma_levels(ex), "level", "毕业时间"),
        ("current_title_date", "title_cert", _reliable(ex, "current_title", threshold), "title", "现职称取得时间"),
    )
    for key, kind, wanted, attr, label in checks:
        form_value = _reliable(ex, key, threshold)
        if form_value is None:
            continue
        evidence = _evidence_for(ex, kind, wanted, attr, threshold)
        if not evidence or any(same_month(form_value, e.date or "") for e in evidence):
            continue
        ev = evidence[0]
        out.append(
            flag(
                "FORM_EVIDENCE_MISMATCH",
                f"表中{label} {form_value} 与{KIND_CN[kind]}上的日期 {ev.date} 不一致",
                _field_source(ex, key) + [ev.source],
                field=key,
            )
        )
    return out


def _birth(ex: DossierExtraction, threshold: float) -> Optional[dt.date]:
    born = parse_iso(_reliable(ex, "birth_date", threshold))
    if born is None:
        id_number = _reliable(ex, "id_number", threshold)
        born = birth_date_of(id_number) if id_number and len(id_number) == 18 else None
    return born


def _read_by_ocr(ex: DossierExtraction, src: Source) -> bool:
    return any(
        p.method == "ocr" and p.file == src.file and (src.page is None or p.page is None or p.page == src.page) for p in ex.pages
    )


def date_flags(ex: DossierExtraction, processing_date: dt.date, threshold: float) -> list[Flag]:
    born = _birth(ex, threshold)
    problems: list[tuple[str, Source | None]] = []
    for key in sorted(DATE_FIELDS):
        value = _reliable(ex, key, threshold)
        day = parse_iso(value)
        if day is None:
            continue
        src = ex.fields[key].source
        label = FIELD_CN.get(key, key)
        if day > processing_date:
            problems.append((f"{label} {value} 晚于处理日期 {processing_date.isoformat()}", src))
        if born and key != "birth_date" and day < born.replace(day=1):
            problems.append((f"{label} {value} 早于出生日期 {born.isoformat()[:7]}", src))
        if born and key == "graduation_date" and day < add_years(born.replace(day=1), 16):
            problems.append((f"毕业时间 {value} 时申报人未满16周岁", src))
    for ev in ex.evidence:
        if ev.confidence < threshold:
            continue
        ocr = _read_by_ocr(ex, ev.source)
        for attr in ("date", "since"):
            value = getattr(ev, attr)
            day = parse_iso(value)
            if day is None:
                continue
            label = KIND_CN.get(ev.kind, "材料") + (f"《{ev.title}》" if ev.title else "")
            if ocr and misread_future(day, processing_date):
                continue  # 二〇一九 read as 2079: a misreading, not a forged date
            if day > processing_date:
                problems.append((f"{label}日期 {value} 晚于处理日期 {processing_date.isoformat()}", ev.source))
            if born and day < born.replace(day=1):
                problems.append((f"{label}日期 {value} 早于出生日期 {born.isoformat()[:7]}", ev.source))
            if born and ev.kind == "diploma" and day < add_years(born.replace(day=1), 16):
                problems.append((f"毕业证书日期 {value} 时申报人未满16周岁", ev.source))
    if not problems:
        return []
    return [flag("DATE_IMPOSSIBLE", "不可能的日期：" + "；".join(p for p, _ in problems), [s for _, s in problems if s])]


def journal_flags(ex: DossierExtraction, threshold: float) -> list[Flag]:
    out: list[Flag] = []
    seen: set[tuple[str, str]] = set()
    for ev in ex.evidence:
        if ev.kind not in ("paper", "claimed_paper") or ev.confidence < threshold:
            continue
        problems = []
        if ev.issn and ("issn", ev.issn) not in seen:
            seen.add(("issn", ev.issn))
            problems.append(issn_problem(ev.issn))
        if ev.cn and ("cn", ev.cn) not in seen:
            seen.add(("cn", ev.cn))
            problems.append(cn_problem(ev.cn))
        found = [p for p in problems if p]
        if found:
            where = f"论文《{ev.title}》" if ev.title else "论文"
            journal = f"（{ev.journal}）" if ev.journal else ""
            out.append(flag("ISSN_INVALID", f"{where}{journal}的刊号有误：" + "；".join(found), [ev.source]))
    return out


# Image editors, as producers/creators write themselves. "PS" only as a separate upper-case
# token, so PostScript converters (Ghostscript, "PS to PDF") do not count.
_EDITOR_NAMES = re.compile(
    r"photoshop|gimp|美图|meitu|paint\.net|pixelmator|affinity photo|snapseed|picsart|光影魔术手|醒图", re.IGNORECASE
)
_PS_TOKEN = re.compile(r"(?<![A-Za-z0-9])PS(?![A-Za-z0-9])(?!\s*(?:to|->))")


def is_image_editor(program: str) -> bool:
    return bool(_EDITOR_NAMES.search(program) or _PS_TOKEN.search(program))


def _claims_scan(info: FileInfo, ex: DossierExtraction) -> bool:
    if info.kind == "image":
        return True
    if info.kind != "pdf" or info.pages == 0:
        return False
    return info.text_layer_pages == 0 or any(p.file == info.path and p.method == "ocr" for p in ex.pages)


def _appended_revision_sign(info: FileInfo) -> str:
    end = f"原文件结尾（第 {info.original_end} 字节）" if info.original_end is not None else "原文件结尾"
    if info.linearized:
        end = f"快速网页查看格式声明的文件长度 /L（{info.original_end} 字节）"
    return f"在{end}之后追加了 {info.incremental_updates} 次增量修订（其交叉引用段的 /Prev 指回原文件），即生成后被修改过"


def pdf_edited_flags(ex: DossierExtraction) -> list[Flag]:
    """One lead per sign of editing, each naming its sign and where it was seen.

    Not signs: a linearized ("fast web view") file's second cross-reference section, or an OCR
    tool's invisible text layer that says what the image shows.
    """
    out: list[Flag] = []
    for info in ex.files:
        whole_file = [Source(file=info.path)]
        for label, value, sign in (("生成程序", info.producer, "editor_producer"), ("创建程序", info.creator, "editor_creator")):
            # Case-sensitive for the bare "PS" token, case-free for the names.
            if value and is_image_editor(value):
                message = f"文件 {info.path} 有编辑痕迹：{label}为图像编辑软件“{value}”（文件属性）"
                out.append(flag("PDF_EDITED", message, whole_file, file=info.path, sign=sign))
        if _claims_scan(info, ex) and info.incremental_updates > 0:
            message = f"扫描件 {info.path} 有编辑痕迹：" + _appended_revision_sign(info)
            out.append(flag("PDF_EDITED", message, whole_file, file=info.path, sign="appended_revision",
                            original_end=info.original_end, revisions=info.incremental_updates))
        pages = info.hidden_text_disagreeing_pages
        if pages:
            where = "、".join(str(p) for p in pages[:20]) + ("等" if len(pages) > 20 else "")
            message = f"扫描件 {info.path} 有编辑痕迹：第 {where} 页的隐藏文字层与图像识别出的内容不一致"
            out.append(flag("PDF_EDITED", message, [Source(file=info.path, page=p) for p in pages], file=info.path,
                            sign="hidden_text_disagrees", pages=pages))
    return out


def blacklist_flags(ex: DossierExtraction, ctx: RunContext) -> list[Flag]:
    id_number = ex.field("id_number")
    if not id_number or ctx.blacklist_lookup is None:
        return []
    on = parse_iso(ex.field("submission_date")) or ctx.processing_date
    entries = ctx.blacklist_lookup(str(id_number), on)
    if not entries:
        return []
    parts = [
        f"{e.get('reason') or '未注明原因'}（来源：{e.get('source') or '未注明'}，{e.get('start_date')} 至 {e.get('expiry_date')}）"
        for e in entries
    ]
    return [
        flag(
            "BLACKLIST_HIT",
            f"申报人（身份证号码 {mask_id(str(id_number))}）在{on.isoformat()}处于失信黑名单期内：" + "；".join(parts),
            _field_source(ex, "id_number"),
            entries=[e.get("entry_id") for e in entries],
        )
    ]
