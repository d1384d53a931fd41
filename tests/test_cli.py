"""The `dossier` command as a user types it: exit codes, one Chinese line, no traceback.

Every test runs the real console script in a subprocess and reads its exit code and its output.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Optional

import pytest

try:  # tests/ may or may not be a package
    from tests.conftest import ROOT, dossier_cmd
except ImportError:
    from conftest import ROOT, dossier_cmd

CJK = re.compile(r"[\u4e00-\u9fff]")


def dossier(*args: str, cwd: Path, env: Optional[dict] = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    full_env["DOSSIER_DATA_DIR"] = str(cwd / "data")
    full_env.setdefault("PREFECT_HOME", str(cwd / "prefect"))
    full_env.update(env or {})
    if "PYTHONPATH" not in full_env:
        full_env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([*dossier_cmd(), *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=str(cwd))


def assert_one_chinese_line(proc: subprocess.CompletedProcess, code: int, *fragments: str) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == code, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines, "nothing on standard error"
    last = lines[-1]
    assert CJK.search(last), last
    for fragment in fragments:
        assert fragment in last, f"{fragment!r} not in {last!r}"
    return last


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """A batch with one dossier folder (its document is never read: every test here fails
    before reading, or is about listing)."""
    root = tmp_path / "batch"
    (root / "A0001").mkdir(parents=True)
    (root / "A0001" / "申报表.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return root


@pytest.fixture
def unreadable_batch(tmp_path: Path) -> Path:
    """A batch that fails as soon as it is opened (exit 3): an error about anything else shows
    that it was reported before the batch was read."""
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 not a zip")
    return path


# -- usage errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, fragments",
    [
        ([], ["缺少命令", "run"]),
        (["nosuch"], ["nosuch", "run"]),
        (["review"], ["缺少命令", "verify"]),
        (["run", "{batch}"], ["--out"]),
        (["run", "{batch}", "--out", "{out}", "--bogus"], ["--bogus"]),
        (["run", "{batch}", "--out", "{out}", "--workers", "abc"], ["--workers", "'abc'", "整数"]),
        (["run", "{batch}", "--out", "{out}", "--workers", "0"], ["--workers"]),
        (["run", "{batch}", "--out", "{out}", "--date", "2020-13-01"], ["--date", "2020-13-01"]),
        (["run", "{batch}", "--out"], ["--out"]),
        (["run", "{batch}", "extra", "--out", "{out}"], ["extra"]),
        (["blacklist", "check"], ["ID_NUMBER"]),
    ],
    ids=["bare", "unknown-command", "bare-group", "no-out", "unknown-option", "workers-abc", "workers-0", "bad-date", "option-without-value", "extra-argument", "missing-argument"],
)
def test_usage_errors_exit_2_with_one_chinese_line(tmp_path: Path, batch: Path, args: list[str], fragments: list[str]) -> None:
    filled = [a.format(batch=batch, out=tmp_path / "out") for a in args]
    proc = dossier(*filled, cwd=tmp_path)
    assert_one_chinese_line(proc, 2, *fragments)
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [[], ["run"], ["blacklist"]])
def test_h_is_help(tmp_path: Path, command: list[str]) -> None:
    short = dossier(*command, "-h", cwd=tmp_path)
    long = dossier(*command, "--help", cwd=tmp_path)
    assert short.returncode == long.returncode == 0, short.stderr
    assert "Usage" in short.stdout and short.stdout == long.stdout
    assert short.stderr == ""


# -- settings from the environment ----------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("DOSSIER_LIMIT_FILE_TIMEOUT_S", "abc", "数字"),
        ("DOSSIER_LIMIT_MAX_PAGES_PER_FILE", "2.9", "整数"),
        ("DOSSIER_LIMIT_OCR_DPI", "0", "大于 0"),
        ("DOSSIER_LIMIT_MAX_ZIP_RATIO", "inf", "有限"),
        ("DOSSIER_LIMIT_OCR_DPY", "150", "DOSSIER_LIMIT_OCR_DPI"),
        ("DOSSIER_WORKERS", "abc", "整数"),
        ("DOSSIER_WORKERS", "-2", "大于 0"),
        ("DOSSIER_LOG_LEVEL", "loud", "WARNING"),
    ],
)
def test_bad_setting_is_a_usage_error_naming_the_variable(tmp_path: Path, unreadable_batch: Path, name: str, value: str, fragment: str) -> None:
    proc = dossier("run", str(unreadable_batch), "--out", str(tmp_path / "out"), "--no-db", cwd=tmp_path, env={name: value})
    assert_one_chinese_line(proc, 2, name, fragment)
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


# -- --version -----------------------------------------------------------------------------


def test_version_names_dossierflow_rulebook_and_engines(tmp_path: Path) -> None:
    from dossierflow import __version__
    from validators.rulebook import load_rulebook

    proc = dossier("--version", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    shown = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    assert shown["dossierflow"] == __version__
    rulebook = load_rulebook("baotou-2020")
    assert shown["rulebook"] == f"baotou-2020@{rulebook.content_hash[:8]}"
    assert re.match(r"\d+\.\d+", shown["tesseract"]), shown
    assert shown["chi_sim"] not in ("", "missing")
    assert shown["name_recogniser"]
    assert re.fullmatch(r"extract-[0-9a-f]{12}", shown["extractor"]), shown


def test_version_with_a_bad_rulebook_is_a_rulebook_error(tmp_path: Path) -> None:
    proc = dossier("--version", cwd=tmp_path, env={"DOSSIER_RULEBOOK": "nowhere-1999"})
    assert_one_chinese_line(proc, 4, "nowhere-1999")


# -- --db -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["notaurl", "postgres:/db/x", "./history.sqlite", "mysql://u@h/db", "sqlite://", "http://h/db"])
@pytest.mark.parametrize("how", ["option", "env"])
def test_db_that_is_not_a_supported_url_is_a_usage_error(tmp_path: Path, batch: Path, value: str, how: str) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    args = ["run", str(batch), "--out", str(tmp_path / "out")]
    env = {}
    if how == "option":
        args += ["--db", value]
    else:
        env["DOSSIER_DB"] = value
    proc = dossier(*args, cwd=work, env=env)
    assert_one_chinese_line(proc, 2, repr(value), "sqlite:///")
    assert list(work.iterdir()) == [], "a file or folder was created for a mistyped --db"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [["blacklist", "list"], ["review", "list"]])
def test_other_commands_refuse_a_bare_path_too(tmp_path: Path, command: list[str]) -> None:
    proc = dossier(*command, "--db", "notaurl", cwd=tmp_path)
    assert_one_chinese_line(proc, 2, "'notaurl'")
    assert not (tmp_path / "notaurl").exists()


def test_a_password_in_a_mistyped_url_is_not_shown(tmp_path: Path, batch: Path) -> None:
    proc = dossier("run", str(batch), "--out", str(tmp_path / "out"), "--db", "postgres:/clerk:s3cret@db.local/x", cwd=tmp_path)
    assert_one_chinese_line(proc, 2)
    assert "s3cret" not in proc.stderr


# -- database and rulebook are checked before anything is read ------------------------------


def test_the_broken_batch_fixture_really_fails_on_opening(tmp_path: Path, unreadable_batch: Path) -> None:
    proc = dossier("run", str(unreadable_batch), "--out", str(tmp_path / "out"), "--no-db", cwd=tmp_path)
    assert_one_chinese_line(proc, 3)


def test_unreachable_database_is_reported_before_reading(tmp_path: Path, unreadable_batch: Path) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    url = "postgresql://clerk:s3cret@127.0.0.1:1/dossiers"
    proc = dossier("run", str(unreadable_batch), "--out", str(tmp_path / "out"), "--db", url, cwd=tmp_path)
    assert_one_chinese_line(proc, 5, "无法打开数据库", "127.0.0.1")
    assert "s3cret" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_sqlite_folder_that_cannot_be_made_is_a_database_error(tmp_path: Path, unreadable_batch: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    proc = dossier("run", str(unreadable_batch), "--out", str(tmp_path / "out"), "--db", f"sqlite:///{blocker}/sub/db.sqlite", cwd=tmp_path)
    assert_one_chinese_line(proc, 5, str(blocker))


@pytest.mark.postgres
def test_wrong_credentials_are_reported_before_reading(tmp_path: Path, unreadable_batch: Path) -> None:
    pg = os.environ.get("DOSSIER_TEST_PG_URL")
    if not pg:
        pytest.skip("DOSSIER_TEST_PG_URL is not set")
    from sqlalchemy.engine import make_url

    wrong = make_url(pg).set(username="no_such_role_dossierflow", password="wrong").render_as_string(hide_password=False)
    proc = dossier("run", str(unreadable_batch), "--out", str(tmp_path / "out"), "--db", wrong, cwd=tmp_path)
    assert_one_chinese_line(proc, 5, "无法打开数据库")
    assert "wrong" not in proc.stderr.replace("no_such_role", "")


@pytest.mark.parametrize("rulebook", ["nowhere-1999", "{tmp}/missing.yaml", "{tmp}/broken.yaml"])
def test_bad_rulebook_is_reported_before_reading(tmp_path: Path, unreadable_batch: Path, rulebook: str) -> None:
    (tmp_path / "broken.yaml").write_text("rules: [unclosed\n  - x", encoding="utf-8")
    value = rulebook.format(tmp=tmp_path)
    proc = dossier("run", str(unreadable_batch), "--out", str(tmp_path / "out"), "--no-db", "--rulebook", value, cwd=tmp_path)
    assert_one_chinese_line(proc, 4, "规则手册")
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


# -- batches without dossiers ---------------------------------------------------------------


def test_empty_folder_is_exit_3(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = dossier("run", str(empty), "--out", str(tmp_path / "out"), "--no-db", cwd=tmp_path)
    assert_one_chinese_line(proc, 3, "没有档案", "空")
    assert not (tmp_path / "out" / "results.jsonl").exists()


def test_one_dossiers_folder_is_exit_3_and_says_what_was_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "A0001"
    folder.mkdir()
    names = ["评审表.docx", "身份证.jpg", "说明.txt"]
    for name in names:
        (folder / name).write_bytes(b"not read")
    proc = dossier("run", str(folder), "--out", str(tmp_path / "out"), "--no-db", cwd=tmp_path)
    last = assert_one_chinese_line(proc, 3, "没有档案", "单个档案", "上一级")
    skipped = [line for line in proc.stderr.splitlines() if line != last]
    for name in names:
        assert any(line.startswith(f"已跳过 {name}：") for line in skipped), proc.stderr


def test_a_processed_batch_says_what_it_skipped(tmp_path: Path) -> None:
    from docx import Document

    root = tmp_path / "batch"
    (root / "A0001").mkdir(parents=True)
    doc = Document()
    doc.add_paragraph("专业技术职务任职资格评审表")
    doc.save(str(root / "A0001" / "评审表.docx"))
    (root / "清单.txt").write_text("stray", encoding="utf-8")
    proc = dossier("run", str(root), "--out", str(tmp_path / "out"), "--no-db", "--date", "2020-07-01", cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert any(line.startswith("已跳过 清单.txt：") for line in proc.stderr.splitlines()), proc.stderr
    assert (tmp_path / "out" / "results.jsonl").exists()


def test_prefect_not_starting_in_time_is_told_with_the_way_out(tmp_path: Path, batch: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A real run whose Prefect ephemeral API misses its start-up timeout (0 s: it cannot make
    it) exits 1 with a line that says so and names the settings that help, not the generic one."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    proc = dossier("run", str(batch), "--out", str(tmp_path / "out"), "--no-db", cwd=tmp_path,
                   env={"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "0"})
    assert_one_chinese_line(proc, 1, "Prefect 临时服务未能在 0 秒内启动", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                            "PREFECT_API_URL")
