"""`dossier run --pdf`: the HTML reports printed to PDF by headless Chromium (Debian's
`chromium` package), so the print styles of the templates (A4, rows kept whole) decide the
paper, exactly as when a clerk prints from a browser."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from dossierflow.errors import DossierflowError, UsageError

CHROMIUM_NAMES = ("chromium", "chromium-browser")
PRINT_TIMEOUT_S = 120


class PrintFailed(DossierflowError):
    pass


def find_chromium() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise UsageError("未找到 Chromium 浏览器（Debian 软件包 chromium），无法输出 PDF 报告；请安装后重试，或去掉 --pdf")


def print_pdf(html: Path, pdf: Path, chromium: str) -> Path:
    with tempfile.TemporaryDirectory(prefix="dossier-chromium-") as profile:
        tmp = pdf.with_name(f".{pdf.name}.tmp")
        cmd = [
            chromium,
            "--headless",
            # Running as root (containers, CI) Chromium refuses its sandbox; the pages are our own
            # reports with every value escaped and no scripts.
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}",
            html.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PrintFailed(f"打印 PDF 超时（{PRINT_TIMEOUT_S} 秒）：{html}") from exc
        if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            tmp.unlink(missing_ok=True)
            raise PrintFailed(f"Chromium 未能将 {html} 打印为 PDF（退出码 {proc.returncode}）：{proc.stderr[-500:]}")
        tmp.replace(pdf)
    return pdf


def print_reports(out_dir: Path) -> list[Path]:
    """OUT/report.pdf and OUT/<id>/report.pdf beside each HTML report."""
    chromium = find_chromium()
    reports = [out_dir / "report.html", *sorted(out_dir.glob("*/report.html"))]
    return [print_pdf(html, html.with_suffix(".pdf"), chromium) for html in reports if html.exists()]
