"""Where a run's memory goes: run a command, print its output lines and, every second, the resident memory of its
process tree split by process (the run itself, the prepare child, each notebook kernel).

``run.py`` records only the peak of the whole tree; this says which processes make the peak and when. Used to
find that the 10M run's peak is two notebook kernels side by side plus the run's own process (benchmarks/README.md).

Usage::

    python benchmarks/timeline.py [--every 1.0] -- salesnb run /tmp/salesnb-bench/ws10m --out /tmp/out

Prints ``<seconds>s | <output line>`` and ``<seconds>s rss <total> GB  <process>=<GB> …`` (processes over
0.25 GB, largest first), then ``PEAK`` with the sample line of the largest total.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time

from run import _children  # noqa: E402 - benchmarks/ is the script's own folder


def process_kind(pid: int) -> str | None:
    """A short name of process ``pid``: ``kernel:<pid>`` for a notebook kernel, ``child:<pid>`` for a
    multiprocessing child (the prepare step), else the program's name; None when it has ended."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if "ipykernel" in cmd:
        return f"kernel:{pid}"
    if "multiprocessing" in cmd:
        return f"child:{pid}"
    return f"{cmd.split()[0].rsplit('/', 1)[-1][:12]}:{pid}" if cmd.strip() else None


def resident_bytes(pid: int) -> int:
    """Resident memory of ``pid`` (0 when it has ended)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError):
        return 0


def tree_sample(root: int) -> dict[str, int]:
    """Resident bytes per process of ``root``'s tree (``root`` included)."""
    tree, todo, out = _children(), [root], {}
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        kind = process_kind(pid)
        if kind is not None:
            out[kind] = resident_bytes(pid)
    return out


def sample_line(elapsed: float, parts: dict[str, int]) -> str:
    """One timeline line: the total and the processes over 0.25 GB, largest first.

    Examples
    --------
    >>> sample_line(3.0, {"kernel:7": 2 * 2**30, "python:5": 2**20})
    '    3.0s rss  2.00 GB  kernel:7=2.00'
    """
    big = sorted(((k, v) for k, v in parts.items() if v > 2**28), key=lambda kv: -kv[1])
    return f"{elapsed:7.1f}s rss {sum(parts.values()) / 2**30:5.2f} GB  " + "  ".join(f"{k}={v / 2**30:.2f}" for k, v in big)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done, peak = threading.Event(), [0, ""]

    def sample() -> None:
        while not done.is_set():
            parts = tree_sample(proc.pid)
            line = sample_line(time.perf_counter() - t0, parts)
            if sum(parts.values()) > peak[0]:
                peak[:] = [sum(parts.values()), line]
            print(line, flush=True)
            done.wait(args.every)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    for out in proc.stdout:
        print(f"{time.perf_counter() - t0:7.1f}s | {out.rstrip()}", flush=True)
    rc = proc.wait()
    done.set()
    thread.join()
    print(f"PEAK {peak[1].strip()}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
