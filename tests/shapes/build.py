"""Build valid workspaces of many shapes from a small slice of the sample.

``build_shape(base_dir, factors)`` writes one workspace folder: the demo
sample (``data/sample``, read through the data contract once per process),
cut down to a few hundred customers, then changed factor by factor — goals,
surveys, complaints, interviews, customer master, months of history, a closed
cohort, one region, one product line, a B2C or one-order-per-customer model,
dates before 2000, a currency without a display unit. Every table is written
as a UTF-8 CSV under its contract column names, ``workspace.yaml`` is the
sample's with the sections that the factors make meaningless pruned.

The factor names and their levels are :data:`FACTORS`; the first level of each
is the sample's own shape.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
PERIOD_END = pd.Timestamp("2025-12-31")
"""Last day of the sample's sales; every shape is run for the quarter ending here."""
SHIFT_YEARS = 30
"""Dates before 2000: every date moves back this many years (2025Q4 → 1995Q4)."""

FACTORS: dict[str, list] = {
    "history": [36, 3, 6, 9, 12, 18, 24],        # months of data up to the period end
    "surveys": ["both", "absent", "nps", "satisfaction"],   # which scores the survey file has
    "goals": ["sample", "absent", "empty"],
    "customers": ["b2b", "b2c", "order_is_customer"],
    "money": ["cny", "usd_unit", "usd_default"],  # usd_default: no display_unit key (default 万元)
    "dimensions": ["yes", "no"],                  # survey dimension columns (1–5)
    "waves": ["all", "one"],                       # survey waves: every quarter / the period's only
    "complaints": ["present", "absent"],
    "interviews": ["present", "absent"],
    "master": ["full", "id_region"],               # customer master columns
    "cohort": ["open", "closed"],                  # closed: nobody new after the first quarter
    "regions": ["all", "one"],
    "product_lines": ["all", "one"],
    "dates": ["recent", "pre2000"],
    "lang": ["en", "zh"],
}
N_CUSTOMERS = 220
"""Customers kept from the sample (seeded draw)."""
B2C_CUSTOMERS = 2400
"""Customers of the synthetic B2C shape (most buy once)."""
SEED = 14
BOOTSTRAP = 40
"""Bootstrap resamples of the driver intervals (the sample's 200 cost time, not coverage)."""


def period_of(factors: dict) -> str:
    """The period a shape is run for (the sample's last quarter, shifted with the dates)."""
    return "1995Q4" if factors.get("dates") == "pre2000" else "2025Q4"


def shape_name(factors: dict) -> str:
    """A short stable folder name (only the factors that differ from the sample's shape)."""
    parts = [f"{k}-{v}" for k, v in factors.items() if k != "lang" and v != FACTORS[k][0]]
    return "_".join(parts) or "sample"


def folder_name(factors: dict) -> str:
    """The workspace folder's name: ``shape-`` and each factor's level number in :data:`FACTORS` order
    (short: the name becomes an output folder)."""
    f = {k: factors.get(k, levels[0]) for k, levels in FACTORS.items()}
    return "shape-" + "".join(str(FACTORS[k].index(v)) for k, v in f.items())


@functools.lru_cache(maxsize=1)
def _sample_tables() -> dict[str, pd.DataFrame]:
    """The sample's tables under contract names (read once per process)."""
    from salesnb.io import load_workspace

    ws = load_workspace(SAMPLE, today=dt.date(2026, 1, 15))
    return {name: ws.table(name).reset_index(drop=True) for name in ("sales", "customers", "surveys", "complaints", "interviews")}


@functools.lru_cache(maxsize=1)
def _sample_config() -> dict:
    return yaml.safe_load((SAMPLE / "workspace.yaml").read_text(encoding="utf-8"))


def _small_sample() -> dict[str, pd.DataFrame]:
    """About :data:`N_CUSTOMERS` customers with their lines, answers, tickets and interviews."""
    t = {k: v.copy() for k, v in _sample_tables().items()}
    rng = np.random.default_rng(SEED)
    buyers = t["sales"]["customer_id"].dropna().unique()
    keep = set(rng.choice(np.sort(buyers), size=N_CUSTOMERS, replace=False))
    cust = t["customers"]
    t["customers"] = cust[cust["customer_id"].isin(keep)][[c for c in cust.columns if c not in ("contact", "phone", "email")]]
    t["sales"] = t["sales"][t["sales"]["customer_id"].isin(keep)]
    s = t["surveys"]
    share = N_CUSTOMERS / len(buyers)
    no_id = s["customer_id"].isna()
    t["surveys"] = s[s["customer_id"].isin(keep) | (no_id & (rng.random(len(s)) < share))]
    k = t["complaints"]
    t["complaints"] = k[k["customer_id"].isin(keep)]
    # interviews are few (35): keep them all, on kept key accounts
    iv = t["interviews"].copy()
    top = t["sales"].groupby("customer_id")["amount"].sum().sort_values(ascending=False).index[:len(iv)]
    iv["customer_id"] = list(top[:len(iv)]) + [top[0]] * max(0, len(iv) - len(top))
    t["interviews"] = iv
    return t


