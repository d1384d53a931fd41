"""Batch → dossiers: which entries are dossiers, which files each holds, keyed on content.

A batch is a folder or a `.zip` of one; each root entry is a dossier folder, a bound PDF or a
`.zip` of either. Zips are opened with limits (entries, sizes, compression ratio, path safety)
because they come from the public. Nothing here reads a document: it only lists and hashes.
"""

from __future__ import annotations

import logging
import shutil
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Iterable, Optional

from dossierflow.batch import load_batch_info
from dossierflow.config import Limits
from dossierflow.errors import BatchInvalid, BatchNotFound, CorruptFile, LimitExceeded
from dossierflow.failures import technical

# Re-exported: the pipeline and the flows take a batch's dossiers from here.
from dossierflow.inputs import BatchInput, DossierInput, InputFile, sha256_file  # noqa: F401
from extractors.readers.zips import check_zip, decode_name

log = logging.getLogger(__name__)

BATCH_YAML_NAMES = ("batch.yaml", "batch.yml")
# A document lying at the batch root: it belongs in a dossier's folder.
LOOSE_FILE_REASON = "批次根目录下只应放置档案文件夹、装订 PDF 或压缩包，此文件已跳过"
# Files that file managers and archivers leave behind; reported as skipped, never fatal.
_JUNK_NAMES = {"thumbs.db", ".ds_store", "desktop.ini", "__macosx"}


def _is_junk(name: str) -> bool:
    return name.lower() in _JUNK_NAMES or name.startswith(".") or name.startswith("~$")


# ---------------------------------------------------------------------------------------------
# Zip handling with limits
# ---------------------------------------------------------------------------------------------


def _safe_member_path(name: str) -> Optional[PurePosixPath]:
    """The member's path if it stays inside the extraction folder, else None."""
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or any(part in ("..", "") for part in p.parts[:-1]) or ".." in p.parts:
        return None
    return p


def extract_zip(archive: Path, dest: Path, limits: Limits, label: str) -> list[str]:
    """Extract with limits; returns problems (members skipped). Raises FileRejected on a bad zip."""
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        # A damaged central directory shows up as any of these (UnicodeDecodeError is a
        # ValueError: a name flagged UTF-8 that is not).
        log.info("zip %s cannot be opened: %s", label, technical(exc))
        raise CorruptFile(f"{label}：压缩包已损坏，无法打开；请重新压缩后再提交") from exc
    with zf:
        infos = check_zip(zf, limits, label)
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for info in infos:
            name = decode_name(info)
            rel = _safe_member_path(name)
            mode = (info.external_attr >> 16) & 0o170000
            if rel is None or mode == stat.S_IFLNK:
                problems.append(f"{label}：已跳过不安全的压缩包成员 {name}")
                continue
            target = dest.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with zf.open(info) as src, target.open("wb") as out:
                    # Count real bytes: a forged header can understate the size.
                    while block := src.read(1 << 20):
                        written += len(block)
                        if written > limits.max_zip_entry_bytes:
                            raise LimitExceeded(f"{label}：压缩包内文件 {name} 实际解压大小超过上限")
                        out.write(block)
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, zlib.error, ValueError) as exc:
                target.unlink(missing_ok=True)
                problems.append(f"{label}：压缩包成员 {name} 无法解压（{exc}）")
            except RuntimeError as exc:  # encrypted member
                target.unlink(missing_ok=True)
                problems.append(f"{label}：压缩包成员 {name} 已加密，无法解压（{exc}）")
    return problems


def _single_top_folder(folder: Path) -> Path:
    """A zip of `A0003/` holds one folder with everything in it: descend into it."""
    entries = [p for p in folder.iterdir() if not _is_junk(p.name)]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder


# ---------------------------------------------------------------------------------------------
# Listing the batch
# ---------------------------------------------------------------------------------------------


def _walk_files(folder: Path, rel_prefix: str, problems: list[str]) -> Iterable[Path]:
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            # A link may point anywhere on the machine: never followed, always reported.
            problems.append(f"文件 {rel_prefix}/{p.relative_to(folder).as_posix()} 是符号链接，出于安全考虑未读取")
            continue
        if not p.is_file():
            continue
        if any(_is_junk(part) for part in p.relative_to(folder).parts):
            continue
        yield p


def _files_of_folder(folder: Path, rel_prefix: str, limits: Limits, problems: list[str]) -> list[InputFile]:
    files = []
    for p in _walk_files(folder, rel_prefix, problems):
        size = p.stat().st_size
        rel = f"{rel_prefix}/{p.relative_to(folder).as_posix()}"
        if size > limits.max_file_bytes:
            problems.append(f"文件 {rel} 大小 {size} 字节，超过上限 {limits.max_file_bytes}，未读取")
            continue
        files.append(InputFile(rel=rel, path=p, sha256=sha256_file(p), size=size))
    return files


def _read_dossier(entry: Path, work: Path, limits: Limits) -> DossierInput:
    name = entry.name
    if entry.is_dir():
        d = DossierInput(dossier_id=name, entry=name)
        d.files = _files_of_folder(entry, name, limits, d.problems)
        if not d.files:
            d.error = f"档案 {name} 为空文件夹，没有可读取的材料"
        return d
    stem, suffix = entry.stem, entry.suffix.lower()
    d = DossierInput(dossier_id=stem, entry=name)
    if suffix == ".zip":
        dest = work / "unzipped" / stem
        try:
            d.problems += extract_zip(entry, dest, limits, name)
        except (LimitExceeded, CorruptFile) as exc:
            d.error = str(exc)
            return d
        d.files = _files_of_folder(_single_top_folder(dest), name, limits, d.problems)
        if not d.files:
            d.error = f"压缩包 {name} 中没有可读取的材料"
        return d
    size = entry.stat().st_size
    if size == 0:
        d.error = f"文件 {name} 为空（0 字节）"
        return d
    if size > limits.max_file_bytes:
        d.error = f"文件 {name} 大小 {size} 字节，超过上限 {limits.max_file_bytes}"
        return d
    d.files = [InputFile(rel=name, path=entry, sha256=sha256_file(entry), size=size)]
    return d


def open_batch(batch: Path, work: Path, limits: Limits) -> BatchInput:
    """List the batch. `work` is a scratch folder (under OUT) for unzipped content."""
    if not batch.exists():
        raise BatchNotFound(f"找不到批次：{batch}")
    root = batch
    if batch.is_file():
        if batch.suffix.lower() != ".zip":
            raise BatchNotFound(f"批次应为文件夹或其 .zip 压缩包，而不是 {batch.name}")
        root = work / "batch"
        try:
            problems = extract_zip(batch, root, limits, batch.name)
        except (LimitExceeded, CorruptFile) as exc:
            raise BatchInvalid(str(exc)) from exc
        root = _single_top_folder(root)
        if problems:
            # The batch zip itself had unsafe members: report them as skipped root entries.
            skipped_from_zip = [(batch.name, p) for p in problems]
        else:
            skipped_from_zip = []
    else:
        skipped_from_zip = []
    batch_id_default = batch.stem if batch.is_file() else batch.name
    yaml_path = next((root / n for n in BATCH_YAML_NAMES if (root / n).exists()), None)
    info = load_batch_info(batch_id_default, yaml_path)
    report_name = info.report if info.report and (root / info.report).exists() else None

    dossiers: list[DossierInput] = []
    skipped: list[tuple[str, str]] = list(skipped_from_zip)
    seen: dict[str, str] = {}
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        name = entry.name
        if yaml_path is not None and entry == yaml_path:
            continue
        if report_name and name == report_name:
            info.root_documents.append(name)
            continue
        if _is_junk(name) or entry.is_symlink():
            skipped.append((name, "系统或隐藏文件，已跳过"))
            continue
        if entry.is_file() and entry.suffix.lower() not in (".pdf", ".zip"):
            skipped.append((name, LOOSE_FILE_REASON))
            continue
        try:
            d = _read_dossier(entry, work, limits)
        except Exception as exc:  # noqa: BLE001 - one unreadable entry must not stop the batch
            log.warning("batch entry %s could not be listed: %s", name, technical(exc))
            d = DossierInput(
                dossier_id=entry.stem if entry.is_file() else name,
                entry=name,
                error=f"档案 {name} 无法读取：程序遇到意外情况（技术细节已记入日志）",
            )
        if d.dossier_id in seen:
            d.error = f"档案编号 {d.dossier_id} 与 {seen[d.dossier_id]} 重复，无法区分"
            d.dossier_id = f"{d.dossier_id}~{d.entry}"
        seen.setdefault(d.dossier_id, d.entry)
        dossiers.append(d)
    return BatchInput(batch_id=info.batch_id, root=root, info=info, dossiers=dossiers, skipped=skipped)


def no_dossiers_message(batch: BatchInput, given: Path) -> str:
    """Why a batch holds no dossier, for the clerk who pointed the run at it (Chinese)."""
    if not batch.skipped:
        return f"批次 {given} 中没有档案：文件夹是空的"
    text = f"批次 {given} 中没有档案：根目录下的 {len(batch.skipped)} 项均已跳过"
    if any(reason == LOOSE_FILE_REASON for _, reason in batch.skipped):
        # Pointing the run at one applicant's folder is the usual way to get here.
        text += "；这像是单个档案的文件夹，请指定它的上一级（批次）文件夹：其中每个档案为一个子文件夹、装订 PDF 或压缩包"
    return text
