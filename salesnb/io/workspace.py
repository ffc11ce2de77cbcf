"""Loading a workspace folder: every table, then the checks across tables, then masking.

:func:`load_workspace` is the one place a :class:`~salesnb.io.model.Workspace`
is assembled; the per-file reader it calls is :func:`~salesnb.io.reader.read_table_file`
unless a caller passes its own (the prepare cache does).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from ..config import CONFIG_FILE, TableSource, WorkspaceConfig, load_config
from ..errors import ConfigError, DataError, Problem, QualityNote
from ..longtail import group_tables, grouping_note
from ..privacy import Masker
from ..schemas import TABLE_NAMES, Table, table_contract
from .crosscheck import (
    check_unknown_customers,
    empty_after_set_aside,
    extreme_amount_problems,
    fill_regions,
    many_values_notes,
    near_duplicate_notes,
    quarantine_dates,
    repair_zero_padding,
    stray_late_row_notes,
)
from .files import candidate_files, find_table_file
from .headers import source_column_problems
from .masking import contact_list, mask_note, mask_personal_data
from .model import Source, Workspace
from .rules import register_problems
from .reader import TableFileReader, TableRead, aside_frame, read_table_file
from .scales import scale_config_problems


REQUIRED_TABLES: tuple[str, ...] = ("sales", "customers")
"""Tables a workspace must have; the others are optional."""


def _ignored_files(root: Path, name: str, used: Path) -> list[QualityNote]:
    """A warning when other files for the same table exist next to the one read."""
    others = [p.name for p in candidate_files(root, name) if p.resolve() != used.resolve()]
    if not others:
        return []
    return [
        QualityNote(
            name, used.name, "other_files_ignored", len(others),
            f"{used.name} was read; {', '.join(others)} also exist(s) and were ignored", "warning", tuple(others),
        )
    ]


def load_workspace(path: str | Path, *, today: date | None = None, read_file: TableFileReader | None = None) -> Workspace:
    """Read, map and validate every table of a workspace folder.

    Parameters
    ----------
    path : str or Path
        Folder holding ``workspace.yaml`` and one file per table.
    today : date, optional
        The day of the run (default: today); rows dated after it are quarantined.
    read_file : TableFileReader, optional
        Reads one table file (default :func:`~salesnb.io.reader.read_table_file`);
        :mod:`salesnb.prepare` passes one that keeps each file's result in its
        cache. Everything across tables is done here whatever the reader.

    Returns
    -------
    Workspace
        Tables with personal data masked; rows set aside in ``quarantine``;
        the unmasked customer contacts in ``contacts``.

    Raises
    ------
    ConfigError
        ``workspace.yaml`` is missing or broken (checked before any table is read).
    DataError
        All problems of all tables together.

    Examples
    --------
    >>> ws = load_workspace("data/sample")   # doctest: +SKIP
    >>> sorted(ws.tables)                    # doctest: +SKIP
    ['actions', 'complaints', 'customers', 'interviews', 'sales', 'surveys']
    """
    root = Path(path)
    if not root.is_dir():
        raise ConfigError([Problem(str(path), None, None, None, "workspace folder does not exist")], "workspace folder not found")
    config = load_config(root / CONFIG_FILE)
    checks = config.checks
    contracts = _contracts(config)
    tables, sources, aside, notes = _read_tables(root, config, contracts, read_file or read_table_file)

    notes.extend(quarantine_dates(tables, sources, aside, checks.earliest_date, today or date.today()))
    notes.extend(_checked_across_tables(root, tables, sources, aside, config))
    notes.extend(near_duplicate_notes(tables["sales"], sources["sales"].file))
    notes.extend(many_values_notes(tables["sales"], sources["sales"].file, limit=checks.many_values.warn_above,
                                   keep=checks.many_values.keep if checks.many_values.group else None))
    notes.extend(stray_late_row_notes(tables["sales"], sources["sales"].file, today or date.today(), config.calendar.fiscal_year_start_month))
    notes.extend(fill_regions(tables, sources))
    groups = tuple(group_tables(tables, checks.many_values, config))  # after the regions are filled: every table alike
    notes.extend(grouping_note(g, sources["sales"].file) for g in groups)
    contacts = contact_list(tables)
    quarantine = {name: aside_frame(pieces) for name, pieces in aside.items()}
    masker = Masker.from_tables(tables)  # before masking: it needs the names as written
    masked_notes = mask_personal_data(tables, quarantine, contracts, sources, masker)
    # notes quote title and footer lines ("制表人：张三 13912345678"): they reach run.json and every report
    notes = [mask_note(n, masker) for n in notes] + masked_notes
    return Workspace(
        root=root.resolve(),
        name=root.resolve().name,
        config=config,
        tables=MappingProxyType(tables),
        sources=MappingProxyType(sources),
        notes=tuple(notes),
        quarantine=MappingProxyType(quarantine),
        contacts=contacts,
        groups=groups,
    )


def _contracts(config: WorkspaceConfig) -> dict[str, Table]:
    """Each table's contract (surveys with the configured dimensions), after checking the configuration of every table."""
    contracts = {
        name: table_contract(name, config.dimension_aliases() if name == "surveys" else None) for name in TABLE_NAMES
    }
    config_problems = [p for name in TABLE_NAMES for p in source_column_problems(contracts[name], config.tables.get(name))]
    config_problems += scale_config_problems(contracts["surveys"], config.checks.scales)
    if config_problems:
        raise ConfigError(config_problems, f"{len(config_problems)} problem(s) in {CONFIG_FILE}")
    return contracts