def _date_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]


def _b2c(t: dict[str, pd.DataFrame], rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Thousands of mostly one-order customers buying small amounts, over the sample's 36 months."""
    s = t["sales"]
    n = B2C_CUSTOMERS
    start = PERIOD_END - pd.DateOffset(months=36) + pd.Timedelta(days=1)
    days = (PERIOD_END - start).days + 1
    ids = np.array([f"B{i:05d}" for i in range(n)])
    regions = rng.choice(s["region"].to_numpy(), size=n)
    orders_per = np.where(rng.random(n) < 0.12, 2, 1)
    cust_of = np.repeat(np.arange(n), orders_per)
    m = len(cust_of)
    first = rng.integers(0, days, size=n)
    day = np.where(np.r_[True, cust_of[1:] != cust_of[:-1]], first[cust_of],
                   np.minimum(first[cust_of] + rng.integers(20, 300, size=m), days - 1))
    lines = s.sample(n=m, replace=True, random_state=int(rng.integers(1 << 31)))
    sales = pd.DataFrame({
        "order_id": [f"W{i:06d}" for i in range(m)],
        "order_date": start + pd.to_timedelta(day, unit="D"),
        "customer_id": ids[cust_of],
        "region": regions[cust_of],
        "product_line": lines["product_line"].to_numpy(),
        "product": lines["product"].to_numpy(),
        "quantity": 1.0,
        "amount": np.round(rng.lognormal(4.6, 0.6, size=m), 2),
        "channel": "online",
    })
    customers = pd.DataFrame({"customer_id": ids, "region": regions,
                              "created_date": start + pd.to_timedelta(first, unit="D")})
    out = {**t, "sales": sales, "customers": customers}
    by_region = customers.groupby("region")["customer_id"].apply(np.array).to_dict()
    out.update(_reassign(t, lambda cid, region: rng.choice(by_region.get(region, ids)), t["customers"]))
    return out


def _order_is_customer(t: dict[str, pd.DataFrame], rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """No customer ids in the export: every order is its own customer (customer id = 'C' + order id)."""
    s = t["sales"].copy()
    s["customer_id"] = "C" + s["order_id"].astype(str)
    first = s.drop_duplicates("customer_id")
    customers = first[["customer_id", "region"]].copy()
    customers["created_date"] = first["order_date"].to_numpy()
    latest = t["sales"].sort_values("order_date").groupby("customer_id")["order_id"].last()
    out = {**t, "sales": s, "customers": customers}
    out.update(_reassign(t, lambda cid, region: "C" + str(latest.get(cid, s["order_id"].iloc[0])), t["customers"]))
    return out


def _reassign(t: dict, pick, old_customers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Surveys, complaints and interviews pointed at the new customer ids (``pick(old_id, region)``)."""
    home = old_customers.set_index("customer_id")["region"]
    out = {}
    for name in ("surveys", "complaints", "interviews"):
        df = t[name].copy()
        has = df["customer_id"].notna()
        df.loc[has, "customer_id"] = [pick(c, home.get(c)) for c in df.loc[has, "customer_id"]]
        out[name] = df
    return out


def _keep_customers(t: dict, keep: set) -> None:
    """Only ``keep`` in the master and the sales; answers, tickets and interviews are pointed at kept customers later."""
    t["customers"] = t["customers"][t["customers"]["customer_id"].isin(keep)]
    t["sales"] = t["sales"][t["sales"]["customer_id"].isin(keep)]


def _repoint(t: dict) -> None:
    """Answers, tickets and interviews of customers not in the master go to a master customer of the same
    region (else any), chosen by position: the tables keep their size and every id is known."""
    master = t["customers"]
    ids = master["customer_id"].to_numpy()
    by_region = {r: g.to_numpy() for r, g in master.groupby("region")["customer_id"]}
    home = master.set_index("customer_id")["region"]
    for name in ("surveys", "complaints", "interviews"):
        df = t[name].copy()
        lost = df["customer_id"].notna() & ~df["customer_id"].isin(set(ids))
        region = df["region"] if "region" in df else df["customer_id"].map(home)
        new = []
        for n, (_i, r) in enumerate(zip(df.index[lost], region[lost])):
            pool = by_region.get(r, ids)
            new.append(pool[n % len(pool)])
        df.loc[lost, "customer_id"] = new
        t[name] = df


def _into_window(dates: pd.Series, start: pd.Timestamp) -> pd.Series:
    """Dates spread over [start, period end] in the same order and proportions (the few interviews survive a short history)."""
    lo, hi = dates.min(), dates.max()
    frac = (dates - lo) / (hi - lo) if hi > lo else dates * 0 + 1.0
    return (start + (PERIOD_END - start) * frac).dt.normalize()


def _shape_tables(f: dict) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED + 1)
    t = _small_sample()
    if f["customers"] == "b2c":
        t = _b2c(t, rng)
    elif f["customers"] == "order_is_customer":
        t = _order_is_customer(t, rng)
    s = t["sales"]
    if f["regions"] == "one":
        region = s.groupby("region")["amount"].sum().idxmax()
        t["sales"] = s = s[s["region"] == region]
        _keep_customers(t, set(t["customers"].loc[t["customers"]["region"] == region, "customer_id"]))
        t["surveys"] = t["surveys"][t["surveys"]["region"].isna() | (t["surveys"]["region"] == region)]
    if f["product_lines"] == "one":
        line = s.groupby("product_line")["amount"].sum().idxmax()
        t["sales"] = s = s[s["product_line"] == line]
    # months of history: every dated table starts N months before the period end
    start = PERIOD_END + pd.Timedelta(days=1) - pd.DateOffset(months=int(f["history"]))
    for name, col in (("sales", "order_date"), ("surveys", "survey_date"), ("complaints", "opened_at")):
        t[name] = t[name][t[name][col] >= start]
    t["interviews"] = t["interviews"].assign(interview_date=_into_window(t["interviews"]["interview_date"], start))
    if f["cohort"] == "closed":
        # the orders of customers first seen after the first quarter go to the first quarter's customers
        # of their region (by position): the business keeps selling, nobody new arrives
        s = t["sales"].copy()
        firsts = s.groupby("customer_id")["order_date"].min()
        early = firsts[firsts < start + pd.DateOffset(months=3)].index
        home = s.drop_duplicates("customer_id").set_index("customer_id")["region"]
        pools = {r: np.array(sorted(g)) for r, g in pd.Series(early, index=home[early].to_numpy()).groupby(level=0)}
        everyone = np.array(sorted(early))
        late = sorted(set(firsts.index) - set(early))
        to = {c: pools.get(home[c], everyone)[n % len(pools.get(home[c], everyone))] for n, c in enumerate(late)}
        s["customer_id"] = s["customer_id"].map(lambda c: to.get(c, c))
        t["sales"] = s
    # customers without a line left are dropped from the master too (a master of the buyers)
    _keep_customers(t, set(t["sales"]["customer_id"]))
    _repoint(t)
    if f["surveys"] == "nps":
        t["surveys"] = t["surveys"].drop(columns=["satisfaction"])
    elif f["surveys"] == "satisfaction":
        t["surveys"] = t["surveys"].drop(columns=["nps"])
    if f["dimensions"] == "no":
        t["surveys"] = t["surveys"].drop(columns=[d["key"] for d in _sample_config()["survey"]["dimensions"]])
    if f["waves"] == "one":
        v = t["surveys"]
        t["surveys"] = v[v["survey_date"] >= PERIOD_END - pd.DateOffset(months=3) + pd.Timedelta(days=1)]
    if f["master"] == "id_region":
        t["customers"] = t["customers"][["customer_id", "region"]]
    for name in ("surveys", "complaints", "interviews"):
        absent = f.get(name) == "absent"
        if absent:
            del t[name]
    if f["dates"] == "pre2000":
        for df in t.values():
            for c in _date_columns(df):
                df[c] = df[c] - pd.DateOffset(years=SHIFT_YEARS)
    return t


def _shift_label(text: str) -> str:
    """'2026', '2026Q4', '2026-01-05' → thirty years earlier."""
    return re.sub(r"\b(20\d\d)", lambda m: str(int(m.group(1)) - SHIFT_YEARS), text)


def _config(f: dict, t: dict[str, pd.DataFrame]) -> dict:
    y = copy.deepcopy(_sample_config())
    y["tables"] = {name: {"file": f"{name}.csv"} for name in t}
    y["diagnosis"]["bootstrap"] = BOOTSTRAP
    regions = set(t["sales"]["region"]) | set(t["customers"]["region"])
    lines = set(t["sales"]["product_line"])

    def known(scope: dict | None) -> bool:
        scope = scope or {}
        return all(v in regions if k == "region" else v in lines if k == "product_line" else True for k, v in scope.items())

    b = y["breakdown"]
    # an override of the only region or line would be the total itself (a PlanError when it differs from it)
    several = {"region": len(set(t["sales"]["region"])) > 1, "product_line": len(lines) > 1}
    b["overrides"] = [o for o in b.get("overrides", []) if known(o["scope"]) and all(several.get(k, True) for k in o["scope"])]
    b["potential"]["region"] = {k: v for k, v in b["potential"]["region"].items() if k in regions}
    bud = y["budget"]
    bud["limits"] = [x for x in bud.get("limits", []) if known(x["scope"])]
    bud["strategic_weights"] = {dim: {k: v for k, v in w.items() if k in (regions if dim == "region" else lines)}
                                for dim, w in bud["strategic_weights"].items()}
    y["action_plan"] = [a for a in y["action_plan"] if known({k: v for k, v in a["serves"].items() if k in ("region", "product_line")})]
    y["goals"] = [g for g in y["goals"] if known(g.get("scope"))]
    metrics_needing = {"nps": "nps", "satisfaction_mean": "satisfaction"}
    for g in list(y["goals"]):
        col = metrics_needing.get(g["metric"])
        if col and ("surveys" not in t or col not in t["surveys"].columns):
            y["goals"].remove(g)
        if g["metric"] in ("complaints", "response_over_promise_share") and "complaints" not in t:
            y["goals"].remove(g)
    if f["goals"] in ("absent", "empty"):
        if f["goals"] == "absent":
            del y["goals"]
        else:
            y["goals"] = []
        b["total"] = {"growth": 0.12}
        for a in y["action_plan"]:
            a.pop("goal", None)
    else:
        ids = {g["id"] for g in y["goals"]}
        if b["total"].get("goal") not in ids:
            b["total"] = {"growth": 0.12}
        for a in y["action_plan"]:
            if a.get("goal") not in ids:
                a.pop("goal", None)
    if f["dimensions"] == "no" or "surveys" not in t:
        y["survey"]["dimensions"] = []
    if f["money"] == "usd_unit":
        y["company"].update(currency="USD", unit="unit", display_unit="unit")
    elif f["money"] == "usd_default":
        y["company"].update(currency="USD", unit="unit")
        y["company"].pop("display_unit", None)
    if f["dates"] == "pre2000":
        y["checks"] = {**y.get("checks", {}), "earliest_date": dt.date(1990, 1, 1)}
        for g in y.get("goals") or []:
            g["deadline"] = _shift_label(str(g["deadline"]))
            g["en"], g["zh"] = _shift_label(g["en"]), _shift_label(g["zh"])
        for a in y["action_plan"]:
            for k in ("start", "due"):
                a[k] = dt.date.fromisoformat(_shift_label(str(a[k])))
    return y


def build_shape(base_dir: str | Path, factors: dict) -> Path:
    """Write the workspace of one shape into ``base_dir/<shape name>`` and return the folder.

    Parameters
    ----------
    base_dir : path
        Parent folder (created when missing).
    factors : dict
        Factor → level (see :data:`FACTORS`); factors left out take the sample's level.

    Returns
    -------
    Path
        The workspace folder (``workspace.yaml`` and one UTF-8 CSV per table).
    """
    unknown = set(factors) - set(FACTORS)
    if unknown:
        raise ValueError(f"unknown shape factors: {sorted(unknown)}")
    f = {k: factors.get(k, levels[0]) for k, levels in FACTORS.items()}
    for k, v in f.items():
        if v not in FACTORS[k]:
            raise ValueError(f"factor {k} has no level {v!r} (levels: {FACTORS[k]})")
    t = _shape_tables(f)
    folder = Path(base_dir) / folder_name(f)
    folder.mkdir(parents=True, exist_ok=False)
    for name, df in t.items():
        df.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", date_format=None)
    config = _config(f, t)
    (folder / "workspace.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder
