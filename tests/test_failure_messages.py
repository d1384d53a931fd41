"""When the program itself fails, clerks read a Chinese sentence; the exception goes to the log.

Each test makes the failure happen for real (a reader, a rule, a dossier, a batch entry, the
database) and checks both halves: no Python exception name in what people read, the exception's
class and text in the log."""

from __future__ import annotations

import logging
import re
import zipfile

import docx
import pytest

from dossierflow.cli_errors import explain
from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, DatabaseError, DossierflowError, ExitCode
from dossierflow.failures import DOSSIER_FAILED, FILE_UNREADABLE, RULE_FAILED, RUN_FAILED

# The same test as tests/test_bad_inputs.py: a class name or a traceback reached people.
PYTHON_LEAK = re.compile(r"Traceback|\b[A-Z]\w*(Error|Exception|Interrupt|Exit|Iteration)\b|\bbuiltins\b")


def test_a_reader_bug_is_a_chinese_rejection_with_the_exception_in_the_log(monkeypatch, caplog, tmp_path):
    from extractors.readers import isolate
    from extractors.readers.isolate import _outcome, _read

    def broken(*_args, **_kwargs):
        raise KeyError("Root")

    monkeypatch.setattr(isolate, "read_file", broken)
    outcome = _read(str(tmp_path / "x.pdf"), "A0001/x.pdf", Limits())
    with caplog.at_level(logging.WARNING), pytest.raises(CorruptFile) as info:
        _outcome(outcome, Limits())
    assert str(info.value) == FILE_UNREADABLE and not PYTHON_LEAK.search(str(info.value))
    assert "A0001/x.pdf: KeyError: 'Root'" in caplog.text


def test_a_damaged_word_file_says_so_without_the_parser_exception(tmp_path, caplog):
    from extractors.readers import read_file

    good = tmp_path / "good.docx"
    docx.Document().save(str(good))
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, b"<w:document><unclosed" if item.filename == "word/document.xml" else data)
    with caplog.at_level(logging.INFO), pytest.raises(CorruptFile) as info:
        read_file(bad, "A0001/bad.docx", Limits())
    assert "Word 文件内容损坏" in str(info.value) and not PYTHON_LEAK.search(str(info.value))
    assert "XMLSyntaxError" in caplog.text


def test_a_dossier_that_fails_unexpectedly_gets_a_chinese_error(monkeypatch, tmp_path):
    import dossierflow.pipeline as pipeline
    from dossierflow.cache import ExtractionCache
    from dossierflow.ingest import DossierInput, InputFile

    def broken(*_args, **_kwargs):
        raise AttributeError("'NoneType' object has no attribute 'text'")

    monkeypatch.setattr(pipeline, "extract_dossier", broken)
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    dossier = DossierInput("A0001", "A0001", files=[InputFile("A0001/a.pdf", tmp_path / "a.pdf", "0" * 64, 8)])
    outcome = pipeline.extract_or_reuse(dossier, Limits(), ExtractionCache(tmp_path / "out"))
    assert outcome.error == DOSSIER_FAILED and not PYTHON_LEAK.search(outcome.error)


def test_a_batch_entry_that_fails_unexpectedly_gets_a_chinese_error(monkeypatch, tmp_path, caplog):
    import dossierflow.ingest as ingest

    (tmp_path / "batch" / "A0001").mkdir(parents=True)
    (tmp_path / "batch" / "A0001" / "a.pdf").write_bytes(b"%PDF-1.4")

    def broken(*_args, **_kwargs):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(ingest, "_read_dossier", broken)
    with caplog.at_level(logging.WARNING):
        batch = ingest.open_batch(tmp_path / "batch", tmp_path / "work", Limits())
    error = batch.dossiers[0].error
    assert error.startswith("档案 A0001 无法读取") and not PYTHON_LEAK.search(error)
    assert "UnicodeDecodeError" in caplog.text


def test_a_damaged_zip_says_so_without_the_exception(tmp_path, caplog):
    from dossierflow.ingest import extract_zip

    (tmp_path / "A0001.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with caplog.at_level(logging.INFO), pytest.raises(CorruptFile) as info:
        extract_zip(tmp_path / "A0001.zip", tmp_path / "out", Limits(), "A0001.zip")
    assert "压缩包已损坏" in str(info.value) and not PYTHON_LEAK.search(str(info.value))
    assert "BadZipFile" in caplog.text


def test_a_rule_bug_becomes_a_review_without_the_exception_name(monkeypatch):
    from validators import engine
    from validators.rules import REGISTRY

    spec = type("Spec", (), {"code": "PLEDGE_SIGNED", "params": None})()

    def broken(*_args):
        raise ZeroDivisionError("division by zero")

    import dataclasses

    monkeypatch.setitem(REGISTRY, "PLEDGE_SIGNED", dataclasses.replace(REGISTRY["PLEDGE_SIGNED"], func=broken))
    facts = type("Facts", (), {"ex": type("Ex", (), {"dossier_id": "A0001"})()})()
    result = engine._run(spec, facts)  # type: ignore[arg-type]
    assert result.outcome == "review"
    assert result.message == RULE_FAILED and not PYTHON_LEAK.search(result.message)


def test_an_unforeseen_failure_at_the_cli_edge_names_no_class():
    failure = explain(KeyError("x"))
    assert failure.exit_code == ExitCode.RUN_FAILED and failure.message == RUN_FAILED


def test_a_database_error_at_the_cli_edge_is_told_in_chinese(caplog):
    from sqlalchemy.exc import OperationalError

    exc = OperationalError("SELECT 1", {}, Exception("database is locked"))
    with caplog.at_level(logging.INFO):
        failure = explain(exc)
    assert failure.exit_code == ExitCode.DATABASE
    assert failure.message == "数据库错误：数据库正被其他程序占用，请稍后重试"
    assert "OperationalError" in caplog.text


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b"this is not sqlite " * 100), "该文件不是 dossierflow 的数据库"),
        (lambda p: None, "无法连接数据库服务器"),
    ],
)
def test_open_store_tells_why_in_chinese(tmp_path, caplog, make, reason):
    from dossierflow.storage import open_store

    path = tmp_path / "db.sqlite"
    make(path)
    url = f"sqlite:///{path}" if path.exists() else "postgresql+psycopg://clerk:s3cret@127.0.0.1:1/dossiers"
    with caplog.at_level(logging.INFO), pytest.raises(DatabaseError) as info:
        open_store(url)
    message = str(info.value)
    assert message.startswith("无法打开数据库") and reason in message, message
    assert not PYTHON_LEAK.search(message) and "s3cret" not in message
    assert re.search(r"\b\w*Error: ", caplog.text) and "s3cret" not in caplog.text  # the class, for developers


class _SilentServerProcess:
    """A Prefect API server process that never answers (what a machine too busy to start one in
    time looks like from the outside): running, and ended when Prefect stops it."""

    returncode = None
    stdout = stderr = None

    def poll(self) -> None:
        return None

    def terminate(self) -> None:
        pass

    def wait(self, timeout: float = 0) -> int:
        return 0

    def kill(self) -> None:
        pass


def test_prefects_start_up_timeout_says_what_happened_and_what_to_do(monkeypatch, caplog):
    """Prefect's own start of its ephemeral API, against a server that never answers, raises its
    real timeout error: the CLI edge tells it apart from an unforeseen failure, in Chinese,
    naming both ways out, with the run-failed exit code."""
    import socket

    from prefect.server.api.server import SubprocessASGIServer

    from dossierflow.errors import PrefectStartTimeout

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SubprocessASGIServer(port=port)
    monkeypatch.setattr(server, "_run_uvicorn_command", _SilentServerProcess)
    try:
        with pytest.raises(RuntimeError) as raised:
            server.start(timeout=1)
    finally:
        server.stop()
    # Wrapped by a caller, too: the cause chain is walked.
    wrapped = DossierflowError("流程失败")
    wrapped.__cause__ = raised.value

    for exc in (raised.value, wrapped):
        with caplog.at_level(logging.INFO):
            failure = explain(exc)
        assert failure.exit_code == ExitCode.RUN_FAILED == PrefectStartTimeout.exit_code
        assert failure.message != RUN_FAILED and not PYTHON_LEAK.search(failure.message)
        for words in ("Prefect 临时服务未能在", "负荷", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "PREFECT_API_URL"):
            assert words in failure.message, failure.message
    assert "Timed out while attempting to connect" in caplog.text
    # Any other RuntimeError stays an unforeseen failure.
    assert explain(RuntimeError("Timed out elsewhere")).message == RUN_FAILED