def _read_tables(root: Path, config: WorkspaceConfig, contracts: dict[str, Table], read_file: TableFileReader
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, Source], dict[str, list[pd.DataFrame]], list[QualityNote]]:
    """Read every table file present with ``read_file``: ``(tables, sources, rows set aside, notes)``.

    Raises DataError with the problems of every file (and of required tables that are missing).
    """
    checks = config.checks
    unit_explicit = "unit" in config.company.model_fields_set
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, Source] = {}
    aside: dict[str, list[pd.DataFrame]] = {}
    notes: list[QualityNote] = []
    problems: list[Problem] = []
    for name in TABLE_NAMES:
        source = config.tables.get(name)
        file_path = find_table_file(root, name, config)
        if file_path is None:
            problems.extend(_missing_file(name, source))
            continue
        display = source.file if source is not None else file_path.name
        try:
            result = read_file(file_path, contracts[name], source, display, config.company.unit, unit_explicit,
                               checks.scales if name == "surveys" else {})
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        tables[name], sources[name] = result.frame, result.source
        problems.extend(_currency_problems(result, display, config))
        aside[name] = [result.aside]
        notes.extend(result.notes)
        if source is None:
            notes.extend(_ignored_files(root, name, file_path))
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in workspace {root.name!r}")
    return tables, sources, aside, notes


def _missing_file(name: str, source: TableSource | None) -> list[Problem]:
    """The problem of a table without a file: the file ``workspace.yaml`` names is missing, or a required table is."""
    if source is not None:
        return [Problem(source.file, None, None, None, f"file named in {CONFIG_FILE} (tables.{name}.file) does not exist")]
    if name in REQUIRED_TABLES:
        return [
            Problem(
                f"{name}.csv", None, None, None,
                f"required table '{name}' is missing: put {name}.csv, {name}.xlsx or {name}.parquet in the workspace folder "
                f"or set tables.{name}.file in {CONFIG_FILE}",
            )
        ]
    return []


def _currency_problems(result: TableRead, display: str, config: WorkspaceConfig) -> list[Problem]:
    """A header naming another currency than ``company.currency`` (``销售额(美元)`` in a CNY workspace)."""
    problems = []
    for column, (currency, header) in getattr(result, "currencies", {}).items():
        if currency != {"RMB": "CNY"}.get(config.company.currency.upper(), config.company.currency.upper()):
            problems.append(Problem(
                display, None, f"{header} ({column})", None,
                f"the header says the amounts are in {currency} but company.currency in {CONFIG_FILE} is "
                f"{config.company.currency}: convert the amounts to {config.company.currency} before exporting, "
                f"or set company.currency: {currency} if the whole workspace is in {currency}",
            ))
    return problems


def _checked_across_tables(root: Path, tables: dict[str, pd.DataFrame], sources: dict[str, Source],
                           aside: dict[str, list[pd.DataFrame]], config: WorkspaceConfig) -> list[QualityNote]:
    """The errors across tables (empty required tables, extreme amounts, unknown customers, the action register),
    raised together; returns the notes of the repairs made on the way (ids padded back, unknown customers)."""
    checks = config.checks
    problems: list[Problem] = []
    for name in REQUIRED_TABLES:
        if tables[name].empty:
            problems.append(empty_after_set_aside(name, sources[name], aside.get(name, [])))
    problems += extreme_amount_problems(tables["sales"], sources["sales"].file, checks.extreme_amounts, config.calendar.fiscal_year_start_month)
    padding_notes = repair_zero_padding(tables, sources)
    reference_notes, reference_problems = check_unknown_customers(tables, sources, checks)
    problems += reference_problems
    if "actions" in tables:  # the register's owner/measure: a key or typed text (the contract cannot say "one of two")
        problems += register_problems(tables["actions"], sources["actions"].file)
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in workspace {root.name!r}")
    return padding_notes + reference_notes
