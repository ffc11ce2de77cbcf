"""A small deterministic all-pairs (pairwise) covering generator.

Every pair of levels of every two factors appears together in at least one
row. The rows are built greedily (in the manner of AETG): each new row starts
from each still-uncovered pair of the two largest factors in turn, fills the
other factors one by one with the level that covers most uncovered pairs
(ties: the earlier level), and the row covering most is kept. No randomness:
the same factors give the same rows.

``moot(row)`` may name the factors that mean nothing in a row (survey
dimensions when there is no survey table): a pair with a moot factor neither
needs covering nor counts as covered, and the moot factor takes its first
level. The smallest possible number of rows is the product of the two largest
level counts (:func:`lower_bound`).

Run ``python tests/shapes/pairwise.py`` to print the matrix's shapes.
"""
from __future__ import annotations

from itertools import combinations
from typing import Callable

Row = dict[str, object]


def _required(factors: dict[str, list], moot: Callable[[Row], set]) -> set[tuple]:
    pairs = set()
    names = list(factors)
    for a, b in combinations(names, 2):
        for x in factors[a]:
            for y in factors[b]:
                row = {a: x, b: y}
                if not moot(row) & {a, b}:
                    pairs.add((a, x, b, y))
    return pairs


def pairs_of(row: Row, factors: dict[str, list], moot: Callable[[Row], set] = lambda r: set()) -> set[tuple]:
    """The pairs a full row covers (pairs with a factor moot in the row left out)."""
    off = moot(row)
    names = [n for n in factors if n not in off]
    return {(a, row[a], b, row[b]) for a, b in combinations(names, 2)}


def lower_bound(factors: dict[str, list]) -> int:
    sizes = sorted((len(v) for v in factors.values()), reverse=True)
    return sizes[0] * sizes[1] if len(sizes) > 1 else sizes[0]


def all_pairs(factors: dict[str, list], moot: Callable[[Row], set] = lambda r: set()) -> list[Row]:
    """Rows (factor → level) covering every pair of levels of every two factors.

    Parameters
    ----------
    factors : dict
        Factor name → its levels (the first level is the default).
    moot : callable, optional
        ``moot(partial_row) -> set of factor names`` that mean nothing given the
        levels already in the row.

    Examples
    --------
    >>> rows = all_pairs({"a": [1, 2], "b": ["x", "y"], "c": [True, False]})
    >>> len(rows)
    4
    """
    names = list(factors)
    uncovered = _required(factors, moot)
    order = sorted(names, key=lambda n: -len(factors[n]))
    first, second = order[0], order[1] if len(order) > 1 else order[0]
    rows: list[Row] = []

    def gain(row: Row) -> int:
        return len(pairs_of(row, factors, moot) & uncovered)

    def complete(seed: Row) -> Row:
        row = dict(seed)
        for n in order:
            if n in row:
                continue
            best, best_gain = None, -1
            for level in factors[n]:
                trial = {**row, n: level}
                if n in moot(trial):
                    best = factors[n][0]
                    break
                off = moot(trial)
                g = sum(1 for m in row if m not in off and
                        ((m, row[m], n, level) in uncovered or (n, level, m, row[m]) in uncovered))
                if g > best_gain:
                    best, best_gain = level, g
            row[n] = best
        # moot factors take their first level
        for n in moot(row):
            row[n] = factors[n][0]
        return {n: row[n] for n in names}

    while uncovered:
        seeds = [(a, x, b, y) for (a, x, b, y) in sorted(uncovered, key=_key(factors)) if {a, b} == {first, second}]
        if not seeds:
            seeds = sorted(uncovered, key=_key(factors))[:50]
        best, best_gain = None, -1
        for a, x, b, y in seeds:
            row = complete({a: x, b: y})
            g = gain(row)
            if g > best_gain:
                best, best_gain = row, g
        if best_gain <= 0:  # cannot happen with a consistent moot(); guard against an endless loop
            raise RuntimeError(f"pairs that no row can cover: {sorted(uncovered, key=_key(factors))[:5]}")
        rows.append(best)
        uncovered -= pairs_of(best, factors, moot)
    return rows


def _key(factors: dict[str, list]):
    pos = {n: i for i, n in enumerate(factors)}
    return lambda p: (pos[p[0]], factors[p[0]].index(p[1]), pos[p[2]], factors[p[2]].index(p[3]))


def uncovered_pairs(rows: list[Row], factors: dict[str, list], moot: Callable[[Row], set] = lambda r: set()) -> set[tuple]:
    """The pairs that no row covers (empty for a pairwise matrix)."""
    need = _required(factors, moot)
    for row in rows:
        need -= pairs_of(row, factors, moot)
    return need


if __name__ == "__main__":  # print the shape matrix
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from shapes.matrix import describe

    print(describe())
