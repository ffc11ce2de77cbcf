"""The demo company's customers: the master records (region, segment, start, activity …) and their details.

Here: :func:`_make_customers` (who exists and when they arrive) and :func:`_customer_details` (company names,
contacts, phones, e-mails, sales reps). Not here: ``customers.xlsx`` itself (:mod:`salesnb.sample.files`).
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from .knobs import (_ACQ_2025, _BRANDS, _CHANNEL_BY_SEG, _CITIES, _FIRST_DAY, _FREE_MAIL, _GIVEN, _INDUSTRIES, _INDUSTRY_WEIGHTS,
                    _INDUSTRY_WORD, _MOBILE_PREFIX, _MONTH_FACTOR, _REGION_PARAMS, _SALES_CHANNELS, _SEG, _SEGMENTS, _SUFFIXES,
                    _SURNAMES, _YEARS, REGIONS, _month_start, _pick)


def _make_names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    sw = np.array([s[2] for s in _SURNAMES])
    si = _pick(rng, _SURNAMES, n, sw)
    gi = _pick(rng, _GIVEN, n)
    names, pinyin = [], []
    for k in range(n):
        g, gp = _GIVEN[gi[k]]
        names.append(_SURNAMES[si[k]][0] + g)
        pinyin.append(_SURNAMES[si[k]][1] + "." + gp if rng.random() < 0.5 else gp + "." + _SURNAMES[si[k]][1])
    return names, pinyin


def _make_customers(rng: np.random.Generator) -> dict:
    """Customer master: initial base, dormant records and arrivals over 36 months."""
    regions, segs, start, created, dormant = [], [], [], [], []
    for r, region in enumerate(REGIONS):
        p = _REGION_PARAMS[region]
        n0 = p["n0"]
        regions += [r] * n0
        segs += list(_pick(rng, _SEGMENTS, n0, _SEG["mix_initial"]))
        start += [0] * n0
        # created before 2023, more recent ones more likely
        age_days = np.floor(rng.gamma(1.6, 520.0, n0)).astype(int) + 1
        created += [(_FIRST_DAY - timedelta(int(min(a, 2900)))) for a in age_days]
        dormant += [False] * n0
        nd = max(3, n0 // 25)  # records of customers lost before 2023
        regions += [r] * nd
        segs += list(_pick(rng, _SEGMENTS, nd, [0.04, 0.30, 0.66]))
        start += [-1] * nd
        created += [date(2016, 1, 1) + timedelta(int(x)) for x in rng.integers(0, 5 * 365, nd)]
        dormant += [True] * nd
        for y, year in enumerate(_YEARS):
            rate = p["acq"][y] * (_ACQ_2025 if year == 2025 else 1.0)
            # a little seasonality in acquisition as well (fewer in Jan/Feb)
            w = _MONTH_FACTOR * np.array([0.7, 0.7] + [1.0] * 10)
            counts = rng.poisson(rate * w / w.sum())
            for mo, c in enumerate(counts):
                m = y * 12 + mo
                first = _month_start(m)
                ndays = (_month_start(m + 1) - first).days if m < 35 else 31
                for _ in range(c):
                    regions.append(r)
                    segs.append(_pick(rng, _SEGMENTS, 1, _SEG["mix_new"])[0])
                    start.append(m)
                    created.append(first + timedelta(int(rng.integers(0, ndays))))
                    dormant.append(False)
    n = len(regions)
    order = sorted(range(n), key=lambda i: (created[i], regions[i], rng.random()))
    # apply the order to every list (ids follow the creation date)
    regions = np.array([regions[i] for i in order])
    segs = np.array([segs[i] for i in order])
    start = np.array([start[i] for i in order])
    created = [created[i] for i in order]
    dormant = np.array([dormant[i] for i in order])
    ids = [f"{k + 1:06d}" for k in range(n)]
    return dict(
        n=n, id=ids, region=regions, segment=segs, start=start, created=created, dormant=dormant,
        industry=_pick(rng, _INDUSTRIES, n, _INDUSTRY_WEIGHTS),
        city=np.array([rng.integers(0, len(_CITIES[REGIONS[r]])) for r in regions]),
        activity=rng.gamma(6.0, 1 / 6.0, n),
        size=np.exp(rng.normal(0.0, 0.20, n)),
        base_exp=rng.normal(0.0, 0.55, n),
        channel=np.array([_pick(rng, _SALES_CHANNELS, 1, _CHANNEL_BY_SEG[s])[0] for s in segs]),
    )


def _customer_details(rng: np.random.Generator, cust: dict) -> dict:
    """Names, contacts, phones, e-mails and the assigned sales rep of every customer."""
    n = cust["n"]
    brand = _pick(rng, _BRANDS, n * 2)
    word_pick = rng.integers(0, 3, n * 2)
    suffix = _pick(rng, _SUFFIXES, n * 2)
    names, used = [], set()
    k = 0
    for i in range(n):
        city, _ = _CITIES[REGIONS[cust["region"][i]]][cust["city"][i]]
        words = _INDUSTRY_WORD[_INDUSTRIES[cust["industry"][i]]]
        while True:
            b = _BRANDS[brand[k % (2 * n)]][0]
            word = words[word_pick[k % (2 * n)] % len(words)]
            suf = _SUFFIXES[suffix[k % (2 * n)]]
            if word.endswith("科技") or word.endswith("制造"):
                suf = "股份有限公司" if suf == "股份有限公司" else "有限公司"
            name = f"{city}{b}{word}{suf}"
            k += 1
            if name not in used:
                break
            if k > 4 * n:  # practically never: make it unique
                name = name.replace("有限公司", f"{i % 9 + 1}号厂有限公司")
                break
        used.add(name)
        names.append(name)
    contacts, contact_py = _make_names(rng, n)
    kind = rng.random(n)
    phones = []
    for i in range(n):
        if kind[i] < 0.78:
            phones.append(_MOBILE_PREFIX[rng.integers(0, len(_MOBILE_PREFIX))] + f"{rng.integers(0, 10**8):08d}")
        elif kind[i] < 0.96:
            code = _CITIES[REGIONS[cust["region"][i]]][cust["city"][i]][1]
            digits = 8 if len(code) == 3 else int(rng.choice([7, 8]))
            first = str(int(rng.integers(2, 9)))
            phones.append(f"{code}-{first}{rng.integers(0, 10 ** (digits - 1)):0{digits - 1}d}")
        else:
            phones.append("")
    emails = []
    ekind = rng.random(n)
    for i in range(n):
        brand_py = next(py for zh, py in _BRANDS if zh in names[i][2:6])
        if ekind[i] < 0.62:
            tld = ".com.cn" if rng.random() < 0.5 else ".com"
            emails.append(f"{contact_py[i]}@{brand_py.rstrip('2')}{'-' + str(i % 7) if rng.random() < 0.15 else ''}{tld}")
        elif ekind[i] < 0.80:
            emails.append(f"{rng.integers(10**7, 10**10)}@qq.com")
        elif ekind[i] < 0.93:
            emails.append(f"{contact_py[i].replace('.', '')}{rng.integers(1, 999)}@{_FREE_MAIL[1 + rng.integers(0, 3)]}")
        else:
            emails.append("")
    reps_by_region, _ = _make_names(rng, 4 * len(REGIONS))
    reps = {REGIONS[r]: reps_by_region[4 * r: 4 * r + 4] for r in range(len(REGIONS))}
    rep_idx = rng.integers(0, 4, n)
    return dict(name=names, contact=contacts, phone=phones, email=emails, reps=reps, rep_idx=rep_idx)
