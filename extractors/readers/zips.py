"""Zips from the public, opened with limits: entries, sizes, compression ratio.

Both a batch (a `.zip` of dossiers) and a Word file (a zip of XML parts) are checked here before
anything is extracted from them.
"""

from __future__ import annotations

import zipfile

from dossierflow.config import Limits
from dossierflow.errors import LimitExceeded


def decode_name(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag; Python decodes
    # those as cp437. Re-decode so 评审表.pdf does not arrive as mojibake.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def check_zip(zf: zipfile.ZipFile, limits: Limits, label: str) -> list[zipfile.ZipInfo]:
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > limits.max_zip_entries:
        raise LimitExceeded(f"{label}：压缩包内文件数 {len(infos)} 超过上限 {limits.max_zip_entries}")
    total = 0
    for i in infos:
        if i.file_size > limits.max_zip_entry_bytes:
            raise LimitExceeded(
                f"{label}：压缩包内文件 {decode_name(i)} 解压后 {i.file_size} 字节，超过单个文件上限 {limits.max_zip_entry_bytes}"
            )
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > 1_000_000 and ratio > limits.max_zip_ratio:
            raise LimitExceeded(f"{label}：压缩包内文件 {decode_name(i)} 压缩比 {ratio:.0f} 异常（疑似压缩炸弹）")
        total += i.file_size
    if total > limits.max_zip_total_bytes:
        raise LimitExceeded(f"{label}：压缩包解压后共 {total} 字节，超过上限 {limits.max_zip_total_bytes}")
    return infos
