"""Command line: ``salesnb run | prepare | validate | import | sample | strip | notebooks | questionnaire``.

Exit codes: 0 success; 1 a notebook failed (the message names each failed
step with its error; the other steps still ran and their notebooks are kept
under ``failed/``); 2 bad input, bad parameters or a refused run (another run
holds the workspace, the register is open in Excel or read-only, the disk is
full …; the message says why and what to do).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._version import __version__
from .errors import DataError, RunRefused

__all__ = ["main"]


def _print_error(err: DataError) -> None:
    print(f"error: {err}", file=sys.stderr)


def _cmd_validate(args) -> int:
    from .io import load_workspace

    ws = load_workspace(args.workspace)
    notes = ws.quality_frame()
    for src in ws.sources.values():
        print(f"{src.table:<11} {src.file:<24} {src.rows:>8} rows  {src.format}{'  ' + src.encoding if src.encoding else ''}")
    if len(notes):
        print(f"\n{len(notes)} data-quality note(s):")
        for note in notes.itertuples():
            print(f"  [{note.severity}] {note.file}: {note.rule} ×{note.count} — {note.detail}")
    print(f"\nworkspace {ws.root} is valid")
    return 0


def _cmd_run(args) -> int:
    from .report import NotebookFailed, run_period

    try:
        result = run_period(args.workspace, args.period, lang=args.lang, out=args.out, force=args.force, parallel=not args.sequential,
                            allow_register_outside=args.allow_register_outside, lock_wait=args.wait)
    except NotebookFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.index_html)
    return 0


def _cmd_prepare(args) -> int:
    """Read, validate and reduce a workspace once (or find it in the cache) and print what was done."""
    from .memory import use_jemalloc_pool
    from .prepare import prepare

    use_jemalloc_pool()  # as a run prepares (salesnb.memory)
    prepared = prepare(args.workspace, cache_dir=args.cache, force=args.force,
                       progress=(lambda m: print(f"[salesnb] {m}", file=sys.stderr, flush=True)))
    manifest = prepared.manifest
    state = "cache hit: nothing to do" if prepared.hit else f"prepared in {prepared.seconds:.1f} s"
    print(f"{state} ({prepared.reader} reader, {prepared.engine})")
    for name, info in manifest["inputs"]["files"].items():
        print(f"  {name:<11} {info['file']:<24} {info['bytes']:>14,} bytes  sha256 {info['sha256'][:12]}")
    for name, rows in manifest["aggregates"].items():
        print(f"  {name + '.parquet':<36} {rows:>10,} rows")
    print(prepared.folder)
    return 0


def _cmd_import(args) -> int:
    """Derive a workspace from an export with a mapping, validate it and print what was counted."""
    from .ingest import build_workspace

    result = build_workspace(args.export, args.mapping, args.out,
                             progress=(lambda m: print(f"[salesnb] {m}", file=sys.stderr, flush=True)))
    counts = result.counts
    print(f"{'export lines':<34} {counts['lines']:>10,}")
    for reason, n in counts["set_aside"].items():
        print(f"  set aside: {reason:<23} {n:>10,}")
    for table, n in counts.get("not_in", {}).items():
        print(f"  not in {table} (its where: condition) {n:>10,}")
    if "returns" in counts:
        print(f"{'sales lines flagged as returns':<34} {counts['returns']:>10,}")
    for table in ("sales", "customers", "surveys", "complaints", "interviews"):
        if table in counts:
            print(f"{table + ' rows written':<34} {counts[table]:>10,}")
    if result.notes:
        print(f"\n{len(result.notes)} data-quality note(s):")
        for note in result.notes:
            print(f"  [{note.severity}] {note.file}: {note.rule} ×{note.count} — {note.detail}")
    print(f"\n{result.workspace} is a valid workspace (set-aside lines and the line map: {result.workspace / 'import'})")
    return 0


def _cmd_sample(args) -> int:
    from .sample import generate_sample

    path = generate_sample(args.out, seed=args.seed)
    print(path)
    return 0


def _cmd_strip(args) -> int:
    from .report import strip_outputs

    for path in args.notebooks:
        if strip_outputs(path):
            print(f"stripped {path}")
    return 0


def _cmd_notebooks(args) -> int:
    """Print where the notebooks are, or copy them for JupyterLab with the parameters pointing at a workspace."""
    from .installation import copy_notebooks, notebooks_dir

    if args.copy is None:
        print(notebooks_dir())
        return 0
    for path in copy_notebooks(args.copy, workspace=args.workspace, period=args.period, lang=args.lang, overwrite=args.overwrite):
        print(path)
    return 0


def _cmd_questionnaire(args) -> int:
    """Write the next wave's questionnaire, platform files and mappings, or import a wave's answers (--answers)."""
    from .config import load_config
    from .questionnaire import import_wave, write_instrument

    if args.answers is not None:
        if args.mapping is None:
            raise ValueError("--answers needs --mapping (the import.yaml written for the platform)")
        result = import_wave(args.answers, args.mapping, args.workspace, args.out, keep_earlier=not args.wave_only)
        print(f"{'answers imported':<34} {result.rows:>10,}")
        for reason, n in result.set_aside.items():
            print(f"  set aside: {reason:<40} {n:>6,}")
        print(f"{'earlier answers kept':<34} {result.earlier:>10,}")
        notes = [n for n in result.notes if n.table == "surveys"]
        if notes:
            print(f"\n{len(notes)} data-quality note(s) on the surveys:")
            for note in notes:
                print(f"  [{note.severity}] {note.file}: {note.rule} ×{note.count} — {note.detail}")
        print(f"\n{result.workspace} is a valid workspace")
        return 0
    cfg = load_config(args.workspace / "workspace.yaml")
    for path in write_instrument(args.out, cfg, args.lang, diagnosis=args.diagnosis, plan=args.plan, wave=args.wave):
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesnb", description="Quarterly sales plan and customer-satisfaction improvement notebooks.")
    parser.add_argument("--version", action="version", version=f"salesnb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="validate a workspace, run the four notebooks for a period and publish the report")
    run.add_argument("workspace", type=Path, help="workspace folder (workspace.yaml + one file per table)")
    run.add_argument("--period", default=None, help="YYYYQn or YYYY (default: the latest complete quarter in the sales data)")
    run.add_argument("--lang", default="en", choices=["en", "zh"], help="report language")
    run.add_argument("--out", default="outputs", type=Path, help="output root (default: outputs/)")
    run.add_argument("--force", action="store_true", help="move an existing period folder aside instead of refusing")
    run.add_argument("--sequential", action="store_true", help="run the notebooks one at a time (default: two side by side)")
    run.add_argument("--allow-register-outside", action="store_true",
                     help="read and write back an action register that tables.actions.file places outside the workspace folder")
    run.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                     help="how long to wait for another run of the same workspace or period to finish before refusing "
                          "(default: $SALESNB_LOCK_WAIT or 5)")
    run.set_defaults(func=_cmd_run)

    prep = sub.add_parser("prepare", help="read, validate and reduce a workspace once into the cache (salesnb run does it first)")
    prep.add_argument("workspace", type=Path)
    prep.add_argument("--force", action="store_true", help="prepare again even when the cache is up to date")
    prep.add_argument("--cache", type=Path, default=None, help="cache folder (default: $SALESNB_CACHE or ~/.cache/salesnb)")
    prep.set_defaults(func=_cmd_prepare)

    val = sub.add_parser("validate", help="check a workspace against the data contract")
    val.add_argument("workspace", type=Path)
    val.set_defaults(func=_cmd_validate)

    imp = sub.add_parser("import", help="derive a workspace from a CSV/XLSX export with a mapping (docs/import.md)")
    imp.add_argument("export", type=Path, help="the export file (.csv, .csv.gz, .xlsx, .parquet)")
    imp.add_argument("--mapping", required=True, type=Path, help="import.yaml: columns, derivations, the workspace.yaml to copy")
    imp.add_argument("--out", required=True, type=Path, help="workspace folder to create (must not exist)")
    imp.set_defaults(func=_cmd_import)

    sample = sub.add_parser("sample", help="generate the demo company's workspace")
    sample.add_argument("--out", required=True, type=Path, help="folder to create")
    sample.add_argument("--seed", type=int, default=2025, help="random seed (default 2025: the bundled data/sample)")
    sample.set_defaults(func=_cmd_sample)

    strip = sub.add_parser("strip", help="remove outputs from notebooks before committing them")
    strip.add_argument("notebooks", nargs="+", type=Path)
    strip.set_defaults(func=_cmd_strip)

    nbs = sub.add_parser("notebooks", help="print the notebooks' folder, or copy them to edit in JupyterLab (--copy DIR)")
    nbs.add_argument("--copy", type=Path, default=None, metavar="DIR", help="folder to copy the four notebooks to")
    nbs.add_argument("--workspace", type=Path, default=None, help="write this workspace into each copy's parameters cell")
    nbs.add_argument("--period", default="2025Q4", help="the copies' period parameter (with --workspace)")
    nbs.add_argument("--lang", default="en", choices=["en", "zh"], help="the copies' lang parameter (with --workspace)")
    nbs.add_argument("--overwrite", action="store_true", help="replace notebooks already in DIR (default: refuse)")
    nbs.set_defaults(func=_cmd_notebooks)

    qn = sub.add_parser("questionnaire", help="write the next survey wave's questionnaire, platform files and answer mappings "
                        "(docs/survey-wave.md); with --answers, import a wave's answers into a copy of the workspace")
    qn.add_argument("workspace", type=Path, help="workspace folder (its workspace.yaml gives the dimensions and wording)")
    qn.add_argument("--out", required=True, type=Path, help="folder to write the instrument to (with --answers: the new workspace, must not exist)")
    qn.add_argument("--lang", default="en", choices=["en", "zh"], help="language of the questionnaire and the platform files")
    qn.add_argument("--diagnosis", type=Path, default=None, help="a run's artifacts/diagnosis.json: interview-guide topics")
    qn.add_argument("--plan", type=Path, default=None, help="a run's artifacts/sample_plan.csv: the strata the screening offers")
    qn.add_argument("--wave", default=None, help="label put before per-export response numbers (e.g. 2026Q1), so waves do not collide")
    qn.add_argument("--answers", type=Path, default=None, help="a platform's answer export to import (with --mapping)")
    qn.add_argument("--mapping", type=Path, default=None, help="the platform's import.yaml written by salesnb questionnaire")
    qn.add_argument("--wave-only", action="store_true", help="with --answers: the new workspace's surveys are this wave only")
    qn.set_defaults(func=_cmd_questionnaire)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DataError as err:
        _print_error(err)
        return 2
    except (RunRefused, ValueError, FileNotFoundError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
