"""What a run refuses before it starts, and where it writes: names, parameters, free space, the action register.

Here: the output folder's name (:func:`check_folder_name`), papermill's parameters (:func:`check_parameters`),
the preflight of every place the run writes (:func:`preflight`: free space, the action register not open in
Excel nor read-only, :func:`check_register_writable`), a register outside the workspace
(:func:`check_register_location`) and the message of a full disk. Not here: the run that calls them
(:mod:`salesnb.report.run`).
"""
from __future__ import annotations

import errno
import keyword
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from ..config import CONFIG_FILE
from ..errors import RunRefused
from ..improve import REGISTER_HISTORY

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def check_folder_name(name: str) -> str:
    """``name`` if it is safe as a folder name of the output tree, else ``RunRefused``.

    The workspace folder's name becomes ``<out>/<name>/``: it must not be
    empty, start with ``.`` or ``-``, or hold path separators, control
    characters or characters Windows refuses (``:*?"<>|``).

    >>> check_folder_name("华信 2025")
    '华信 2025'
    """
    if not name or name.startswith((".", "-")) or _UNSAFE_NAME.search(name) or len(name) > 120 or name != name.strip():
        raise RunRefused(
            f"workspace folder name {name!r} cannot be used for the output folder: rename the folder "
            "(letters, digits, spaces, - and _; not starting with . or -)"
        )
    return name


def check_parameters(params: dict) -> dict:
    """``params`` if every name is a Python identifier (not a keyword) and every value text without NUL, else ``RunRefused``.

    papermill writes the parameters into the notebooks' code, so nothing else
    may reach it.

    >>> check_parameters({"period": "2025Q4"})
    {'period': '2025Q4'}
    """
    bad = [k for k, v in params.items()
           if not (isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k) and isinstance(v, str) and "\x00" not in v)]
    if bad:
        raise RunRefused(f"parameters {', '.join(map(repr, bad))} are not identifiers with text values")
    return params


MIN_FREE_MB = 50
"""Free space a run needs on the output file system at least (``SALESNB_MIN_FREE_MB`` overrides);
more when the last period folder was larger (:func:`preflight`)."""
_FREE_FACTOR = 3


def _min_free_bytes() -> int:
    try:
        return int(float(os.environ.get("SALESNB_MIN_FREE_MB", MIN_FREE_MB)) * 2**20)
    except ValueError:
        return MIN_FREE_MB * 2**20


def _mb(n: float) -> str:
    """Bytes as megabytes, one decimal below 10 MB."""
    mb = n / 2**20
    return f"{mb:.1f}" if mb < 10 else f"{mb:,.0f}"


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def _last_period_folder(base: Path) -> Path | None:
    folders = [p for p in base.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}(Q[1-4])?", p.name)] if base.is_dir() else []
    return max(folders, key=lambda p: p.stat().st_mtime) if folders else None


def _probe_write(folder: Path) -> None:
    """Create and remove a small file in ``folder`` (OSError when it cannot be written)."""
    fd, name = tempfile.mkstemp(prefix=".salesnb-probe-", dir=folder)
    os.close(fd)
    os.unlink(name)


def _excel_owner_file(register: Path) -> Path | None:
    """Excel's owner file beside ``register`` (``~$actions.xlsx``: the workbook is open in Excel), or ``None``."""
    name = register.name
    for candidate in ("~$" + name, "~$" + name[1:], "~$" + name[2:]):  # Office shortens long names by one or two characters
        if (register.parent / candidate).exists():
            return register.parent / candidate
    return None


