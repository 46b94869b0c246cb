"""Run the ``tasker`` CLI under a Python audit hook (PEP 578) that notes what the process did.

Usage: python audited_tasker.py TASKER_ARGS...   ($TASKER_AUDIT_LOG: where to write the notes)

Every file opened from Python (path and whether for writing), every module imported, and every
attempt to start a process or open a network connection is written as JSON lines when the
command ends, so a test can prove what a template could not make the engine do. (SQLite opens
its own files in C, unseen here: the database files are the engine's own business.)
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
LAUNCHES = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork")
notes: list[dict[str, Any]] = []


def note(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and args and isinstance(args[0], str | bytes):
        path = os.fsdecode(args[0])
        mode, flags = (args[1] if len(args) > 1 else None), (args[2] if len(args) > 2 else 0)
        writes = bool((flags or 0) & WRITE_FLAGS) or any(c in str(mode or "") for c in "wax+")
        notes.append({"event": "open", "path": os.path.abspath(path), "write": writes})
    elif event == "import" and args:
        notes.append({"event": "import", "module": str(args[0])})
    elif event.startswith(LAUNCHES):
        notes.append({"event": "launch", "what": event, "args": repr(args)[:200]})
    elif event in ("socket.connect", "socket.bind"):
        notes.append({"event": "network", "what": event, "args": repr(args)[:200]})
    elif event in ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "shutil.rmtree", "os.chmod"):
        notes.append({"event": "file", "what": event, "path": repr(args[0])[:300]})


def main() -> int:
    log = os.environ["TASKER_AUDIT_LOG"]
    sys.addaudithook(note)
    from engine.cli import main as tasker

    try:
        return tasker(sys.argv[1:])
    finally:
        done = list(notes)
        with open(log, "a", encoding="utf-8") as out:
            for entry in done:
                out.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    sys.exit(main())
