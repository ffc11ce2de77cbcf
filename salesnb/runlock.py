"""Run locks: one ``salesnb run`` at a time per workspace and per period folder.

A run holds ``<workspace>/.salesnb.lock`` from before validation until the
action register is published, and ``<out>/<workspace>/.<period>.lock`` from
before it checks whether the period folder exists until the folder is in
place. A second run waits a few seconds (``SALESNB_LOCK_WAIT``, default 5;
``salesnb run --wait``) and then refuses, naming the holder.

The lock is an ``fcntl.flock`` on the lock file where the platform has it (the
kernel releases it when the holding process dies, so a killed run never
leaves a lock behind); elsewhere the file is created with ``O_EXCL`` and a
lock whose process is gone (same host) is taken over. The file holds the
holder's pid, host and start time as JSON, for the message a waiting run
prints.
"""
from __future__ import annotations

import json
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

from .errors import RunRefused

__all__ = ["RunLock", "lock_wait_seconds", "LOCK_FILE"]

LOCK_FILE = ".salesnb.lock"
"""Name of the workspace lock file."""


def lock_wait_seconds(wait: float | None = None) -> float:
    """How long a run waits for a lock: ``wait``, else ``SALESNB_LOCK_WAIT``, else 5 s."""
    if wait is not None:
        return max(0.0, float(wait))
    try:
        return max(0.0, float(os.environ.get("SALESNB_LOCK_WAIT", "5")))
    except ValueError:
        return 5.0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class RunLock:
    """An exclusive lock on ``path`` held by this process (a context manager).

    Parameters
    ----------
    path : path
        The lock file (created; removed again on release).
    what : str
        What is locked, for the message ("workspace /data/acme").
    wait : float, optional
        Seconds to wait for another holder (default :func:`lock_wait_seconds`).

    Raises
    ------
    RunRefused
        The lock is held by another run after ``wait`` seconds (the message
        names its pid, host and start time), or the lock file cannot be created.
    """

    def __init__(self, path: str | Path, what: str, wait: float | None = None):
        self.path = Path(path)
        self.what = what
        self.wait = lock_wait_seconds(wait)
        self._fd: int | None = None

    # ------------------------------------------------------------ holder info
    @staticmethod
    def _info() -> dict:
        return {"pid": os.getpid(), "host": socket.gethostname(),
                "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}

    def holder(self) -> dict:
        """What the lock file says of its holder (empty when unreadable)."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _refuse(self, waited: float) -> RunRefused:
        h = self.holder()
        who = (f"pid {h.get('pid', '?')} on {h.get('host', '?')}, started at {h.get('started_at', '?')}"
               if h else "a process that has not written its details yet")
        return RunRefused(
            f"{self.what} is in use by another salesnb run ({who}); waited {waited:.0f} s. "
            f"Wait for that run to finish and run again (lock file {self.path})"
        )

    # ------------------------------------------------------------ acquire
    def _try_flock(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        # the previous holder may have removed the file between our open and flock: then ours is a dead inode
        try:
            same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(self._info()).encode("utf-8"))
        os.fsync(fd)
        self._fd = fd
        return True

    def _try_excl(self) -> bool:  # pragma: no cover - platforms without flock
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            h = self.holder()
            if h and h.get("host") == socket.gethostname() and not _pid_alive(int(h.get("pid", 0) or 0)):
                self.path.unlink(missing_ok=True)  # a stale lock of a process that is gone
            return False
        os.write(fd, json.dumps(self._info()).encode("utf-8"))
        self._fd = fd
        return True

    def acquire(self) -> "RunLock":
        start = time.monotonic()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            while True:
                if (self._try_flock() if fcntl is not None else self._try_excl()):
                    return self
                if time.monotonic() - start >= self.wait:
                    raise self._refuse(time.monotonic() - start)
                time.sleep(0.2)
        except OSError as exc:
            raise RunRefused(
                f"cannot create the lock file {self.path} ({exc.strerror or exc}): {self.what} must be on a writable "
                "folder; check its permissions and run again"
            ) from None

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)  # removed while still locked, so no one else holds this inode
        except OSError:
            pass
        os.close(self._fd)  # closing releases the flock
        self._fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
