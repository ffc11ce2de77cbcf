"""The prepare cache: its folder, the cache key of a workspace, file digests, reuse and pruning of entries.

The key hashes every input that changes what a prepare writes (the table
files, the data sections of ``workspace.yaml``, the versions and the data
layer's own source); an entry is a folder named by it. What an entry holds
and how it is read back is :mod:`salesnb.prepare.workspace`.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from .._version import __version__
from ..config import WorkspaceConfig
from ..io import find_table_file, sha256_file
from ..longtail import GROUPED_COLUMNS, pinned_values
from ..schemas import TABLE_NAMES
from .reduction import AGGREGATES


CACHE_ENV = "SALESNB_CACHE"
"""Environment variable naming the cache folder (default ``~/.cache/salesnb``)."""


FORMAT = 2
"""Layout version of a cache entry; bumping it invalidates every entry."""


KEEP_ENTRIES = 3
"""Cache entries kept per workspace (older ones are removed after a prepare)."""


HASH_MEMO_MIN_BYTES = 64 << 20
"""Files at least this large have their sha256 remembered by (size, mtime_ns) between runs."""


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$SALESNB_CACHE``, else ``~/.cache/salesnb``."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "salesnb"


def file_sha256(path: Path, memo: dict[str, Any] | None) -> str:
    """sha256 of a file; files of :data:`HASH_MEMO_MIN_BYTES` or more are remembered by (size, mtime_ns)."""
    stat = path.stat()
    big = stat.st_size >= HASH_MEMO_MIN_BYTES and memo is not None
    key = str(path.resolve())
    if big:
        seen = memo.get(key)
        if seen and seen["size"] == stat.st_size and seen["mtime_ns"] == stat.st_mtime_ns:
            return seen["sha256"]
    digest = sha256_file(path)
    if big:
        memo[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    return digest


def _memo_path(root: Path) -> Path:
    return root / "sha256-memo.json"


def load_memo(root: Path) -> dict[str, Any]:
    """The sha256 memo of big files kept in the cache folder (empty when missing or unreadable)."""
    try:
        return json.loads(_memo_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_memo(root: Path, memo: dict[str, Any]) -> None:
    """Write the sha256 memo atomically."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = _memo_path(root).with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(memo), encoding="utf-8")
    os.replace(tmp, _memo_path(root))


DATA_SECTIONS = ("company", "calendar", "tables", "survey", "checks", "source")
"""``workspace.yaml`` sections that change how tables are read or reduced (others, e.g. goals, do not invalidate the cache)."""


def input_files(root: Path, config: WorkspaceConfig) -> dict[str, Path]:
    """The file of each table present in the workspace (as :func:`salesnb.io.find_table_file` finds it)."""
    files = {}
    for name in TABLE_NAMES:
        path = find_table_file(root, name, config)
        if path is not None:
            files[name] = path
    return files


FINGERPRINTED = ("io", "parse", "schemas", "privacy", "config", "prepare", "engines", "periods", "longtail")
"""The data layer's modules and packages (a module ``x.py``, or every ``*.py`` of a package ``x/``) whose source is
part of every cache key."""


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of the data layer's own source (reader, contract, masking, engines): :data:`FINGERPRINTED`.

    Part of every cache key, so a changed rule (a new check, new masking)
    never serves data prepared by the old code, even within one version.
    """
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for name in FINGERPRINTED:
        folder, module = package / name, package / f"{name}.py"
        if not folder.is_dir() and not module.is_file():
            raise FileNotFoundError(f"salesnb.{name} is neither a module nor a package: update prepare.cache.FINGERPRINTED")
        for file in sorted(folder.rglob("*.py")) if folder.is_dir() else [module]:
            digest.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def cache_key(root: Path, config: WorkspaceConfig, today: date, memo: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """The cache key of a workspace and what went into it.

    The key is the sha256 of: the cache format, the salesnb and pandas
    versions, the data layer's source (:func:`code_fingerprint`), the day of the run, the data sections of ``workspace.yaml``
    (:data:`DATA_SECTIONS`), the long-tail grouping (``checks.many_values`` and the region and product-line
    values named elsewhere in ``workspace.yaml``, which are always kept) and every table file's name and sha256.

    Returns
    -------
    key : str
        64 hex digits.
    inputs : dict
        The parts, as written to ``manifest.json``.
    """
    files = input_files(root, config)
    settings = config.model_dump(mode="json", include=set(DATA_SECTIONS))
    inputs = {
        "format": FORMAT,
        "salesnb": __version__,
        "code": code_fingerprint(),
        "pandas": pd.__version__,
        "today": today.isoformat(),
        "config": settings,
        "grouping": _grouping_inputs(config),
        "files": {name: {"file": path.name, "sha256": file_sha256(path, memo), "bytes": path.stat().st_size} for name, path in files.items()},
    }
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return key, inputs


def _grouping_inputs(config: WorkspaceConfig) -> dict[str, Any]:
    """What decides the long-tail grouping: ``checks.many_values`` and the pinned values per column."""
    return {"many_values": config.checks.many_values.model_dump(mode="json"),
            "pinned": {c: sorted(pinned_values(config, c)) for c in GROUPED_COLUMNS}}


def workspace_dir(root: Path, cache: Path) -> Path:
    """The cache folder of one workspace: its folder name and a digest of its path."""
    tag = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:12]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in root.resolve().name)[:40]
    return cache / f"{safe}-{tag}"


def reuse_aggregates(base: Path, agg_key: str, work: Path) -> dict[str, int] | None:
    """Copy the aggregates of an entry with the same sales, customers and settings (e.g. only the action register changed)."""
    for entry in base.iterdir():
        manifest_path = entry / "manifest.json"
        if entry.name.startswith(".") or not manifest_path.is_file():
            continue
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if manifest.get("agg_key") != agg_key or not all((entry / f"{n}.parquet").is_file() for n in AGGREGATES):
            continue
        for name in AGGREGATES:
            shutil.copy2(entry / f"{name}.parquet", work / f"{name}.parquet")
        return dict(manifest["aggregates"])
    return None


def prune(base: Path, keep: Path) -> None:
    """Keep the :data:`KEEP_ENTRIES` most recently used entries of a workspace; remove stale temp folders."""
    entries = sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in entries if p != keep][KEEP_ENTRIES - 1:]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in base.glob(".prepare-*"):
        if time.time() - tmp.stat().st_mtime > 24 * 3600:
            shutil.rmtree(tmp, ignore_errors=True)