def preflight(base: Path, register: Path | None) -> None:
    """Check every place the run will write, before the first notebook starts.

    - the output folder ``base`` (``<out>/<workspace>``) can be created and written;
    - its file system has at least ``max(MIN_FREE_MB, 3 × the last period folder)`` free;
    - the action register (when given) is not open in Excel (no ``~$<name>`` owner
      file beside it), not read-only, and its folder and ``actions.history/`` can
      be written, with room for the new version and its history copy.

    Raises
    ------
    RunRefused
        Saying what is wrong and what to do.
    """
    try:
        base.mkdir(parents=True, exist_ok=True)
        _probe_write(base)
    except OSError as exc:
        raise RunRefused(f"cannot write to the output folder {base} ({exc.strerror or exc}): choose another --out, "
                         "or get write access to it, and run again") from None
    last = _last_period_folder(base)
    need = max(_min_free_bytes(), _FREE_FACTOR * _folder_bytes(last) if last is not None else 0)
    free = shutil.disk_usage(base).free
    if free < need:
        why = f"{_FREE_FACTOR} × the last period folder {last.name}, at least" if last is not None else "at least"
        raise RunRefused(f"only {_mb(free)} MB free on the file system of {base}; a run needs about "
                         f"{_mb(need)} MB ({why} {_mb(_min_free_bytes())} MB): free some space or "
                         "choose another --out, then run again")
    if register is not None:
        check_register_writable(register)


def check_register_writable(register: Path) -> None:
    """The register part of :func:`preflight` (run again just before publishing:
    the register may have been opened in Excel while the notebooks ran)."""
    owner = _excel_owner_file(register)
    if owner is not None:
        raise RunRefused(f"{register.name} is open in Excel (its lock file {owner.name} is beside it in {register.parent}): "
                         f"close {register.name} in Excel and run again. If Excel is not running, delete {owner}")
    if register.exists():
        mode = register.stat().st_mode
        if not register.is_file():
            raise RunRefused(f"the action register {register} is not a file: point tables.actions.file in {CONFIG_FILE} at the register file")
        if not mode & stat.S_IWUSR or not os.access(register, os.W_OK):
            raise RunRefused(f"the action register {register} is read-only, and the run writes the updated register back "
                             f"to it: clear its read-only flag (file Properties, or chmod u+w) and run again")
        try:
            with open(register, "ab"):
                pass
        except OSError as exc:
            raise RunRefused(f"cannot write the action register {register} ({exc.strerror or exc}): close it in any "
                             "program that has it open and run again") from None
    history = register.parent / REGISTER_HISTORY
    for folder, what in ((register.parent, "the folder of the action register"), (history, f"the register's history folder {REGISTER_HISTORY}/")):
        if folder == history and not history.exists():
            continue
        try:
            if not folder.is_dir():
                raise NotADirectoryError(20, "not a folder")
            _probe_write(folder)
        except OSError as exc:
            raise RunRefused(f"cannot write to {what} ({folder}: {exc.strerror or exc}); the run writes the updated "
                             "register and a copy of the replaced one there: get write access to it and run again") from None
    size = register.stat().st_size if register.exists() else 0
    free = shutil.disk_usage(register.parent).free
    if free < 2 * size + 2**20:
        raise RunRefused(f"only {_mb(free)} MB free beside the action register {register}: it needs room for the "
                         "new version and the history copy; free some space and run again")


def check_register_location(root: Path, register: Path, allow_outside: bool) -> None:
    """Refuse a register outside the workspace (after resolving ``..`` and symlinks) unless allowed."""
    if allow_outside or register.is_relative_to(root):
        return
    raise RunRefused(
        f"the action register resolves to {register}, outside the workspace {root} (tables.actions.file in "
        f"{CONFIG_FILE}, or a symbolic link); a run writes the updated register back where it is read, and "
        "writes nothing outside the workspace unless told to: move the register into the workspace folder and set "
        "tables.actions.file to its path there, or run again with --allow-register-outside"
    )


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC


def _disk_full_refusal(where: str, final: Path) -> RunRefused:
    earlier = f"the earlier {final} is intact" if final.exists() else f"no {final.name} folder was created"
    return RunRefused(f"the disk is full (no space left on device while writing {where}): nothing was published, "
                      f"{earlier} and the action register was not touched. Free some space, or choose another --out, "
                      "and run again")
