"""Reading workers start without re-running the parent's main script.

A process started through a forkserver first re-runs its parent's `__main__` (multiprocessing's
main-module fix-up: `runpy.run_path` of the script as `__mp_main__`), so that objects defined
there unpickle in the child. For `dossier run` the script is the console entry, which imports
the whole CLI: measured at about 1 s of CPU and 419 modules in every reading worker, on top of
the readers the forkserver already holds. A reading worker needs nothing from `__main__` (its
target, its limits and the reread policies travel by their modules' names), so the forkserver
skips that step for processes carrying the reading workers' name, and only for them.
(Python 3.11's own `'__main__'` forkserver preload would not help: the forkserver is never
handed the main script's path.)
"""

from __future__ import annotations

READER_PROCESS_NAME = "dossier-reader"
_MAIN_FIXUP_KEYS = ("init_main_from_name", "init_main_from_path")


def skip_main_fixup_for_readers() -> None:
    """Called once in the forkserver: its children of the readers' name prepare without the
    main script. Other processes started through the same forkserver are left as they were."""
    from multiprocessing import spawn

    prepare = getattr(spawn, "prepare", None)
    if prepare is None or getattr(prepare, "skips_main_for_readers", False):
        return

    def prepare_child(data: dict) -> None:
        if data.get("name") == READER_PROCESS_NAME:
            data = {key: value for key, value in data.items() if key not in _MAIN_FIXUP_KEYS}
        prepare(data)

    prepare_child.skips_main_for_readers = True  # type: ignore[attr-defined]
    spawn.prepare = prepare_child
