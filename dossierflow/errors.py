"""One exception hierarchy; the CLI maps each class to its exit code in one place (cli.py).

Per-file problems (`FileRejected` and its children) never reach the CLI: the dossier records
them and the batch goes on. Their message is Chinese because clerks read it in the report.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    RUN_FAILED = 1
    USAGE = 2
    INPUT_MISSING = 3
    RULEBOOK_INVALID = 4
    DATABASE = 5
    AUDIT_MISMATCH = 6
    ID_BARRED = 7
    INTERRUPTED = 130


class DossierflowError(Exception):
    exit_code: ExitCode = ExitCode.RUN_FAILED


class UsageError(DossierflowError):
    exit_code = ExitCode.USAGE


class BatchNotFound(DossierflowError):
    exit_code = ExitCode.INPUT_MISSING


class BatchInvalid(DossierflowError):
    """The batch itself (not one dossier) cannot be read: e.g. batch.yaml is malformed."""

    exit_code = ExitCode.INPUT_MISSING


class EmptyBatch(BatchInvalid):
    """The batch holds no dossier at all (an empty folder, or one dossier's own folder)."""


class PrefectStartTimeout(DossierflowError):
    """Prefect's ephemeral API (the temporary server a run starts when no PREFECT_API_URL is set)
    did not answer within its start-up timeout: the machine was too busy, not the batch at fault.
    `flows.ephemeral_api` raises it for the server a run starts; where Prefect starts one itself
    it raises a bare RuntimeError, which `cli_errors.explain` recognises."""

    exit_code = ExitCode.RUN_FAILED


class RulebookError(DossierflowError):
    exit_code = ExitCode.RULEBOOK_INVALID


class DatabaseError(DossierflowError):
    exit_code = ExitCode.DATABASE


class AuditMismatch(DossierflowError):
    exit_code = ExitCode.AUDIT_MISMATCH


class IdBarred(DossierflowError):
    """`dossier blacklist check`: the ID number is barred on that day (an answer, not a failure)."""

    exit_code = ExitCode.ID_BARRED


class FileRejected(DossierflowError):
    """A single input file cannot be used. The message is shown to clerks (Chinese)."""


class EncryptedFile(FileRejected):
    pass


class LimitExceeded(FileRejected):
    """A configured safety limit (pages, pixels, zip size/ratio, entries, XML) was exceeded."""


class ParseTimeout(FileRejected):
    pass


class UnsupportedFile(FileRejected):
    pass


class CorruptFile(FileRejected):
    pass


class WorkerLost(DossierflowError):
    """The process extracting a dossier died for a reason of its own (killed, its pool broken),
    not because of a file: the dossier is worth one more try, unlike a file that crashes its
    reader, which stays that file's problem."""


class ReadingStopped(WorkerLost):
    """The run was interrupted (SIGTERM, Ctrl-C) and its reading stopped: the dossier was not
    read, through no fault of its files, and nothing of it is kept; the next run reads it."""
